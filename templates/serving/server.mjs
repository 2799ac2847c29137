// Serving entry point: the serving image runs this. Inside a container it listens on 0.0.0.0.
import { run } from 'mlops/cli';

process.exitCode = await run([
  'serve',
  '--yes',
  '--host',
  process.env.HOST ?? '0.0.0.0',
  ...process.argv.slice(2),
]);
