// Training entry point: the training image runs this (as a Kubernetes Job) with the project's config.
// It is the same code as `mlops train --local`, emitting one JSON line per event for `mlops train --watch`.
import { run } from 'mlops/cli';

process.exitCode = await run(['train', '--local', '--json', '--yes', ...process.argv.slice(2)]);
