/**
 * The Kubernetes API test server by hand: `npm run kube:dev -- --kubeconfig PATH [--port N] [--project DIR]`
 * writes a kubeconfig (context mlops-dev) and serves until Ctrl-C, so that `mlops train --watch`,
 * `mlops deploy`, `mlops status` and kubectl can be tried against it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startKubeServer } from './server.js';

const { values } = parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    port: { type: 'string' },
    project: { type: 'string' },
    namespace: { type: 'string' },
  },
});
if (!values.kubeconfig) {
  console.error('usage: npm run kube:dev -- --kubeconfig PATH [--port N] [--project DIR] [--namespace NS]');
  process.exit(2);
}
const kubeconfig = path.resolve(values.kubeconfig);
const projectDir = path.resolve(values.project ?? process.cwd());
const server = await startKubeServer({
  projectDir,
  ...(values.port ? { port: Number(values.port) } : {}),
  backoffMs: 1000,
  // `mlops deploy` by hand: serving pods really serve, so `mlops status` reads their versions.
  runDeploymentPods: true,
  entrypoints: projectEntrypoints(projectDir),
});
await server.writeKubeconfig(kubeconfig, {
  context: 'mlops-dev',
  ...(values.namespace ? { namespace: values.namespace } : {}),
});
console.log(`Kubernetes API test server at ${server.url}`);
console.log(`kubeconfig: ${kubeconfig} (context mlops-dev)`);
console.log(`  export KUBECONFIG=${kubeconfig}`);
console.log('  kubectl get namespaces; mlops train --watch; mlops deploy; mlops status');
console.log('Ctrl-C stops it.');
const stop = (): void => {
  void server.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

/** The images' ENTRYPOINTs, as the project's Dockerfiles set them, keyed by the configured repositories. */
function projectEntrypoints(dir: string): Record<string, readonly string[]> {
  let images: { training?: { repository?: string }; serving?: { repository?: string } } = {};
  try {
    const config = JSON.parse(readFileSync(path.join(dir, 'mlops.config.json'), 'utf8')) as {
      images?: typeof images;
    };
    images = config.images ?? {};
  } catch {
    return {};
  }
  return Object.fromEntries(
    [
      [images.training?.repository, ['node', 'training/train.mjs']],
      [images.serving?.repository, ['node', 'serving/server.mjs']],
    ].filter((entry): entry is [string, string[]] => typeof entry[0] === 'string'),
  );
}
