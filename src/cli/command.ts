import type { CommandContext } from './context.js';
import type { Style } from './terminal.js';

export interface OptionSpec {
  /** commander syntax, e.g. `--alias <name>` or `--major`. */
  readonly flags: string;
  readonly description: string;
  readonly default?: string | boolean | string[];
  /** Collect repeated values into an array (`--param a=1 --param b=2`). */
  readonly repeatable?: boolean;
}

/** What a command returns: the JSON document for --json and how to show it to a person. */
export interface CommandOutput<T = unknown> {
  readonly json: T;
  /** Non-zero when the command ran but its verdict is a failure (e.g. doctor found a miss). */
  readonly exitCode?: number;
  readonly human?: (print: (line?: string) => void, style: Style) => void;
}

/**
 * One command, declared as data (after wrangler's createCommand): the shared wrapper in main.ts loads
 * configuration, handles --json and turns errors into what + hint. Command files stay small and import
 * their heavy dependencies lazily inside `handler`.
 */
export interface CommandDefinition<O = Record<string, unknown>> {
  /** Space-separated path, e.g. `models list`. */
  readonly name: string;
  readonly summary: string;
  readonly arguments?: readonly { readonly name: string; readonly description: string }[];
  readonly options?: readonly OptionSpec[];
  /** Events go to stdout as JSON Lines under --json; the result itself is not printed again. */
  readonly streaming?: boolean;
  readonly examples?: readonly string[];
  /** Accept any arguments and options (for commands that only explain they are not available). */
  readonly acceptsAnything?: boolean;
  handler(
    ctx: CommandContext,
    args: readonly (string | undefined)[],
    options: O,
  ): Promise<CommandOutput | void>;
}

export const defineCommand = <O = Record<string, unknown>>(
  definition: CommandDefinition<O>,
): CommandDefinition<O> => definition;
