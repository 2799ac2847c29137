import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { KubeServer } from '../support/kube/index.js';
import { startKubeServer } from '../support/kube/index.js';
import { tempDir } from '../support/temp-dir.js';
import type { ApiClient } from './api.js';
import { apiClient, byName, nodeJob, ofJob, phase } from './api.js';

const dir = tempDir('mlops-kube-controllers-');
let server: KubeServer;
let api: ApiClient;

const NS = '/api/v1/namespaces/work';
const JOBS = '/apis/batch/v1/namespaces/work/jobs';

interface ContainerStatus {
  restartCount: number;
  state: { waiting?: { reason: string }; terminated?: { exitCode: number; reason: string } };
}
interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
const containerOf = (pod: object): ContainerStatus | undefined =>
  (pod as { status?: { containerStatuses?: ContainerStatus[] } }).status?.containerStatuses?.[0];
const conditions = (object: object): Condition[] =>
  (object as { status?: { conditions?: Condition[] } }).status?.conditions ?? [];
const has = (object: object, type: string, reason?: string): boolean =>
  conditions(object).some((c) => c.type === type && c.status === 'True' && (!reason || c.reason === reason));

/** Waits for the event `reason` on the named object and returns its message. */
const eventOf = async (name: string, reason: string): Promise<string> => {
  const event = await api.until(
    `${NS}/events?fieldSelector=involvedObject.name%3D${name}`,
    (e) => e.reason === reason,
  );
  return String(event.message);
};

const image = (job: ReturnType<typeof nodeJob>, name: string): ReturnType<typeof nodeJob> => {
  job.spec.template.spec.containers[0]!.image = name;
  return job;
};

beforeAll(async () => {
  server = await startKubeServer({ projectDir: dir, backoffMs: 20, podEnv: { FROM_POD_ENV: 'irsa' } });
  api = apiClient(server);
  await api.call('POST', '/api/v1/namespaces', {
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'work' } },
  });
});

beforeEach(() => server.faults.clear());

afterAll(async () => {
  await api?.close();
  await server?.close();
});

describe('the Job controller and kubelet of the test server', () => {
  it('runs the container command with the pod env: values, field refs, secrets, podEnv; output is the pod log', async () => {
    await api.call('POST', `${NS}/secrets`, {
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'creds' },
        data: { key: Buffer.from('s3cret').toString('base64') },
      },
    });
    const script =
      'for (const k of ["PLAIN", "POD", "SECRET", "FROM_POD_ENV"]) console.log(`${k}=${process.env[k]}`); console.log(process.cwd());';
    const job = nodeJob('env', 'work', script);
    Object.assign(job.spec.template.spec.containers[0]!, {
      env: [
        { name: 'PLAIN', value: 'v' },
        { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'SECRET', valueFrom: { secretKeyRef: { name: 'creds', key: 'key' } } },
      ],
    });
    await api.call('POST', JOBS, { body: job });
    await api.until(`${JOBS}?${byName('env')}`, (j) => has(j, 'Complete'));
    const [pod] = (
      await api.call<{ items: { metadata: { name: string } }[] }>('GET', `${NS}/pods?${ofJob('env')}`)
    ).body.items;
    const log = await api.call<string>('GET', `${NS}/pods/${pod!.metadata.name}/log`);
    expect(log.body).toBe(`PLAIN=v\nPOD=${pod!.metadata.name}\nSECRET=s3cret\nFROM_POD_ENV=irsa\n${dir}\n`);
  });

  it('ttlSecondsAfterFinished: a finished Job is deleted with its pods', async () => {
    const created = await api.call<{ metadata: { resourceVersion: string } }>('POST', JOBS, {
      body: nodeJob('brief', 'work', 'console.log("done")', { ttlSecondsAfterFinished: 0 }),
    });
    const from = created.body.metadata.resourceVersion;
    await api.until(`${JOBS}?${byName('brief')}&resourceVersion=${from}`, (_job, type) => type === 'DELETED');
    await api.until(
      `${NS}/pods?${ofJob('brief')}&resourceVersion=${from}`,
      (_pod, type) => type === 'DELETED',
    );
  });

  it('a command that is not there fails the container with StartError, as a runtime does', async () => {
    const job = nodeJob('nocmd', 'work', '');
    job.spec.template.spec.containers[0]!.command = ['no-such-binary-here'];
    await api.call('POST', JOBS, { body: job });
    const pod = await api.until(`${NS}/pods?${ofJob('nocmd')}`, (p) => phase(p) === 'Failed');
    expect(containerOf(pod)?.state.terminated).toMatchObject({ exitCode: 128, reason: 'StartError' });
  });

  it('a missing service account: no pod, the FailedCreate event of a real cluster; creating it lets the Job run', async () => {
    await api.call('POST', JOBS, {
      body: nodeJob('needs-sa', 'work', 'console.log("ran")', {}, { serviceAccountName: 'trainer' }),
    });
    expect(await eventOf('needs-sa', 'FailedCreate')).toBe(
      'Error creating: pods "needs-sa-" is forbidden: error looking up service account work/trainer: serviceaccount "trainer" not found',
    );
    expect(
      (await api.call<{ items: unknown[] }>('GET', `${NS}/pods?${ofJob('needs-sa')}`)).body.items,
    ).toEqual([]);
    await api.call('POST', `${NS}/serviceaccounts`, {
      body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'trainer' } },
    });
    await api.until(`${JOBS}?${byName('needs-sa')}`, (j) => has(j, 'Complete'));
  });

  it('imagePull fault: ErrImagePull then ImagePullBackOff, with the kubelet events', async () => {
    server.faults.set({ kind: 'imagePull', image: 'missing:1' });
    await api.call('POST', JOBS, { body: image(nodeJob('pull', 'work', ''), 'missing:1') });
    const pod = await api.until(
      `${NS}/pods?${ofJob('pull')}`,
      (p) => containerOf(p)?.state.waiting?.reason === 'ImagePullBackOff',
    );
    expect(phase(pod)).toBe('Pending');
    expect(await eventOf(pod.metadata.name, 'Failed')).toMatch(
      /^Failed to pull image "missing:1": .*not found$/,
    );
    expect(await eventOf(pod.metadata.name, 'BackOff')).toBe('Back-off pulling image "missing:1"');
  });

  it('crashLoop fault: the container exits again and again, restartCount grows, CrashLoopBackOff', async () => {
    server.faults.set({ kind: 'crashLoop', image: 'crash:1' });
    const job = image(
      nodeJob('crash', 'work', '', { backoffLimit: 100 }, { restartPolicy: 'OnFailure' }),
      'crash:1',
    );
    await api.call('POST', JOBS, { body: job });
    const pod = await api.until(
      `${NS}/pods?${ofJob('crash')}`,
      (p) =>
        (containerOf(p)?.restartCount ?? 0) >= 2 &&
        containerOf(p)?.state.waiting?.reason === 'CrashLoopBackOff',
    );
    expect(phase(pod)).toBe('Running');
    expect(await eventOf(pod.metadata.name, 'BackOff')).toContain(
      `Back-off restarting failed container main in pod ${pod.metadata.name}`,
    );
    await api.call('DELETE', `${JOBS}/crash`, { body: { propagationPolicy: 'Background' } });
  });

  it('jobFailed fault: every attempt exits 1; after backoffLimit the Job is FailureTarget then Failed', async () => {
    server.faults.set({ kind: 'jobFailed', image: 'bad:1' });
    await api.call('POST', JOBS, {
      body: image(nodeJob('retries', 'work', '', { backoffLimit: 2 }), 'bad:1'),
    });
    const job = await api.until(`${JOBS}?${byName('retries')}`, (j) => has(j, 'Failed'));
    expect(job.status).toMatchObject({ failed: 3 });
    expect(conditions(job).map((c) => [c.type, c.reason])).toEqual([
      ['FailureTarget', 'BackoffLimitExceeded'],
      ['Failed', 'BackoffLimitExceeded'],
    ]);
    const pods = (await api.call<{ items: { status?: unknown }[] }>('GET', `${NS}/pods?${ofJob('retries')}`))
      .body.items;
    expect(pods.map((p) => containerOf(p)?.state.terminated)).toEqual(
      Array(3).fill(expect.objectContaining({ exitCode: 1, reason: 'Error' })),
    );
  });

  it('deadlineExceeded fault: the container never ends, activeDeadlineSeconds kills it, the Job fails', async () => {
    server.faults.set({ kind: 'deadlineExceeded', image: 'slow:1' });
    await api.call('POST', JOBS, {
      body: image(nodeJob('slow', 'work', '', { activeDeadlineSeconds: 1 }), 'slow:1'),
    });
    const job = await api.until(`${JOBS}?${byName('slow')}`, (j) => has(j, 'Failed'));
    expect(conditions(job).find((c) => c.type === 'Failed')).toMatchObject({
      reason: 'DeadlineExceeded',
      message: 'Job was active longer than specified deadline',
    });
    expect(job.status).not.toHaveProperty('active');
    expect(await eventOf('slow', 'DeadlineExceeded')).toBe('Job was active longer than specified deadline');
  });

  it('unschedulable fault: Pending, PodScheduled False/Unschedulable, FailedScheduling', async () => {
    server.faults.set({ kind: 'unschedulable' });
    await api.call('POST', JOBS, { body: nodeJob('nowhere', 'work', '') });
    const pod = await api.until(`${NS}/pods?${ofJob('nowhere')}`, (p) =>
      conditions(p).some((c) => c.reason === 'Unschedulable'),
    );
    expect(phase(pod)).toBe('Pending');
    expect(conditions(pod)).toEqual([
      expect.objectContaining({ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }),
    ]);
    expect(await eventOf(pod.metadata.name, 'FailedScheduling')).toMatch(
      /^0\/3 nodes are available: 3 Insufficient cpu\. preemption: /,
    );
  });
});

describe('the Deployment controller of the test server', () => {
  const deployment = (name: string, img: string) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'work' },
    spec: {
      replicas: 2,
      progressDeadlineSeconds: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'server', image: img }] },
      },
    },
  });
  const DEPLOYMENTS = '/apis/apps/v1/namespaces/work/deployments';

  it('readinessNever fault: pods run but never become ready; the rollout ends ProgressDeadlineExceeded', async () => {
    server.faults.set({ kind: 'readinessNever', image: 'unready:1' });
    await api.call('POST', DEPLOYMENTS, { body: deployment('unready', 'unready:1') });
    const stuck = await api.until(`${DEPLOYMENTS}?${byName('unready')}`, (d) =>
      conditions(d).some((c) => c.reason === 'ProgressDeadlineExceeded'),
    );
    expect(stuck.status).toMatchObject({ replicas: 2, updatedReplicas: 2, unavailableReplicas: 2 });
    expect(stuck.status).not.toHaveProperty('availableReplicas');
    expect(conditions(stuck)).toEqual([
      expect.objectContaining({ type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable' }),
      expect.objectContaining({ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }),
    ]);
  });

  it('a healthy Deployment: ReplicaSet with pod-template-hash, Available and NewReplicaSetAvailable', async () => {
    await api.call('POST', DEPLOYMENTS, { body: deployment('healthy', 'ok:1') });
    const done = await api.until(`${DEPLOYMENTS}?${byName('healthy')}`, (d) =>
      has(d, 'Progressing', 'NewReplicaSetAvailable'),
    );
    expect(done.status).toMatchObject({
      observedGeneration: 1,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
    });
    const sets = await api.call<{ items: { metadata: { name: string; labels: Record<string, string> } }[] }>(
      'GET',
      '/apis/apps/v1/namespaces/work/replicasets?labelSelector=app%3Dhealthy',
    );
    const [rs] = sets.body.items;
    expect(rs?.metadata.name).toBe(`healthy-${rs?.metadata.labels['pod-template-hash']}`);
    expect(server.controllerErrors).toEqual([]);
  });
});
