// `mlops train --watch` latency benchmark (DESIGN.md §8): runs an iris training Job on the Kubernetes API
// test server (its pod is a local process in the project, registering into a file:// registry there: the
// registry plays no part in the figure) and measures, for every epoch, the
// time from the pod's log line (the kubelet's timestamp) to the CLI writing the matching event on its
// stdout; then lists the requests the server saw during the watch (watches and log follows, no polling).
// The training pod imports dist/ (npm run build first); the CLI runs in-process from src/ through tsx.
//   npm run bench:watch -- [--epochs N]
// Exits non-zero only when the run itself fails; the figures are reported, not enforced.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { openCluster } from '../providers/kubernetes/cluster-factory.ts';
import { run } from '../src/cli/main.ts';
import { startKubeServer } from '../test/support/kube/index.ts';
import { writeTrainingProject } from '../test/kubernetes/training-project.ts';

const { values } = parseArgs({ options: { epochs: { type: 'string', default: '300' } } });

/** Milliseconds on the clock the test server stamps log lines with (same process, same origin). */
const nowMs = () => performance.timeOrigin + performance.now();
/** An RFC 3339 time with up to nine fractional digits, in milliseconds with the sub-millisecond part. */
const timeMs = (time) => {
  const [, whole, fraction = ''] = /^(.*?:\d\d)(?:\.(\d+))?Z$/.exec(time);
  return Date.parse(`${whole}Z`) + Number(`0.${fraction || '0'}`) * 1000;
};
const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

const project = mkdtempSync(path.join(os.tmpdir(), 'mlops-bench-watch-'));
writeTrainingProject(project, {
  registry: 'file://.mlops/registry',
  train: { epochs: Number(values.epochs) },
});
const kube = await startKubeServer({
  projectDir: project,
  podEnv: { PATH: process.env.PATH ?? '', HOME: project },
});
const env = { KUBECONFIG: kube.kubeconfigPath, HOME: project };
try {
  const emitted = []; // [time, event]
  let pending = '';
  const stdout = new Writable({
    write(chunk, _encoding, callback) {
      const at = nowMs();
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) emitted.push([at, JSON.parse(line)]);
      callback();
    },
  });
  const stderr = new Writable({ write: (_c, _e, callback) => callback() });
  const watchStart = kube.requests.length;
  const code = await run(['train', '--watch', '--json'], {
    stdout,
    stderr,
    stdin: new PassThrough(),
    env,
    cwd: project,
  });
  const requests = kube.requests.slice(watchStart);
  if (code !== 0) throw new Error(`train --watch exited ${code}: ${JSON.stringify(emitted.at(-1)?.[1])}`);
  const job = emitted.find(([, e]) => e.event === 'submitted')[1].job;

  // the pod's log with the kubelet's timestamps, read afterwards
  const cluster = await openCluster({ cluster: {}, env });
  const { items: pods } = await cluster.list(
    { apiVersion: 'v1', kind: 'Pod', namespace: 'training' },
    { labelSelector: `job-name=${job}` },
  );
  const written = new Map();
  for (const pod of pods) {
    for await (const { time, line } of cluster.logs('training', pod.metadata.name)) {
      if (line.startsWith('{"event":"epoch"')) written.set(JSON.parse(line).epoch, timeMs(time));
    }
  }
  const delays = emitted
    .filter(([, e]) => e.event === 'epoch' && written.has(e.epoch))
    .map(([at, e]) => at - written.get(e.epoch))
    .sort((a, b) => a - b);

  const kinds = new Map();
  for (const r of requests) {
    const key = `${r.method} ${r.path.replace(job, 'JOB').replace(/JOB-[a-z0-9]+/, 'JOB-POD')}${r.watch ? ' (watch)' : ''}${r.url.includes('follow=true') ? ' (follow)' : ''}`;
    kinds.set(key, (kinds.get(key) ?? 0) + 1);
  }
  console.log(
    `train --watch of ${values.epochs} iris epochs: ${delays.length} epoch events matched to pod log lines`,
  );
  console.log(
    `delay pod log line → CLI event: median ${percentile(delays, 50).toFixed(2)} ms, p99 ${percentile(delays, 99).toFixed(2)} ms, max ${delays.at(-1).toFixed(2)} ms (target ≤ 500 ms)`,
  );
  console.log(`requests the test server saw during the watch (${requests.length}):`);
  for (const [key, count] of [...kinds].sort()) console.log(`  ${String(count).padStart(3)}  ${key}`);
} finally {
  await kube.stop();
  rmSync(project, { recursive: true, force: true });
}
