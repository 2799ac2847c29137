import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { newTrainingRun, podDataSource, submitTrainingJob } from '../../src/core/cluster-train/submit.js';
import { imageRef } from '../../src/core/image-ref.js';
import { MemoryIoHost } from '../../src/kernel/io-host.js';
import { codeOf, errorOf } from '../support/error-code.js';
import { runMlops } from '../support/run-mlops.js';
import { tempDir } from '../support/temp-dir.js';
import { makeConfig } from '../infra/fixtures.js';
import { FakeCluster } from './fake-cluster.js';

const project = tempDir('mlops-train-usage-');
writeFileSync(path.join(project, 'mlops.config.json'), JSON.stringify({ name: 'iris' }));
mkdirSync(path.join(project, 'data'));

const failure = async (args: string) => {
  const run = await runMlops(`train ${args} --json`, { cwd: project });
  return {
    code: run.code,
    error: run.lines<{ error: { code: string; message: string; hint: string } }>().at(-1)!.error,
  };
};

describe('mlops train on the cluster: usage errors before any cluster call', () => {
  it('without images.training.repository or --image: names the field and mlops build training --push', async () => {
    const { code, error } = await failure('');
    expect(code).toBe(2);
    expect(error.code).toBe('MLOPS_TRAIN_E5101');
    expect(error.message).toContain('images.training.repository');
    expect(error.hint).toContain('mlops build training --push');
  });

  it.each([
    ['--local --watch', '--local trains in this process: --watch'],
    ['--attach a --cancel b', '--attach and --cancel cannot go together'],
    ['--since 2026-01-01T00:00:00Z', '--since only applies to --attach'],
    ['--list --param epochs=3', '--list works on existing Jobs: --param'],
  ])('%s is refused (exit 2)', async (args, words) => {
    const { code, error } = await failure(args);
    expect(code).toBe(2);
    expect(error.code).toBe('MLOPS_TRAIN_E5104');
    expect(error.message).toContain(words);
  });

  it('--attach with a --since that is not an RFC 3339 time is refused', async () => {
    const { code, error } = await failure('--attach iris-train-1 --since yesterday');
    expect(code).toBe(2);
    expect(error.code).toBe('MLOPS_TRAIN_E5105');
  });
});

describe('the image and the data the Job gets', () => {
  const config = makeConfig({ images: { training: { repository: 'registry.local:5000/iris-training' } } });
  const sha = '0123456789abcdef0123456789abcdef01234567';

  it('tags the configured repository with the commit, unless a tag or --image is given', async () => {
    const commit = async () => sha;
    expect(await imageRef(config, 'training', { commit })).toBe(`registry.local:5000/iris-training:${sha}`);
    const tagged = makeConfig({ images: { training: { repository: 'r/iris', tag: 'v1' } } });
    expect(await imageRef(tagged, 'training', { commit })).toBe('r/iris:v1');
    expect(await imageRef(config, 'training', { image: 'other/img:2', commit })).toBe('other/img:2');
    expect(await codeOf(imageRef(config, 'training', { commit: async () => null }))).toBe(
      'MLOPS_TRAIN_E5102',
    );
  });

  it('gives a data file relative to the project (the image’s /app), and keeps URIs', () => {
    expect(podDataSource('iris.csv', { cwd: path.join(project, 'data'), projectDir: project })).toBe(
      'data/iris.csv',
    );
    expect(podDataSource('s3://b/k.csv', { cwd: project, projectDir: project })).toBe('s3://b/k.csv');
    expect(podDataSource('synthetic', { cwd: project, projectDir: project })).toBe('synthetic');
    expect(errorOf(() => podDataSource('../x.csv', { cwd: project, projectDir: project })).code).toBe(
      'MLOPS_TRAIN_E5103',
    );
  });
});

describe('submitTrainingJob', () => {
  it('applies the namespace and service account before the Job, and says so in a submitted event', async () => {
    const cluster = new FakeCluster();
    const io = new MemoryIoHost();
    const run = newTrainingRun('iris', new Date('2026-03-04T05:06:07Z'));
    expect(run.jobName).toMatch(/^iris-train-20260304-050607-[a-z0-9]{4}$/);
    const submitted = await submitTrainingJob({
      cluster,
      config: makeConfig({ registry: 's3://models/registry' }),
      io,
      run,
      image: 'r/iris:1',
      args: [],
    });
    expect(cluster.calls.filter((c) => c.startsWith('apply'))).toEqual([
      'apply Namespace',
      'apply ServiceAccount',
      'apply Job',
    ]);
    expect(submitted).toEqual({
      job: run.jobName,
      namespace: 'training',
      runId: run.runId,
      image: 'r/iris:1',
    });
    expect(io.events.map((e) => [e.event, e.data])).toEqual([['submitted', submitted]]);
  });

  it('warns that a file:// registry keeps the version inside the pod', async () => {
    const io = new MemoryIoHost();
    await submitTrainingJob({
      cluster: new FakeCluster(),
      config: makeConfig({}),
      io,
      run: newTrainingRun('iris'),
      image: 'r/iris:1',
      args: [],
    });
    expect(io.events[0]).toMatchObject({ level: 'warn', event: 'registry-in-pod' });
    expect(io.events[0]!.message).toContain('s3://');
  });
});
