import { defineCommand } from '../command.js';
import { numberFlag } from '../flags.js';
import { untilTerminated } from '../until-terminated.js';

interface ServeFlags {
  port?: string;
  host?: string;
  alias?: string;
  version?: string;
  drainDelay?: string;
  workers?: string;
}

export default defineCommand<ServeFlags>({
  name: 'serve',
  summary:
    'run the bundled serving app locally against the registry (foreground; SIGTERM or Ctrl-C drain and stop)',
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
      flags: '--version <version>',
      description: 'serve this version, pinned: no hot reload (e.g. v1.0)',
    },
    {
      flags: '--drain-delay <seconds>',
      description: 'on SIGTERM, keep accepting with readiness 503 this long before draining (default: 0)',
    },
    {
      flags: '--workers <n|auto>',
      description:
        'server processes sharing the port, or "auto" for the CPU limit (default: serve.workers, 1)',
    },
  ],
  examples: [
    'mlops serve',
    'mlops serve --port 9000 --alias staging',
    'mlops serve --version v1.0 --json',
    'mlops serve --workers 2',
  ],
  async handler(ctx, _args, flags) {
    const port = numberFlag('--port', flags.port, {
      min: 0,
      max: 65_535,
      integer: true,
      example: '--port 8080 (0 picks a free port)',
    });
    const drainDelay =
      numberFlag('--drain-delay', flags.drainDelay, { min: 0, max: 3600, example: '--drain-delay 5' }) ?? 0;
    const workers =
      flags.workers === 'auto'
        ? 'auto'
        : numberFlag('--workers', flags.workers, {
            min: 1,
            max: 1024,
            integer: true,
            example: '--workers 2 (or --workers auto)',
          });
    const config = await ctx.config({
      'serve.workers': workers,
      'serve.port': port,
      'serve.host': flags.host,
      'serve.alias': flags.alias,
    });
    const registry = await ctx.registry(config);
    const { serve, poolWorkerRole } = await import('../../core/serve.js');
    // Every way of being told to end drains and stops (exit 0); Ctrl-C exits 130 (bin/mlops), and a
    // second Ctrl-C ends the process at once. Listening from the start: a signal that comes while the
    // model loads stops the server as soon as it is up, instead of killing it mid-start.
    let handle: Awaited<ReturnType<typeof serve>> | undefined;
    let stopReason: string | undefined;
    const dispose = untilTerminated(
      (reason) => {
        stopReason = reason;
        void handle?.stop(reason);
      },
      { signal: ctx.process.signal, parentPid: ctx.process.parentPid },
    );
    try {
      handle = await serve({
        registry,
        serve: config.config.serve,
        version: flags.version,
        backend: config.config.train.backend,
        io: ctx.io,
        drainDelayMs: drainDelay * 1000,
      });
      if (stopReason) void handle.stop(stopReason);
      await handle.stopped;
    } catch (error) {
      // A first worker's start failure went to the primary, which reports it once for the server.
      if (poolWorkerRole() !== 'first') throw error;
    } finally {
      dispose();
    }
  },
});
