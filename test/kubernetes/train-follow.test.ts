import { describe, expect, it } from 'vitest';
import { followJob, type FollowOutcome } from '../../src/core/cluster-train/follow.js';
import type { JobObject, PodObject } from '../../src/core/cluster-train/objects.js';
import { MemoryIoHost } from '../../src/kernel/io-host.js';
import { rejectionOf } from '../support/error-code.js';
import { FakeCluster } from './fake-cluster.js';

const NS = 'training';
const JOB = 'iris-train-20260304-050607-k3x9';

const job = (conditions: { type: string; status: string; reason?: string }[] = []): JobObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: JOB, namespace: NS, creationTimestamp: '2026-03-04T05:06:07Z' },
  spec: { backoffLimit: 1, activeDeadlineSeconds: 900 },
  status: { startTime: '2026-03-04T05:06:07Z', conditions },
});

const pod = (name: string, created: string, status: PodObject['status']): PodObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: NS, creationTimestamp: created, labels: { 'job-name': JOB } },
  spec: { containers: [{ name: 'train', image: 'registry.local/iris-training:abc' }] },
  status,
});

const running = { phase: 'Running', containerStatuses: [{ name: 'train', state: { running: {} } }] };
const ended = (phase: 'Succeeded' | 'Failed', exitCode: number) => ({
  phase,
  containerStatuses: [
    {
      name: 'train',
      state: { terminated: { exitCode, reason: phase === 'Failed' ? 'Error' : 'Completed' } },
    },
  ],
});

const time = (i: number) => `2026-03-04T05:06:${String(10 + i).padStart(2, '0')}.${i}Z`;
const epoch = (i: number) =>
  JSON.stringify({ event: 'epoch', epoch: i, epochs: 3, loss: 1 / i, valLoss: 1 / i });
const REGISTERED = JSON.stringify({
  event: 'registered',
  model: 'iris',
  version: 'v1.0',
  metrics: { accuracy: 0.97 },
});

/** Lets the follower's promises run until `done()` holds (no timers: the event loop's own turns). */
async function until(done: () => boolean): Promise<void> {
  for (let turn = 0; !done(); turn++) {
    if (turn > 10_000) throw new Error('condition never reached');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const watching = (cluster: FakeCluster) => () =>
  ['watch Job', 'watch Pod', 'watch Event'].every((c) => cluster.calls.includes(c));

/** The log lines a follower showed, as `epoch N`, `registered VERSION` or `log LINE`. */
const lines = (io: MemoryIoHost) =>
  io.events.flatMap((e) => {
    const data = e.data as { epoch?: number; version?: string; line?: string };
    if (e.event === 'epoch') return [`epoch ${data.epoch}`];
    if (e.event === 'registered') return [`registered ${data.version}`];
    return e.event === 'log' ? [`log ${data.line}`] : [];
  });

describe('followJob', () => {
  it('streams a retried pod after the failed one, and resolves on Complete only after the registered line', async () => {
    const cluster = new FakeCluster();
    const io = new MemoryIoHost();
    cluster.set(job());
    const following = followJob({ cluster, namespace: NS, job: JOB, model: 'iris', io });
    await until(watching(cluster));

    cluster.set(pod('p1', '2026-03-04T05:06:08Z', running));
    cluster.log('p1', epoch(1), time(1));
    cluster.log('p1', 'Error: out of memory', time(2));
    cluster.endLog('p1');
    cluster.set(pod('p1', '2026-03-04T05:06:08Z', ended('Failed', 1)));
    cluster.set(pod('p2', '2026-03-04T05:06:30Z', running));
    cluster.log('p2', epoch(1), time(3));
    await until(() => lines(io).length === 3);
    // the Job's verdict may come before the pod's last lines: following goes on until they are read
    cluster.set(job([{ type: 'Complete', status: 'True' }]));
    cluster.log('p2', epoch(2), time(4));
    cluster.log('p2', REGISTERED, time(5));
    cluster.endLog('p2');
    cluster.set(pod('p2', '2026-03-04T05:06:30Z', ended('Succeeded', 0)));

    const outcome = await following;
    expect(outcome).toEqual({
      state: 'complete',
      job: JOB,
      namespace: NS,
      registered: { model: 'iris', version: 'v1.0', metrics: { accuracy: 0.97 } },
    });
    expect(lines(io)).toEqual([
      'epoch 1',
      'log Error: out of memory',
      'epoch 1',
      'epoch 2',
      'registered v1.0',
    ]);
    expect(io.events.find((e) => e.event === 'log')?.message).toBe('Error: out of memory');
    const phases = io.events.filter((e) => e.event === 'pod').map((e) => e.message);
    expect(phases).toContain('Pod p1: failed (exit code 1): Error');
    expect(phases).toContain('Pod p2: succeeded');
    // never a polling loop: one list and one watch per kind, one log follow per pod
    expect(cluster.calls.filter((c) => c.startsWith('list') || c.startsWith('watch')).sort()).toEqual([
      'list Event',
      'list Job',
      'list Pod',
      'watch Event',
      'watch Job',
      'watch Pod',
    ]);
    expect(cluster.calls.filter((c) => c.startsWith('logs'))).toEqual(['logs p1 follow', 'logs p2 follow']);
  });

  it('detaches on the signal with the time of the last line shown; --since then shows each later line once', async () => {
    const cluster = new FakeCluster();
    cluster.set(job());
    cluster.set(pod('p1', '2026-03-04T05:06:08Z', running));
    const first = new MemoryIoHost();
    const interrupt = new AbortController();
    const following = followJob({
      cluster,
      namespace: NS,
      job: JOB,
      model: 'iris',
      io: first,
      signal: interrupt.signal,
    });
    await until(watching(cluster));
    cluster.log('p1', epoch(1), time(1));
    cluster.log('p1', epoch(2), time(2));
    await until(() => lines(first).length === 2);
    interrupt.abort();
    const detached: FollowOutcome = await following;
    expect(detached).toEqual({ state: 'detached', job: JOB, namespace: NS, since: time(2) });

    cluster.log('p1', epoch(3), time(3));
    cluster.log('p1', REGISTERED, time(4));
    cluster.endLog('p1');
    cluster.set(pod('p1', '2026-03-04T05:06:08Z', ended('Succeeded', 0)));
    cluster.set(job([{ type: 'Complete', status: 'True' }]));
    const second = new MemoryIoHost();
    const attached = await followJob({
      cluster,
      namespace: NS,
      job: JOB,
      model: 'iris',
      io: second,
      since: detached.state === 'detached' ? detached.since : undefined,
    });
    expect(attached.state).toBe('complete');
    expect([...lines(first), ...lines(second)]).toEqual(['epoch 1', 'epoch 2', 'epoch 3', 'registered v1.0']);
  });

  it('stops with the image pull diagnosis while the Job still waits', async () => {
    const cluster = new FakeCluster();
    cluster.set(job());
    const following = followJob({ cluster, namespace: NS, job: JOB, model: 'iris', io: new MemoryIoHost() });
    await until(watching(cluster));
    cluster.set(
      pod('p1', '2026-03-04T05:06:08Z', {
        phase: 'Pending',
        containerStatuses: [
          { name: 'train', state: { waiting: { reason: 'ImagePullBackOff', message: 'not found' } } },
        ],
      }),
    );
    const error = await rejectionOf(following);
    expect(error.code).toBe('MLOPS_TRAIN_E5107');
    expect(error.message).toContain('registry.local/iris-training:abc');
  });

  it('fails with the last lines of the last pod when the Job fails after its retries', async () => {
    const cluster = new FakeCluster();
    cluster.set(job());
    const following = followJob({ cluster, namespace: NS, job: JOB, model: 'iris', io: new MemoryIoHost() });
    await until(watching(cluster));
    cluster.set(pod('p1', '2026-03-04T05:06:08Z', running));
    cluster.log('p1', 'TypeError: x is not a function', time(1));
    cluster.endLog('p1');
    cluster.set(pod('p1', '2026-03-04T05:06:08Z', ended('Failed', 1)));
    cluster.set(job([{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }]));
    const error = await rejectionOf(following);
    expect(error.code).toBe('MLOPS_TRAIN_E5110');
    expect(error.message).toContain('| TypeError: x is not a function');
  });

  it('names recent Jobs when the one asked for does not exist', async () => {
    const cluster = new FakeCluster();
    const error = await rejectionOf(
      followJob({ cluster, namespace: NS, job: 'nope', model: 'iris', io: new MemoryIoHost() }),
    );
    expect(error.code).toBe('MLOPS_TRAIN_E5106');
  });
});
