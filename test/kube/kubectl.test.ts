import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeServer } from '../support/kube/index.js';
import { startKubeServer } from '../support/kube/index.js';
import { tempDir } from '../support/temp-dir.js';
import { missingTool } from '../support/tools.js';

const skip = missingTool('kubectl', ['version', '--client']);
const dir = tempDir('mlops-kubectl-');
let server: KubeServer;
let env: Record<string, string>;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The machine's kubectl with only the test server's kubeconfig and a temp HOME: nothing from this machine. */
const kubectl = (...args: string[]): Promise<Run> =>
  new Promise((resolve) => {
    execFile('kubectl', args, { env, cwd: dir, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });

const yaml = (name: string, text: string): string => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};

const job = (name: string, script: string, backoffLimit: number): string => `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
  namespace: default
spec:
  backoffLimit: ${backoffLimit}
  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 1
      containers:
        - name: main
          image: trainer:1
          workingDir: /app
          command: [node, ${script}]
`;

const deployment = (name: string, image: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: default
spec:
  replicas: 3
  progressDeadlineSeconds: 600
  selector:
    matchLabels: {app: ${name}}
  strategy:
    rollingUpdate: {maxUnavailable: 0, maxSurge: 1}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
        - name: server
          image: ${image}
          ports: [{containerPort: 8080}]
`;

beforeAll(async () => {
  if (skip) return;
  // the container's workingDir /app is this directory: the scripts are found by relative path
  writeFileSync(path.join(dir, 'epochs.js'), 'for (let i = 1; i <= 20; i++) console.log(`epoch ${i}`);\n');
  writeFileSync(path.join(dir, 'fails.js'), 'console.log("giving up"); process.exit(1);\n');
  server = await startKubeServer({ projectDir: dir, backoffMs: 20 });
  const kubeconfig = await server.writeKubeconfig(path.join(dir, 'kubeconfig'));
  env = { KUBECONFIG: kubeconfig, HOME: dir, PATH: process.env.PATH ?? '' };
});

afterAll(async () => {
  await server?.close();
});

describe.skipIf(skip)('kubectl against the Kubernetes API test server', () => {
  it('applies a Job server-side, gets it, waits for Complete, follows its log, deletes it with its pods', async () => {
    const applied = await kubectl(
      'apply',
      '--server-side',
      '-f',
      yaml('train.yaml', job('train', 'epochs.js', 0)),
    );
    expect(applied).toMatchObject({ code: 0, stdout: 'job.batch/train serverside-applied\n' });

    const got = await kubectl('get', 'jobs', '-o', 'json');
    expect(got.code).toBe(0);
    const [item] = (
      JSON.parse(got.stdout) as {
        items: { metadata: { name: string; uid: string }; spec: { selector: unknown } }[];
      }
    ).items;
    expect(item?.metadata.name).toBe('train');
    expect(item?.spec.selector).toEqual({
      matchLabels: { 'batch.kubernetes.io/controller-uid': item?.metadata.uid },
    });

    const waited = await kubectl('wait', '--for=condition=complete', 'job/train', '--timeout=30s');
    expect(waited).toMatchObject({ code: 0, stdout: 'job.batch/train condition met\n' });

    const table = await kubectl('get', 'pods', '-l', 'job-name=train');
    expect(table.stdout).toMatch(
      /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\ntrain-\w{5}\s+0\/1\s+Completed\s+0\s+\d+s\n$/,
    );

    const logs = await kubectl('logs', '-f', 'job/train');
    expect(logs.code).toBe(0);
    expect(logs.stdout).toBe(Array.from({ length: 20 }, (_, i) => `epoch ${i + 1}\n`).join(''));

    const deleted = await kubectl('delete', 'job', 'train', '--cascade=foreground');
    expect(deleted).toMatchObject({ code: 0, stdout: 'job.batch "train" deleted\n' });
    const pods = await kubectl('get', 'pods', '-l', 'job-name=train', '-o', 'json');
    expect(JSON.parse(pods.stdout)).toMatchObject({ items: [] });
    expect(server.controllerErrors).toEqual([]);
  });

  it('a Job whose container exits 1 fails after backoffLimit retries: wait --for=condition=failed', async () => {
    expect(
      (await kubectl('apply', '--server-side', '-f', yaml('fails.yaml', job('fails', 'fails.js', 1)))).code,
    ).toBe(0);
    const waited = await kubectl('wait', '--for=condition=failed', 'job/fails', '--timeout=30s');
    expect(waited).toMatchObject({ code: 0, stdout: 'job.batch/fails condition met\n' });
    const got = JSON.parse((await kubectl('get', 'job', 'fails', '-o', 'json')).stdout) as {
      status: { failed: number; conditions: { type: string; reason: string }[] };
    };
    expect(got.status.failed).toBe(2);
    expect(got.status.conditions.map((c) => [c.type, c.reason])).toEqual([
      ['FailureTarget', 'BackoffLimitExceeded'],
      ['Failed', 'BackoffLimitExceeded'],
    ]);
  });

  it('rollout status follows a Deployment to the end of its rollout, and of a new template', async () => {
    const file = yaml('web.yaml', deployment('web', 'web:1'));
    expect((await kubectl('apply', '--server-side', '-f', file)).code).toBe(0);
    const first = await kubectl('rollout', 'status', 'deployment/web', '--timeout=30s');
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toContain('deployment "web" successfully rolled out');

    expect(
      (await kubectl('apply', '--server-side', '-f', yaml('web.yaml', deployment('web', 'web:2')))).code,
    ).toBe(0);
    const second = await kubectl('rollout', 'status', 'deployment/web', '--timeout=30s');
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('deployment "web" successfully rolled out');
    const sets = JSON.parse((await kubectl('get', 'rs', '-l', 'app=web', '-o', 'json')).stdout) as {
      items: { spec: { replicas: number; template: { spec: { containers: { image: string }[] } } } }[];
    };
    expect(
      sets.items.map((rs) => [rs.spec.template.spec.containers[0]?.image, rs.spec.replicas]).sort(),
    ).toEqual([
      ['web:1', 0],
      ['web:2', 3],
    ]);
  });

  it('rollout status does not finish while readiness never passes: it times out', async () => {
    server.faults.set({ kind: 'readinessNever', image: 'web:never' });
    expect(
      (await kubectl('apply', '--server-side', '-f', yaml('stuck.yaml', deployment('stuck', 'web:never'))))
        .code,
    ).toBe(0);
    const status = await kubectl('rollout', 'status', 'deployment/stuck', '--timeout=2s');
    expect(status.code).not.toBe(0);
    expect(status.stdout).toContain(
      'Waiting for deployment "stuck" rollout to finish: 0 of 3 updated replicas are available...',
    );
    expect(status.stderr).toContain('timed out waiting for the condition');
    server.faults.clear();
  });
});
