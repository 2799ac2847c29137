import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openCluster } from '../../providers/kubernetes/cluster-factory.js';
import { openRegistry, storeOptions } from '../../providers/store-factory.js';
import { run } from '../../src/cli/main.js';
import type { ClusterClient, KubeObject } from '../../src/core/ports/cluster.js';
import { trainingJob } from '../../src/manifests/training-job.js';
import { loadModel } from '../../src/index.js';
import { startKubeServer, type KubeServer } from '../support/kube/index.js';
import { runMlops } from '../support/run-mlops.js';
import { startS3rver, type S3rverHandle } from '../support/s3rver.js';
import { tempDir } from '../support/temp-dir.js';
import { makeConfig } from '../infra/fixtures.js';
import { TRAINING_IMAGE, writeTrainingProject } from './training-project.js';

/**
 * `mlops train` on the cluster, end to end: the Kubernetes API test server runs the training pod as a
 * local process in the project (its `node training/train.mjs`, the same entry point the image runs),
 * which registers into s3rver; the CLI submits, follows with watches and a log follow, and diagnoses.
 */

interface Line {
  readonly event: string;
  readonly [field: string]: unknown;
}

const project = tempDir('mlops-train-cluster-');
let s3: S3rverHandle;
let kube: KubeServer;
let env: Record<string, string>;
let cluster: ClusterClient;

beforeAll(async () => {
  s3 = await startS3rver({ buckets: ['models'] });
  writeTrainingProject(project, {
    registry: 's3://models/registry',
    environments: { short: { cluster: { training: { activeDeadlineSeconds: 2 } } } },
  });
  kube = await startKubeServer({
    projectDir: project,
    podEnv: { ...s3.env, PATH: process.env.PATH ?? '', HOME: project },
  });
  env = { ...s3.env, KUBECONFIG: kube.kubeconfigPath };
  cluster = await openCluster({ cluster: {}, env });
}, 60_000);

afterAll(async () => {
  await kube?.stop();
  await s3?.stop();
});

beforeEach(() => kube.faults.clear());

const train = (args: string) => runMlops(`train ${args} --json`, { cwd: project, env });
const events = (stdout: string): Line[] =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);

/** `train …` in-process with a signal the test aborts (Ctrl-C) when `until` sees a line it waits for. */
async function trainUntil(args: string, until: (line: Line) => boolean) {
  const interrupt = new AbortController();
  let out = '';
  let pending = '';
  const stdout = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      out += chunk.toString();
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      if (lines.some((l) => until(JSON.parse(l) as Line))) interrupt.abort();
      callback();
    },
  });
  const stderr = new Writable({ write: (_c, _e, callback) => callback() });
  const code = await run([...args.split(' '), '--json'], {
    stdout,
    stderr,
    stdin: new PassThrough(),
    env,
    cwd: project,
    signal: interrupt.signal,
  });
  return { code, lines: events(out) };
}

const podsOf = async (job: string) =>
  (
    await cluster.list(
      { apiVersion: 'v1', kind: 'Pod', namespace: 'training' },
      { labelSelector: `job-name=${job}` },
    )
  ).items;

describe('mlops train --watch against the test server', () => {
  it('goes from submitted to registered; the version is then listed, verified and loadable', async () => {
    const result = await train('--watch');
    expect(result.code, result.stderr).toBe(0);
    const lines = events(result.stdout);
    expect(lines[0]).toMatchObject({ event: 'submitted', namespace: 'training', image: TRAINING_IMAGE });
    const job = lines[0]!.job as string;
    expect(job).toMatch(/^iris-train-\d{8}-\d{6}-[a-z0-9]{4}$/);
    const epochs = lines.filter((l) => l.event === 'epoch').map((l) => l.epoch);
    expect(epochs).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(lines.map((l) => l.event)).toContain('dataset');
    expect(lines.filter((l) => l.event === 'pod').map((l) => l.phase)).toEqual(
      expect.arrayContaining(['Pending', 'Running', 'Succeeded']),
    );
    const registered = lines.at(-1)!;
    expect(registered).toMatchObject({ event: 'registered', model: 'iris', version: 'v1.0', job });
    expect((registered.metrics as { accuracy: number }).accuracy).toBeGreaterThan(0.8);

    const listed = await runMlops('models list --json', { cwd: project, env });
    expect(listed.json<{ versions: { version: string }[] }>().versions.map((v) => v.version)).toEqual([
      'v1.0',
    ]);
    expect((await runMlops('models verify v1.0 --json', { cwd: project, env })).code).toBe(0);
    const registry = await openRegistry('s3://models/registry', 'iris', storeOptions(makeConfig({}), env));
    const { manifest, predictor } = await loadModel(registry, 'v1.0');
    expect(manifest.runId).toBe(
      (await cluster.get({ apiVersion: 'batch/v1', kind: 'Job', namespace: 'training', name: job }))?.metadata
        .labels?.['mlops.dev/run-id'],
    );
    expect(predictor).toBeDefined();

    // --list: the Job, complete, with the version it registered (the run id in the lineage)
    const list = events((await train('--list')).stdout).at(-1) as unknown as {
      jobs: { job: string; status: string; version: string }[];
    };
    expect(list.jobs.find((j) => j.job === job)).toMatchObject({ status: 'complete', version: 'v1.0' });

    // never a polling loop: the Job and its pods were listed once each and then only watched
    const mine = kube.requests.filter((r) => r.path.includes('/namespaces/training/'));
    const reads = (resource: string) =>
      mine.filter((r) => r.method === 'GET' && r.path.endsWith(`/${resource}`) && !r.watch);
    expect(reads('jobs').length).toBeLessThanOrEqual(2); // the follow's list, and --list's
    expect(reads('pods').length).toBe(1);
  }, 120_000);

  it('without --watch prints the submitted event and exits 0', async () => {
    const result = await train('');
    expect(result.code).toBe(0);
    const [submitted] = events(result.stdout);
    expect(submitted).toMatchObject({ event: 'submitted', namespace: 'training' });
    await runMlops(`train --cancel ${String(submitted!.job)} --json`, { cwd: project, env });
  }, 60_000);

  it('an image on a private registry (GHCR with GITHUB_TOKEN) gets a pull secret the Job references; the token is never printed', async () => {
    const token = 'ghp_training-pull-token-not-for-output';
    const result = await runMlops('train --image ghcr.io/acme/iris-training:1 --json', {
      cwd: project,
      env: { ...env, GITHUB_TOKEN: token, GITHUB_ACTOR: 'octo' },
    });
    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).not.toContain(token);
    const submitted = events(result.stdout).find((e) => e.event === 'submitted')!;
    const job = await cluster.get<
      { spec: { template: { spec: { imagePullSecrets?: unknown } } } } & KubeObject
    >({
      apiVersion: 'batch/v1',
      kind: 'Job',
      namespace: 'training',
      name: String(submitted.job),
    });
    expect(job?.spec.template.spec.imagePullSecrets).toEqual([{ name: 'iris-pull' }]);
    const secret = await cluster.get<{ type: string; data: Record<string, string> } & KubeObject>({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: 'training',
      name: 'iris-pull',
    });
    expect(secret?.type).toBe('kubernetes.io/dockerconfigjson');
    const auths = JSON.parse(Buffer.from(secret!.data['.dockerconfigjson']!, 'base64').toString()) as {
      auths: Record<string, { auth: string }>;
    };
    expect(Buffer.from(auths.auths['ghcr.io']!.auth, 'base64').toString()).toBe(`octo:${token}`);
    await runMlops(`train --cancel ${String(submitted.job)} --json`, { cwd: project, env });
  }, 60_000);
});

describe('failures a user can act on (exit 1 with the diagnosis)', () => {
  it('an image that cannot be pulled names it, its registry and mlops build training --push', async () => {
    kube.faults.set({ kind: 'imagePull' });
    const result = await train('--watch');
    expect(result.code).toBe(1);
    const { error } = events(result.stdout).at(-1) as unknown as {
      error: { code: string; message: string; hint: string };
    };
    expect(error.code).toBe('MLOPS_TRAIN_E5107');
    expect(error.message).toContain(TRAINING_IMAGE);
    expect(error.message).toContain('registry.test:5000');
    expect(error.hint).toContain('mlops build training --push');
  }, 60_000);

  it.each([
    ['jobFailed', '', 'MLOPS_TRAIN_E5110', 'failed 2 times (backoffLimit 1)'],
    ['crashLoop', '', 'MLOPS_TRAIN_E5110', 'backoffLimit 1'],
    ['deadlineExceeded', '--env short', 'MLOPS_TRAIN_E5109', 'deadline of 2 s'],
    ['unschedulable', '--env short', 'MLOPS_TRAIN_E5111', 'could never be scheduled'],
  ] as const)(
    '%s → %s',
    async (kind, flags, code, words) => {
      kube.faults.set({ kind });
      const result = await train(`--watch ${flags}`);
      expect(result.code).toBe(1);
      const { error } = events(result.stdout).at(-1) as unknown as {
        error: { code: string; message: string };
      };
      expect(error.code).toBe(code);
      expect(error.message).toContain(words);
    },
    60_000,
  );

  it('a training error in the pod fails the Job after its retries, quoting the error from the log', async () => {
    const result = await train('--watch --label no-such-column');
    expect(result.code).toBe(1);
    const { error } = events(result.stdout).at(-1) as unknown as { error: { code: string; message: string } };
    expect(error.code).toBe('MLOPS_TRAIN_E5110');
    expect(error.message).toMatch(/last lines of pod iris-train-[\w-]+:\n {2}\| error: .*no-such-column/);
  }, 60_000);

  it('a Job whose service account is missing: FailedCreate, named, with what to do', async () => {
    const ghost = makeConfig({ name: 'ghost' });
    const job = trainingJob({
      config: ghost,
      jobName: 'ghost-train-20260101-000000-abcd',
      runId: 'r',
      image: TRAINING_IMAGE,
      args: [],
    });
    await cluster.apply(job);
    const result = await train(`--attach ${job.metadata.name}`);
    expect(result.code).toBe(1);
    const { error } = events(result.stdout).at(-1) as unknown as {
      error: { code: string; message: string; hint: string };
    };
    expect(error.code).toBe('MLOPS_TRAIN_E5112');
    expect(error.message).toContain('service account training/ghost-training does not exist');
    await cluster.delete({
      apiVersion: 'batch/v1',
      kind: 'Job',
      namespace: 'training',
      name: job.metadata.name,
    });
  }, 60_000);

  it('an unknown Job names the recent ones', async () => {
    const result = await train('--attach iris-train-nope');
    expect(result.code).toBe(1);
    const { error } = events(result.stdout).at(-1) as unknown as { error: { code: string; message: string } };
    expect(error.code).toBe('MLOPS_TRAIN_E5106');
    expect(error.message).toContain('recent: iris-train-');
  }, 60_000);
});

describe('detach, attach, cancel, dropped streams', () => {
  it('Ctrl-C detaches (exit 130) and --attach --since shows every later line once', async () => {
    const first = await trainUntil('train --watch', (l) => l.event === 'epoch' && l.epoch === 3);
    expect(first.code).toBe(130);
    const detached = first.lines.at(-1)!;
    expect(detached).toMatchObject({ event: 'detached', namespace: 'training' });
    expect(String(detached.attach)).toContain(
      `mlops train --attach ${String(detached.job)} --since ${String(detached.since)}`,
    );

    const second = await train(`--attach ${String(detached.job)} --since ${String(detached.since)}`);
    expect(second.code).toBe(0);
    const shown = [...first.lines, ...events(second.stdout)].filter(
      (l) => l.event === 'epoch' || l.event === 'registered',
    );
    expect(shown.filter((l) => l.event === 'epoch').map((l) => l.epoch)).toEqual(
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
    expect(shown.at(-1)).toMatchObject({ event: 'registered' });
  }, 120_000);

  it('--cancel deletes the Job with its pods (foreground) and leaves none', async () => {
    kube.faults.set({ kind: 'deadlineExceeded' }); // the container runs until it is stopped
    const started = await trainUntil('train --watch', (l) => l.event === 'pod' && l.phase === 'Running');
    const job = String(started.lines[0]!.job);
    expect(await podsOf(job)).toHaveLength(1);
    const result = await train(`--cancel ${job}`);
    expect(result.code).toBe(0);
    expect(events(result.stdout).at(-1)).toMatchObject({
      event: 'cancelled',
      job,
      pods: [expect.stringContaining(job)],
    });
    expect(await podsOf(job)).toEqual([]);
    expect(
      await cluster.get({ apiVersion: 'batch/v1', kind: 'Job', namespace: 'training', name: job }),
    ).toBeUndefined();
  }, 60_000);

  it('watches and log streams that drop mid-run lose and repeat nothing', async () => {
    let dropped = 0;
    const result = await trainUntil('train --watch', (l) => {
      if (l.event === 'epoch' && (l.epoch === 5 || l.epoch === 15)) {
        kube.dropWatches();
        kube.dropLogStreams();
        dropped += 1;
      }
      return false;
    });
    expect(dropped).toBe(2);
    expect(result.code).toBe(0);
    // both drops were resumed: the pod's log was followed again, and each watch reconnected
    const job = String(result.lines[0]!.job);
    const follows = kube.requests.filter((r) => r.path.includes(`/pods/${job}-`) && r.path.endsWith('/log'));
    expect(follows.length).toBeGreaterThanOrEqual(3);
    const podWatches = kube.requests.filter(
      (r) => r.watch && r.url.includes(encodeURIComponent(`job-name=${job}`)),
    );
    expect(podWatches.length).toBeGreaterThanOrEqual(3);
    expect(result.lines.filter((l) => l.event === 'epoch').map((l) => l.epoch)).toEqual(
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
    expect(result.lines.at(-1)).toMatchObject({ event: 'registered' });
  }, 120_000);
});
