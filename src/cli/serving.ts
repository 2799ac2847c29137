import type { CommandDefinition } from './command.js';
import serve from './commands/serve.js';
import type { CliEnv } from './context.js';
import { processEnv, runCommands } from './program.js';

/**
 * `import { runServe } from 'mlops/serving'`: `mlops serve` alone, for the serving image's entry point.
 * It reaches only the serve command's modules, so the dependencies traced into the image are those of
 * serving (no infrastructure, training or build code). `argv` are serve's flags; returns the exit code.
 */
export const runServe = (argv: readonly string[], cli: CliEnv = processEnv()): Promise<number> =>
  runCommands([serve as CommandDefinition<never> as CommandDefinition], ['serve', ...argv], cli);
