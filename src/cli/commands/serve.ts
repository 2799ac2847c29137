import { usageError } from '../../core/errors.js';
import { defineCommand } from '../command.js';

interface ServeFlags {
  port?: string;
  host?: string;
  alias?: string;
  modelVersion?: string;
  drainDelay?: string;
}

const number = (flag: string, value: string | undefined, max: number): number | undefined => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > max) {
    throw usageError(`${flag} ${value} is not a number from 0 to ${max}.`, 'MLOPS_USAGE_E1002');
  }
  return n;
};

export default defineCommand<ServeFlags>({
  name: 'serve',
  summary: 'run the bundled serving app locally against the registry (foreground; SIGTERM drains and stops)',
  streaming: true,
  options: [
    {
      flags: '--port <port>',
      description: 'port to listen on, 0 for a free one (default: serve.port, 8080)',
    },
    {
      flags: '--host <address>',
      description: 'address to bind (default: serve.host, 127.0.0.1; 0.0.0.0 for every interface)',
    },
    { flags: '--alias <name>', description: 'alias to serve and follow (default: serve.alias, production)' },
    {
      flags: '--model-version <version>',
      description: 'serve this version, pinned: no hot reload (e.g. v1.0)',
    },
    {
      flags: '--drain-delay <seconds>',
      description: 'on SIGTERM, keep accepting with readiness 503 this long before draining (default: 0)',
    },
  ],
  examples: [
    'mlops serve',
    'mlops serve --port 9000 --alias staging',
    'mlops serve --model-version v1.0 --json',
  ],
  async handler(ctx, _args, flags) {
    const port = number('--port', flags.port, 65_535);
    const drainDelay = number('--drain-delay', flags.drainDelay, 3600) ?? 0;
    const config = await ctx.config({
      'serve.port': port,
      'serve.host': flags.host,
      'serve.alias': flags.alias,
    });
    const registry = await ctx.registry(config);
    const { serveModel } = await import('../../serving/serve-model.js');
    const handle = await serveModel({
      registry,
      serve: config.config.serve,
      version: flags.modelVersion,
      backend: config.config.train.backend,
      io: ctx.io,
      drainDelayMs: drainDelay * 1000,
    });
    // The first signal drains and stops gracefully (exit 0); the handlers are `once`, so a second
    // Ctrl-C falls through to node's default and ends the process at once.
    const onSignal = (signal: NodeJS.Signals) => void handle.stop(signal);
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    try {
      await handle.stopped;
    } finally {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    }
  },
});
