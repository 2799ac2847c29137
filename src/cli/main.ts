import { COMMANDS } from './commands/index.js';
import type { CliEnv } from './context.js';
import { processEnv, runCommands } from './program.js';

export { processEnv };

/** Runs the CLI and returns its exit code; never calls process.exit, so tests run it in-process. */
export const run = (argv: readonly string[], cli: CliEnv = processEnv()): Promise<number> =>
  runCommands(COMMANDS, argv, cli);
