import { describe, expect, it } from 'vitest';
import { bootstrapStateBucket, type BootstrapOptions } from '../../src/core/infra-bootstrap.js';
import { MemoryIoHost } from '../../src/kernel/io-host.js';
import type {
  StateBucketInspection,
  StateBucketProvisioner,
  StateBucketSetting,
  StateBucketSettingState,
  StateBucketTarget,
} from '../../src/core/ports/state-bucket.js';
import { rejectionOf } from '../support/error-code.js';
import { makeConfig, PersonIoHost } from './fixtures.js';

/**
 * The decisions of `infra bootstrap` (what to ask, what to change, what to report), on a recorded
 * provisioner; the S3 side runs against s3rver in bootstrap.test.ts.
 */

const SETTINGS: StateBucketSetting[] = ['public-access-block', 'encryption', 'versioning', 'tls-only-policy'];

class RecordingProvisioner implements StateBucketProvisioner {
  readonly calls: string[] = [];
  constructor(
    private readonly exists: boolean,
    private readonly toChange: readonly StateBucketSetting[] = SETTINGS,
  ) {}
  defaultName(project: string): string {
    return `${project}-tfstate-0123abcd`;
  }
  nameProblem(name: string): string | undefined {
    return /^[a-z0-9-]{3,63}$/.test(name) ? undefined : 'not a bucket name';
  }
  async inspect(target: StateBucketTarget): Promise<StateBucketInspection> {
    this.calls.push(`inspect ${target.bucket} ${target.region}`);
    const state = (setting: StateBucketSetting): StateBucketSettingState => ({
      setting,
      status: this.toChange.includes(setting) ? 'change' : 'ok',
      current: 'x',
      wanted: 'y',
    });
    return { ...target, exists: this.exists, settings: SETTINGS.map(state) };
  }
  async create(target: StateBucketTarget): Promise<void> {
    this.calls.push(`create ${target.bucket}`);
  }
  async set(_target: StateBucketTarget, setting: StateBucketSetting): Promise<StateBucketSettingState> {
    this.calls.push(`set ${setting}`);
    return { setting, status: 'ok', current: 'y', wanted: 'y' };
  }
}

const options = (
  provisioner: StateBucketProvisioner,
  io = new MemoryIoHost(),
  extra: Partial<BootstrapOptions> = {},
): BootstrapOptions => ({
  config: makeConfig({ region: 'eu-west-1' }),
  configDir: '/project',
  configFile: '/project/mlops.config.json',
  io,
  provisioner,
  ...extra,
});

describe('bootstrapStateBucket', () => {
  it('asks once, listing what it will do, with spinners stopped before the question', async () => {
    const provisioner = new RecordingProvisioner(false);
    const io = new PersonIoHost([true]);
    const result = await bootstrapStateBucket(options(provisioner, io));
    expect(io.timeline).toEqual([
      'start Checking the state bucket iris-tfstate-0123abcd',
      'done Checking the state bucket iris-tfstate-0123abcd',
      'ask State bucket iris-tfstate-0123abcd (eu-west-1): create it, block public access, encrypt by default (AES256), enable versioning, deny requests without TLS (bucket policy). Go ahead?',
      'start Creating the state bucket iris-tfstate-0123abcd',
      'done Creating the state bucket iris-tfstate-0123abcd',
    ]);
    expect(io.asked.map((r) => [r.kind, r.flag])).toEqual([['confirm', '--yes']]);
    expect(provisioner.calls).toEqual([
      'inspect iris-tfstate-0123abcd eu-west-1',
      'create iris-tfstate-0123abcd',
      'set public-access-block',
      'set encryption',
      'set versioning',
      'set tls-only-policy',
    ]);
    expect(result).toMatchObject({
      nameFrom: 'derived',
      created: true,
      state: { backend: 's3', bucket: 'iris-tfstate-0123abcd', region: 'eu-west-1' },
      completed: true,
    });
  });

  it('changes nothing when the answer is no', async () => {
    const provisioner = new RecordingProvisioner(true, ['versioning']);
    const io = new PersonIoHost([false]);
    const result = await bootstrapStateBucket(options(provisioner, io));
    expect(provisioner.calls).toEqual(['inspect iris-tfstate-0123abcd eu-west-1']);
    expect(io.timeline.find((t) => t.startsWith('ask'))).toContain(': enable versioning. Go ahead?');
    expect(result).toMatchObject({ completed: false, created: false, changed: [] });
    expect(io.events.some((e) => e.event === 'bootstrap-declined')).toBe(true);
  });

  it('sets only what differs, and asks nothing when nothing does', async () => {
    const partly = new RecordingProvisioner(true, ['encryption']);
    const result = await bootstrapStateBucket(options(partly, new MemoryIoHost(), { yes: true }));
    expect(partly.calls).toEqual(['inspect iris-tfstate-0123abcd eu-west-1', 'set encryption']);
    expect(result.changed).toEqual(['encryption']);

    const done = new RecordingProvisioner(true, []);
    const io = new PersonIoHost([]);
    const again = await bootstrapStateBucket(options(done, io));
    expect(done.calls).toEqual(['inspect iris-tfstate-0123abcd eu-west-1']);
    expect(again).toMatchObject({ created: false, changed: [], completed: true });
    expect(io.events.find((e) => e.event === 'state-bucket-ready')?.message).toContain('nothing to change');
  });

  it('takes the name from --bucket, else infra.state.bucket, and the region from infra.state.region', async () => {
    const flagged = new RecordingProvisioner(true, []);
    expect((await bootstrapStateBucket(options(flagged, undefined, { bucket: 'acme-state' }))).nameFrom).toBe(
      'flag',
    );
    const configured = new RecordingProvisioner(true, []);
    const config = makeConfig({
      region: 'eu-west-1',
      infra: { state: { backend: 's3', bucket: 'iris-state', region: 'us-east-2', key: 'ml/iris' } },
    });
    const result = await bootstrapStateBucket(options(configured, undefined, { config }));
    expect(configured.calls).toEqual(['inspect iris-state us-east-2']);
    expect(result).toMatchObject({
      nameFrom: 'config',
      state: { backend: 's3', bucket: 'iris-state', region: 'us-east-2', key: 'ml/iris' },
    });
  });

  it('refuses a bad name or region before any S3 call', async () => {
    const provisioner = new RecordingProvisioner(false);
    const flag = await rejectionOf(
      bootstrapStateBucket(options(provisioner, undefined, { bucket: 'Bad_Name' })),
    );
    expect([flag.code, flag.source]).toEqual(['MLOPS_USAGE_E1002', 'usage']);
    const region = await rejectionOf(
      bootstrapStateBucket(
        options(provisioner, undefined, {
          config: makeConfig({ infra: { state: { backend: 's3', region: 'mars-1' } } }),
        }),
      ),
    );
    expect([region.code, region.source]).toEqual(['MLOPS_INFRA_E7005', 'config']);
    expect(region.message).toContain('infra.state.region');
    expect(provisioner.calls).toEqual([]);
  });
});
