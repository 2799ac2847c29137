import { Command, CommanderError, Option } from 'commander';
import type { CommandDefinition, CommandOutput } from './command.js';
import { actorName, isCi, type CliEnv, type CommandContext, type GlobalOptions } from './context.js';
import { toErrorReport } from './handle-errors.js';
import { packageVersion } from '../kernel/package-root.js';
import { quietOnClosedPipe } from './closed-pipe.js';
import { CliIoHost } from './io-host.js';
import { createStyle } from './terminal.js';

/** This process's streams and environment; `signal` aborts on Ctrl-C (bin/mlops). */
export function processEnv(signal?: AbortSignal): CliEnv {
  return {
    stdout: quietOnClosedPipe(process.stdout),
    stderr: quietOnClosedPipe(process.stderr),
    // on first use: opening stdin costs ~3 ms that `--help` and `--version` need not pay
    get stdin() {
      return process.stdin;
    },
    env: process.env,
    cwd: process.cwd(),
    parentPid: process.ppid,
    ...(signal && { signal }),
  };
}

/**
 * Runs a CLI of these commands and returns its exit code; never calls process.exit, so tests run it
 * in-process. `mlops` is all of them (main.ts); the serving image's entry only `serve` (serving.ts).
 */
export async function runCommands(
  commands: readonly CommandDefinition[],
  argv: readonly string[],
  cli: CliEnv = processEnv(),
): Promise<number> {
  let exitCode = 0;
  const program = addGlobalOptions(
    new Command('mlops')
      .description(
        'One CLI for the ML lifecycle on AWS and Kubernetes: train, version, promote, deploy and serve.',
      )
      .version(packageVersion(), '--version', 'print the mlops version'),
  )
    // Program options only before the command name: each command declares the global flags itself, so
    // they work after it too, and a command may own a flag the program also has (`serve --version`).
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => cli.stdout.write(text),
      writeErr: (text) => cli.stderr.write(text),
    });

  for (const definition of commands) {
    register(program, definition, cli, (code) => (exitCode = code));
  }

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      ) {
        return 0;
      }
      if (argv.includes('--json')) {
        const message = error.message.replace(/^error: /, '');
        cli.stdout.write(
          `${JSON.stringify({ error: { message, hint: 'Run with --help for usage.', code: 'MLOPS_USAGE_E1002' } })}\n`,
        );
      }
      return 2;
    }
    throw error;
  }
  return exitCode;
}

/** The global flags of DESIGN.md §1, on the program and on every command. */
function addGlobalOptions(command: Command): Command {
  return command
    .addOption(new Option('--json', 'machine output: one JSON document (JSON Lines for streams) on stdout'))
    .addOption(new Option('-y, --yes', 'never prompt; answers come from flags and defaults'))
    .addOption(new Option('--config <path>', 'configuration file (default: mlops.config.json here or above)'))
    .addOption(new Option('--env <name>', 'apply the environments.<name> section of the configuration'))
    .addOption(new Option('-v, --verbose', 'more detail, and stack traces on errors'))
    .addOption(new Option('-q, --quiet', 'only warnings and errors on stderr'))
    .addOption(new Option('--no-color', 'no ANSI colors'));
}

/** Global flags given before the command name or after it (either place counts). */
function globalOptions(program: GlobalOptions, command: GlobalOptions, env: CliEnv['env']): GlobalOptions {
  return {
    json: program.json === true || command.json === true,
    yes: program.yes === true || command.yes === true,
    config: command.config ?? program.config,
    env: command.env ?? program.env,
    verbose: program.verbose === true || command.verbose === true,
    quiet: program.quiet === true || command.quiet === true,
    color: program.color !== false && command.color !== false && env.NO_COLOR === undefined,
  };
}

function commandFor(program: Command, path: readonly string[]): Command {
  let parent = program;
  for (const name of path) {
    parent = parent.commands.find((c) => c.name() === name) ?? parent.command(name).exitOverride();
  }
  return parent;
}

function register(
  program: Command,
  definition: CommandDefinition,
  cli: CliEnv,
  setExit: (code: number) => void,
): void {
  const path = definition.name.split(' ');
  const parent = commandFor(program, path.slice(0, -1));
  const command = parent
    .command(path.at(-1) ?? definition.name)
    .description(definition.summary)
    .exitOverride();
  for (const arg of definition.arguments ?? []) command.argument(arg.name, arg.description);
  if (definition.acceptsAnything) command.allowUnknownOption().allowExcessArguments();
  for (const option of definition.options ?? []) {
    const opt = new Option(option.flags, option.description);
    if (option.default !== undefined) opt.default(option.default);
    if (option.repeatable)
      opt.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
    command.addOption(opt);
  }
  addGlobalOptions(command);
  if (definition.examples?.length) {
    command.addHelpText('after', `\nExamples:\n${definition.examples.map((e) => `  $ ${e}`).join('\n')}`);
  }
  command.action(async (...received: unknown[]) => {
    const self = received.at(-1) as Command;
    const args = received.slice(0, definition.arguments?.length ?? 0) as (string | undefined)[];
    const { json, yes, config, env, verbose, quiet, color, ...options } = self.opts();
    const globals = globalOptions(
      program.opts<GlobalOptions>(),
      { json, yes, config, env, verbose, quiet, color } as GlobalOptions,
      cli.env,
    );
    setExit(await execute(definition, args, options, globals, cli));
  });
}

async function execute(
  definition: CommandDefinition,
  args: (string | undefined)[],
  options: Record<string, unknown>,
  globals: GlobalOptions,
  cli: CliEnv,
): Promise<number> {
  const interactive = !globals.yes && !isCi(cli.env) && cli.stdin.isTTY === true;
  const style = createStyle(globals.color && cli.stderr.isTTY === true);
  const streaming = definition.streaming === true;
  const io = new CliIoHost({
    stdout: cli.stdout,
    stderr: cli.stderr,
    stdin: cli.stdin,
    json: globals.json,
    streaming,
    interactive,
    verbose: globals.verbose,
    quiet: globals.quiet,
    style,
  });
  const ctx = createContext(io, globals, cli, style, interactive);
  try {
    const output = await definition.handler(ctx, args, options);
    if (output) printOutput(output, globals.json, streaming, cli, globals.color);
    return output?.exitCode ?? 0;
  } catch (error) {
    const report = toErrorReport(error);
    const payload = { message: report.message, hint: report.hint, code: report.code };
    if (globals.json) {
      cli.stdout.write(
        `${JSON.stringify(streaming ? { event: 'failed', error: payload } : { error: payload })}\n`,
      );
    }
    if (!globals.json || cli.stderr.isTTY || globals.verbose) {
      cli.stderr.write(`${style.red('Error:')} ${report.message}\n`);
      if (report.hint) cli.stderr.write(`  ${style.dim(report.hint)}\n`);
    }
    if (globals.verbose && report.stack) cli.stderr.write(`${report.stack}\n`);
    return report.exitCode;
  }
}

function printOutput(
  output: CommandOutput,
  json: boolean,
  streaming: boolean,
  cli: CliEnv,
  color: boolean,
): void {
  if (json) {
    if (!streaming) cli.stdout.write(`${JSON.stringify(output.json, null, 2)}\n`);
    return;
  }
  output.human?.(
    (line = '') => cli.stdout.write(`${line}\n`),
    createStyle(color && cli.stdout.isTTY === true),
  );
}

function createContext(
  io: CliIoHost,
  globals: GlobalOptions,
  cli: CliEnv,
  style: ReturnType<typeof createStyle>,
  interactive: boolean,
): CommandContext {
  const loaded = new Map<string, Promise<Awaited<ReturnType<CommandContext['config']>>>>();
  return {
    io,
    globals,
    process: cli,
    style,
    interactive,
    config(overrides) {
      const key = JSON.stringify(overrides ?? {});
      let pending = loaded.get(key);
      if (!pending) {
        pending = import('../config/load.js').then(({ loadConfig }) =>
          loadConfig({
            cwd: cli.cwd,
            configPath: globals.config,
            envName: globals.env,
            env: cli.env,
            overrides,
          }),
        );
        loaded.set(key, pending);
      }
      return pending;
    },
    async registry(config, uri) {
      const [{ resolveRegistryUri }, { openRegistry, storeOptions }] = await Promise.all([
        import('../config/load.js'),
        import('../../providers/store-factory.js'),
      ]);
      // A URI from the command line resolves against the current directory, the config's against its file.
      const resolved = uri
        ? resolveRegistryUri(uri, cli.cwd)
        : resolveRegistryUri(config.config.registry, config.dir);
      return openRegistry(resolved, config.config.name, {
        ...storeOptions(config.config, cli.env),
        io,
      });
    },
    async cluster(config, context) {
      const { openCluster } = await import('../../providers/kubernetes/cluster-factory.js');
      return openCluster({
        cluster: config?.config.cluster ?? { context: cli.env.MLOPS_KUBE_CONTEXT || undefined },
        env: cli.env,
        context,
      });
    },
    async imageRegistry(host) {
      const { openImageRegistry } = await import('../../providers/images/registry-factory.js');
      return openImageRegistry({ host, env: cli.env, ...(cli.signal ? { signal: cli.signal } : {}) });
    },
    async readData(config, uri) {
      const { readDataUri, storeOptions } = await import('../../providers/store-factory.js');
      return readDataUri(uri, storeOptions(config.config, cli.env));
    },
    async installDependencies(dir) {
      const progress = io.progress(`Linking mlops into ${dir} (npm install --offline)`);
      try {
        const { npmInstall } = await import('../../providers/local/npm-install.js');
        await npmInstall(dir, cli.env);
      } finally {
        progress.done();
      }
    },
    actor: () => actorName(cli.env),
  };
}
