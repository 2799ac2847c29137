import { describe, expect, it } from 'vitest';
import {
  blockingProblem,
  failureDiagnosis,
  type JobSnapshot,
} from '../../src/core/cluster-train/diagnose.js';
import { imageRegistryHost } from '../../src/core/pod-problems.js';
import type { EventObject, JobObject, PodObject } from '../../src/core/cluster-train/objects.js';
import { parsePodLine } from '../../src/core/cluster-train/pod-line.js';
import { summarizeJob } from '../../src/core/cluster-train/list.js';
import { compareLogTimes } from '../../src/core/log-time.js';

const IMAGE =
  '123456789012.dkr.ecr.us-east-1.amazonaws.com/iris-training:0123456789abcdef0123456789abcdef01234567';

const job = (status: JobObject['status'] = {}): JobObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: {
    name: 'iris-train-20260304-050607-k3x9',
    namespace: 'training',
    creationTimestamp: '2026-03-04T05:06:07Z',
    labels: { 'mlops.dev/run-id': 'run-1' },
  },
  spec: {
    backoffLimit: 2,
    activeDeadlineSeconds: 900,
    template: {
      spec: { serviceAccountName: 'iris-training', containers: [{ name: 'train', image: IMAGE }] },
    },
  },
  status,
});

const failed = (reason: string, message = ''): JobObject =>
  job({
    startTime: '2026-03-04T05:06:08Z',
    failed: 1,
    conditions: [
      { type: 'FailureTarget', status: 'True', reason, message },
      { type: 'Failed', status: 'True', reason, message, lastTransitionTime: '2026-03-04T05:21:08Z' },
    ],
  });

const pod = (name: string, status: PodObject['status'], created = '2026-03-04T05:06:08Z'): PodObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'training', creationTimestamp: created },
  spec: { serviceAccountName: 'iris-training', containers: [{ name: 'train', image: IMAGE }] },
  status,
});

const waiting = (reason: string, message?: string): PodObject['status'] => ({
  phase: 'Pending',
  conditions: [{ type: 'PodScheduled', status: 'True' }],
  containerStatuses: [
    { name: 'train', image: IMAGE, restartCount: 0, state: { waiting: { reason, message } } },
  ],
});

const event = (reason: string, on: string, message: string): EventObject => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: `${on}.1`, namespace: 'training' },
  type: 'Warning',
  reason,
  message,
  involvedObject: { kind: on.includes('-k3x9-') ? 'Pod' : 'Job', name: on },
});

const snapshot = (over: Partial<JobSnapshot>): JobSnapshot => ({
  job: job({ startTime: '2026-03-04T05:06:08Z', active: 1 }),
  pods: [],
  events: [],
  container: 'train',
  lastLines: [],
  ...over,
});

describe('blockingProblem (the watch stops; the Job would only fail at its deadline)', () => {
  it('an image pull error names the image, its registry and mlops build training --push', () => {
    const error = blockingProblem(
      snapshot({
        pods: [
          pod(
            'iris-train-20260304-050607-k3x9-abcde',
            waiting('ImagePullBackOff', `Back-off pulling image "${IMAGE}"`),
          ),
        ],
      }),
    );
    expect(error?.code).toBe('MLOPS_TRAIN_E5107');
    expect(error?.message).toContain(IMAGE);
    expect(error?.message).toContain('from 123456789012.dkr.ecr.us-east-1.amazonaws.com');
    expect(error?.hint).toContain('mlops build training --push');
    expect(error?.hint).toContain('mlops train --cancel iris-train-20260304-050607-k3x9');
  });

  it('an image the registry refuses to the node points at the pull secret of the service account', () => {
    const error = blockingProblem(
      snapshot({
        pods: [pod('p1', waiting('ErrImagePull', 'failed to authorize: 401 Unauthorized'))],
      }),
    );
    expect(error?.code).toBe('MLOPS_TRAIN_E5107');
    expect(error?.hint).toContain('imagePullSecret');
    expect(error?.hint).toContain('iris-training');
  });

  it('a crash loop quotes the last lines of the previous container and its exit code', () => {
    const lines = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`);
    const error = blockingProblem(
      snapshot({
        lastLines: lines,
        pods: [
          pod('p1', {
            phase: 'Running',
            containerStatuses: [
              {
                name: 'train',
                restartCount: 4,
                state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting' } },
                lastState: { terminated: { exitCode: 1, reason: 'Error' } },
              },
            ],
          }),
        ],
      }),
    );
    expect(error?.code).toBe('MLOPS_TRAIN_E5108');
    expect(error?.message).toContain('4 restarts, last exit code 1');
    for (const line of lines) expect(error?.message).toContain(`| ${line}`);
  });

  it('a FailedCreate for a missing service account names it and says train creates it', () => {
    const error = blockingProblem(
      snapshot({
        events: [
          event(
            'FailedCreate',
            'iris-train-20260304-050607-k3x9',
            'Error creating: pods "iris-train-20260304-050607-k3x9-" is forbidden: error looking up service account training/iris-training: serviceaccount "iris-training" not found',
          ),
        ],
      }),
    );
    expect(error?.code).toBe('MLOPS_TRAIN_E5112');
    expect(error?.message).toContain('service account training/iris-training does not exist');
    expect(error?.hint).toContain('creates iris-training');
  });

  it('an unschedulable pod is not blocking (an autoscaler may add a node)', () => {
    const pending = pod('p1', {
      phase: 'Pending',
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message: '0/3 nodes are available: 3 Insufficient cpu.',
        },
      ],
    });
    expect(blockingProblem(snapshot({ pods: [pending] }))).toBeUndefined();
  });

  it('a running pod is no problem', () => {
    const running = pod('p1', {
      phase: 'Running',
      containerStatuses: [{ name: 'train', state: { running: { startedAt: '2026-03-04T05:06:10Z' } } }],
    });
    expect(blockingProblem(snapshot({ pods: [running] }))).toBeUndefined();
  });
});

describe('failureDiagnosis (the Job failed)', () => {
  it('DeadlineExceeded names the deadline and the config field', () => {
    const error = failureDiagnosis(
      snapshot({ job: failed('DeadlineExceeded', 'Job was active longer than specified deadline') }),
    );
    expect(error.code).toBe('MLOPS_TRAIN_E5109');
    expect(error.message).toContain('deadline of 900 s');
    expect(error.hint).toContain('cluster.training.activeDeadlineSeconds');
  });

  it('a deadline reached by a pod that was never scheduled gives the scheduler’s reason instead', () => {
    const pending = pod('iris-train-20260304-050607-k3x9-abcde', {
      phase: 'Pending',
      conditions: [
        { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'from the condition' },
      ],
    });
    const error = failureDiagnosis(
      snapshot({
        job: failed('DeadlineExceeded'),
        pods: [pending],
        events: [
          event(
            'FailedScheduling',
            'iris-train-20260304-050607-k3x9-abcde',
            '0/3 nodes are available: 3 Insufficient memory.',
          ),
        ],
      }),
    );
    expect(error.code).toBe('MLOPS_TRAIN_E5111');
    expect(error.message).toContain('0/3 nodes are available: 3 Insufficient memory.');
    expect(error.hint).toContain('cluster.training.resources.requests');
  });

  it('BackoffLimitExceeded quotes the last lines of the last pod', () => {
    const error = failureDiagnosis(
      snapshot({
        job: failed('BackoffLimitExceeded', 'Job has reached the specified backoff limit'),
        pods: [
          pod('p-b', { phase: 'Failed' }, '2026-03-04T05:07:00Z'),
          pod('p-a', { phase: 'Failed' }, '2026-03-04T05:06:08Z'),
        ].sort((a, b) => a.metadata.creationTimestamp!.localeCompare(b.metadata.creationTimestamp!)),
        lastLines: ['Error: the label column "species" is not in the header'],
      }),
    );
    expect(error.code).toBe('MLOPS_TRAIN_E5110');
    expect(error.message).toContain('failed 3 times (backoffLimit 2); last lines of pod p-b');
    expect(error.message).toContain('| Error: the label column "species" is not in the header');
  });

  it('an image pull problem seen at the end wins over the generic reason', () => {
    const error = failureDiagnosis(
      snapshot({ job: failed('DeadlineExceeded'), pods: [pod('p1', waiting('ErrImagePull', 'not found'))] }),
    );
    expect(error.code).toBe('MLOPS_TRAIN_E5107');
  });

  it('another reason is reported with the condition', () => {
    const error = failureDiagnosis(
      snapshot({ job: failed('PodFailurePolicy', 'Container train exited with 42') }),
    );
    expect(error.code).toBe('MLOPS_TRAIN_E5114');
    expect(error.message).toContain('PodFailurePolicy: Container train exited with 42');
  });
});

describe('pieces', () => {
  it('imageRegistryHost: a host when the first part looks like one, else Docker Hub', () => {
    expect(imageRegistryHost(IMAGE)).toBe('123456789012.dkr.ecr.us-east-1.amazonaws.com');
    expect(imageRegistryHost('localhost:5000/iris:1')).toBe('localhost:5000');
    expect(imageRegistryHost('ghcr.io/acme/iris:1')).toBe('ghcr.io');
    expect(imageRegistryHost('acme/iris:1')).toBe('docker.io');
    expect(imageRegistryHost('node:22')).toBe('docker.io');
  });

  it('parsePodLine: the training JSON events, and everything else as a log line', () => {
    expect(parsePodLine('{"event":"epoch","epoch":3,"epochs":300,"loss":0.5,"valLoss":0.6}')).toEqual({
      kind: 'epoch',
      data: { epoch: 3, epochs: 300, loss: 0.5, valLoss: 0.6 },
    });
    expect(
      parsePodLine('{"event":"registered","model":"iris","version":"v1.0","metrics":{"accuracy":0.97}}'),
    ).toEqual({
      kind: 'registered',
      data: { model: 'iris', version: 'v1.0', metrics: { accuracy: 0.97 } },
    });
    expect(
      parsePodLine('{"event":"failed","error":{"message":"no data","hint":"give --data","code":"X"}}'),
    ).toEqual({
      kind: 'log',
      text: 'error: no data — give --data',
    });
    expect(parsePodLine('{"event":"epoch","epoch":"x"}')).toEqual({
      kind: 'log',
      text: '{"event":"epoch","epoch":"x"}',
    });
    expect(parsePodLine('npm notice')).toEqual({ kind: 'log', text: 'npm notice' });
  });

  it('compareLogTimes: by value, not by string (trimmed fractions)', () => {
    expect(compareLogTimes('2026-03-04T05:06:07.1Z', '2026-03-04T05:06:07.099Z')).toBeGreaterThan(0);
    expect(compareLogTimes('2026-03-04T05:06:07.000000001Z', '2026-03-04T05:06:07Z')).toBeGreaterThan(0);
    expect(compareLogTimes('2026-03-04T05:06:07.5Z', '2026-03-04T05:06:07.500000000Z')).toBe(0);
  });

  it('summarizeJob: status, duration to completion (or to the Failed condition), run id', () => {
    const now = new Date('2026-03-04T06:00:00Z');
    expect(summarizeJob(failed('DeadlineExceeded'), now)).toEqual({
      job: 'iris-train-20260304-050607-k3x9',
      status: 'failed',
      createdAt: '2026-03-04T05:06:07Z',
      startedAt: '2026-03-04T05:06:08Z',
      durationSeconds: 900,
      runId: 'run-1',
      reason: 'DeadlineExceeded',
      version: null,
    });
    expect(summarizeJob(job({ startTime: '2026-03-04T05:59:00Z', active: 1 }), now)).toMatchObject({
      status: 'running',
      durationSeconds: 60,
    });
  });
});
