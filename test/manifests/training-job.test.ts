import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Job } from 'kubernetes-models/batch/v1';
import { describe, expect, it } from 'vitest';
import { synthStacks } from '../../providers/aws/infra/synth.js';
import { canonical } from '../../src/manifests/labels.js';
import { trainingArgs, trainingJob, trainingJobName } from '../../src/manifests/training-job.js';
import { workloadIdentities } from '../../src/manifests/workload-identities.js';
import { makeConfig, parsePolicy } from '../infra/fixtures.js';
import { mustKind } from '../support/kube/kinds.js';
import type { KubeObject } from '../support/kube/objects.js';
import { validateObject } from '../support/kube/validate.js';
import { tempDir } from '../support/temp-dir.js';

const config = makeConfig({
  registry: 's3://iris-models/registry',
  cluster: {
    trainingNamespace: 'ml-training',
    training: { resources: { requests: { cpu: '500m' } }, activeDeadlineSeconds: 900 },
  },
  infra: { state: { backend: 'local' } },
});

const RUN_ID = '5f0c7a8e-3b7d-4c59-9a63-1f5d2f2b8e11';
const JOB = trainingJobName('iris', new Date('2026-03-04T05:06:07.890Z'), 'k3x9');
const IMAGE =
  '123456789012.dkr.ecr.us-east-1.amazonaws.com/iris-training:0123456789abcdef0123456789abcdef01234567';

const job = trainingJob({
  config,
  jobName: JOB,
  runId: RUN_ID,
  image: IMAGE,
  args: trainingArgs({ data: 'data/iris.csv', params: ['epochs=50', 'hiddenUnits=16,8'], major: true }),
});

const LABELS = {
  'app.kubernetes.io/component': 'training',
  'app.kubernetes.io/managed-by': 'mlops',
  'app.kubernetes.io/name': 'iris-training',
  'app.kubernetes.io/part-of': 'iris',
  'mlops.dev/model': 'iris',
  'mlops.dev/run-id': RUN_ID,
};

describe('trainingJobName', () => {
  it('is <model>-train-<UTC yyyymmdd-hhmmss>-<suffix>', () => {
    expect(JOB).toBe('iris-train-20260304-050607-k3x9');
  });

  it('shortens a long model name to stay a DNS-1123 label of at most 63 characters', () => {
    const name = trainingJobName(`a${'-b'.repeat(40)}`, new Date(0), '0000');
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/);
    expect(name).not.toContain('--train');
    expect(name.endsWith('-train-19700101-000000-0000')).toBe(true);
  });
});

describe('trainingJob', () => {
  it('is the whole Job of DESIGN.md §10, field by field (nothing more)', () => {
    const hardened = {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      readOnlyRootFilesystem: true,
      runAsGroup: 1000,
      runAsNonRoot: true,
      runAsUser: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    };
    expect(job).toEqual({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: JOB, namespace: 'ml-training', labels: LABELS },
      spec: {
        activeDeadlineSeconds: 900,
        backoffLimit: 2,
        ttlSecondsAfterFinished: 604_800,
        template: {
          metadata: { labels: LABELS },
          spec: {
            automountServiceAccountToken: false,
            containers: [
              {
                name: 'train',
                image: IMAGE,
                command: ['node', 'training/train.mjs'],
                args: [
                  '--data',
                  'data/iris.csv',
                  '--param',
                  'epochs=50',
                  '--param',
                  'hiddenUnits=16,8',
                  '--major',
                ],
                env: [
                  { name: 'AWS_REGION', value: 'us-east-1' },
                  { name: 'MLOPS_RUN_ID', value: RUN_ID },
                ],
                resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { cpu: '2', memory: '4Gi' } },
                securityContext: hardened,
                terminationMessagePolicy: 'FallbackToLogsOnError',
                volumeMounts: [{ mountPath: '/tmp', name: 'tmp' }],
                workingDir: '/app',
              },
            ],
            restartPolicy: 'Never',
            securityContext: {
              fsGroup: 1000,
              runAsGroup: 1000,
              runAsNonRoot: true,
              runAsUser: 1000,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            serviceAccountName: 'iris-training',
            volumes: [{ emptyDir: {}, name: 'tmp' }],
          },
        },
      },
    });
  });

  it('passes the Kubernetes schema of batch/v1 Job', () => {
    expect(() =>
      new Job(structuredClone(job) as unknown as ConstructorParameters<typeof Job>[0]).validate(),
    ).not.toThrow();
  });

  it('has no field the schema does not declare (what fieldValidation=Strict rejects)', () => {
    const verdict = validateObject(mustKind('Job'), structuredClone(job) as unknown as KubeObject);
    expect(verdict).toEqual({ causes: [], unknown: [] });
    const typo = structuredClone(job) as unknown as { spec: { template: { spec: Record<string, unknown> } } };
    typo.spec.template.spec.restartPolicyy = 'Never';
    expect(validateObject(mustKind('Job'), typo as unknown as KubeObject).unknown).toEqual([
      ['spec', 'template', 'spec', 'restartPolicyy'],
    ]);
  });

  it('sorts keys (apiVersion, kind, metadata first) and is the same for the same input', () => {
    const again = trainingJob({
      config,
      jobName: JOB,
      runId: RUN_ID,
      image: IMAGE,
      args: trainingArgs({ data: 'data/iris.csv', params: ['epochs=50', 'hiddenUnits=16,8'], major: true }),
    });
    expect(JSON.stringify(again)).toBe(JSON.stringify(job));
    expect(JSON.stringify(canonical(job))).toBe(JSON.stringify(job));
    expect(Object.keys(job)).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
  });

  it('carries no credentials: the env is the region and the run id only', () => {
    const container = (job.spec as { template: { spec: { containers: { env: { name: string }[] }[] } } })
      .template.spec.containers[0]!;
    expect(container.env.map((e) => e.name)).toEqual(['AWS_REGION', 'MLOPS_RUN_ID']);
    expect(JSON.stringify(job)).not.toMatch(/AWS_(ACCESS|SECRET|SESSION)/);
  });

  it('runs as the identity the cluster stack trusts with the training IRSA role', () => {
    const outDir = tempDir('mlops-job-irsa-');
    synthStacks({ config, outDir, stack: 'cluster', purpose: 'deploy', projectDir: outDir });
    const cluster = JSON.parse(
      readFileSync(path.join(outDir, 'stacks', 'cluster', 'cdk.tf.json'), 'utf8'),
    ) as {
      resource: { aws_iam_role: Record<string, { assume_role_policy: string }> };
    };
    const trust = parsePolicy(cluster.resource.aws_iam_role['training-role']!.assume_role_policy) as {
      Statement: { Condition: { StringEquals: Record<string, string> } }[];
    };
    const spec = (job.spec as { template: { spec: { serviceAccountName: string } } }).template.spec;
    const identity = workloadIdentities(config).training;
    expect([job.metadata.namespace, spec.serviceAccountName]).toEqual([
      identity.namespace,
      identity.serviceAccount,
    ]);
    expect(trust.Statement[0]!.Condition.StringEquals['${local.oidc_issuer_host}:sub']).toBe(
      `system:serviceaccount:${job.metadata.namespace}:${spec.serviceAccountName}`,
    );
  });
});

describe('trainingArgs', () => {
  it('forwards only what the command line chose, in a stable order', () => {
    expect(trainingArgs({})).toEqual([]);
    expect(trainingArgs({ label: 'species', env: 'prod', data: 's3://b/iris.csv' })).toEqual([
      '--data',
      's3://b/iris.csv',
      '--label',
      'species',
      '--env',
      'prod',
    ]);
  });
});
