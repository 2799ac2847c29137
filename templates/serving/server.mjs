// Serving entry point: the serving image runs this (the same app as `mlops serve`).
// Inside a container it listens on 0.0.0.0:$PORT and logs JSON Lines (one event per start, reload and
// stop). On SIGTERM readiness turns 503, the listener stays open DRAIN_DELAY_SECONDS (default 5) so that
// load balancers stop routing here, in-flight requests finish, and the process exits 0.
// Extra arguments are passed on, e.g. `--version v1.0` to pin a version. It runs as many serving
// workers as the container has CPUs (its limit), each a copy of this process.
// `mlops/serving` is the serve command alone: the image carries only what serving imports.
import { runServe } from 'mlops/serving';

const env = process.env;
const code = await runServe([
  '--yes',
  '--json',
  '--host',
  env.HOST ?? '0.0.0.0',
  ...(env.PORT ? ['--port', env.PORT] : []),
  '--drain-delay',
  env.DRAIN_DELAY_SECONDS ?? '5',
  // A worker per CPU of the container's limit (cgroup cpu.max); MLOPS_SERVE_WORKERS sets a number.
  ...(env.MLOPS_SERVE_WORKERS ? [] : ['--workers', 'auto']),
  ...process.argv.slice(2),
]);
// Exit explicitly: a native backend's worker threads must not keep a stopped server's process alive.
process.exit(code);
