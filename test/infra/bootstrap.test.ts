import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  GetBucketEncryptionCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../../providers/aws/s3-client.js';
import { S3StateBucket } from '../../providers/aws/infra/state-bucket.js';
import { runMlops } from '../support/run-mlops.js';
import { startS3rver, type S3rverHandle } from '../support/s3rver.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * `mlops infra bootstrap` against s3rver. s3rver has no bucket settings (versioning, default
 * encryption, public access block, policy), so the main suite runs it with the test support's
 * bucket-settings emulation, which stores what each PUT sends and answers GETs as S3 does; a second
 * server without it shows what plain s3rver lacks and how mlops reports it.
 */

interface BootstrapJson {
  bucket: string;
  region: string;
  nameFrom: string;
  created: boolean;
  changed: string[];
  settings: { setting: string; status: string; current: string; operation?: string }[];
  state: { backend: string; bucket: string; region: string };
  locking: string;
  config: { file: string; status: string };
  completed: boolean;
}

interface ErrorJson {
  error: { code: string; message: string; hint: string };
}

const root = tempDir('mlops-bootstrap-');
const project = path.join(root, 'iris');
const configFile = path.join(project, 'mlops.config.json');
let emulated: S3rverHandle;
let plain: S3rverHandle;
let s3: S3Client;

beforeAll(async () => {
  [emulated, plain] = await Promise.all([
    startS3rver({ bucketSettings: true, denyBuckets: ['someone-elses-state'] }),
    startS3rver(),
  ]);
  s3 = createS3Client({
    endpoint: emulated.endpoint,
    credentials: emulated.credentials,
    region: 'us-east-1',
  }).client;
  // A new user's project: a file:// registry and no infra.state.
  const init = await runMlops(['init', project, '--yes', '--name', 'iris'], { cwd: root });
  expect(init.code, init.stderr).toBe(0);
});

afterAll(async () => {
  s3?.destroy();
  await Promise.all([emulated?.stop(), plain?.stop()]);
});

/** Headless (CI), with the server's endpoint and credentials in the CLI's environment only. */
const bootstrap = (server: S3rverHandle, args: readonly string[]) =>
  runMlops(['infra', 'bootstrap', ...args], { cwd: project, env: { CI: '1', ...server.env } });

const statusOf = (error: unknown): number | undefined =>
  (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

describe('mlops infra bootstrap (s3rver with the bucket-settings emulation)', () => {
  let bucket: string;

  it('creates the state bucket versioned, encrypted, private and TLS-only, and prints infra.state', async () => {
    const before = readFileSync(configFile, 'utf8');
    const res = await bootstrap(emulated, ['--yes', '--json']);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    const body = res.json<BootstrapJson>();
    bucket = body.bucket;
    expect(bucket).toMatch(/^iris-tfstate-[0-9a-f]{8}$/);
    expect(body).toMatchObject({
      region: 'us-east-1',
      nameFrom: 'derived',
      created: true,
      changed: ['bucket', 'public-access-block', 'encryption', 'versioning', 'tls-only-policy'],
      state: { backend: 's3', bucket, region: 'us-east-1' },
      config: { file: configFile, status: 'not-written' },
      completed: true,
    });
    expect(body.settings.map((s) => [s.setting, s.status])).toEqual([
      ['public-access-block', 'ok'],
      ['encryption', 'ok'],
      ['versioning', 'ok'],
      ['tls-only-policy', 'ok'],
    ]);
    expect(body.locking).toContain('use_lockfile');
    expect(body.locking).toContain('no DynamoDB table');
    // Without --write-config the config is left alone.
    expect(readFileSync(configFile, 'utf8')).toBe(before);

    // Read back through the SDK, as terraform's S3 backend and the AWS console would see it.
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    const versioning = await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
    expect(versioning.Status).toBe('Enabled');
    const encryption = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    expect(
      encryption.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault,
    ).toEqual({ SSEAlgorithm: 'AES256' });
    const block = await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }));
    expect(block.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    const policy = await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }));
    expect(JSON.parse(policy.Policy ?? '{}')).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ],
    });
  });

  it('changes nothing on a second run, and says so', async () => {
    const res = await bootstrap(emulated, ['--json']);
    // No --yes needed: there is nothing to confirm.
    expect(res.code, res.stdout + res.stderr).toBe(0);
    const body = res.json<BootstrapJson>();
    expect(body).toMatchObject({ bucket, created: false, changed: [], completed: true });
    expect(body.settings.every((s) => s.status === 'ok')).toBe(true);

    const human = await bootstrap(emulated, []);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(
      `State bucket ${bucket} (us-east-1): already bootstrapped, nothing changed.`,
    );
    expect(human.stdout).toContain(
      `{"infra":{"state":{"backend":"s3","bucket":"${bucket}","region":"us-east-1"}}}`,
    );
    expect(human.stdout).toContain('no DynamoDB table is needed');
    expect(human.stderr).toContain('already bootstrapped: nothing to change');
  });

  it('puts back only what was changed behind its back, keeping a policy it did not write', async () => {
    const { PutBucketPolicyCommand, PutBucketVersioningCommand } = await import('@aws-sdk/client-s3');
    const grant = {
      Sid: 'ReadForCi',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::123456789012:role/ci' },
      Action: 's3:GetObject',
      Resource: `arn:aws:s3:::${bucket}/*`,
    };
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: bucket,
        Policy: JSON.stringify({ Version: '2012-10-17', Statement: [grant] }),
      }),
    );
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Suspended' } }),
    );
    const headless = await bootstrap(emulated, ['--json']);
    expect(headless.code).toBe(2);
    expect(headless.json<ErrorJson>().error.message).toContain('enable versioning');

    const res = await bootstrap(emulated, ['--yes', '--json']);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.json<BootstrapJson>()).toMatchObject({
      created: false,
      changed: ['versioning', 'tls-only-policy'],
    });
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe('Enabled');
    const statements = (
      JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy ?? '{}') as {
        Statement: { Sid: string }[];
      }
    ).Statement;
    expect(statements.map((s) => s.Sid)).toEqual(['ReadForCi', 'DenyInsecureTransport']);
    expect(statements[0]).toEqual(grant);
  });

  it('headless without --yes refuses before creating anything, naming --yes', async () => {
    const res = await bootstrap(emulated, ['--bucket', 'iris-untouched-state', '--json']);
    expect(res.code).toBe(2);
    const { error } = res.json<ErrorJson>();
    expect(error.code).toBe('MLOPS_USAGE_E1001');
    expect(error.message).toContain('iris-untouched-state');
    expect(error.hint).toContain('--yes');
    const head = await s3
      .send(new HeadBucketCommand({ Bucket: 'iris-untouched-state' }))
      .then(() => 200, statusOf);
    expect(head).toBe(404);
  });

  it('--write-config sets infra.state in the config (the --env section with --env), once', async () => {
    const res = await bootstrap(emulated, ['--yes', '--write-config', '--json']);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.json<BootstrapJson>().config.status).toBe('written');
    const written = JSON.parse(readFileSync(configFile, 'utf8')) as {
      name: string;
      infra: { state: unknown };
      environments: { production: { infra: Record<string, unknown> } };
    };
    expect(written.infra.state).toEqual({ backend: 's3', bucket, region: 'us-east-1' });
    // Everything else is kept.
    expect(written.name).toBe('iris');
    expect(written.environments.production.infra).toEqual({ natPerAz: true });

    const again = await bootstrap(emulated, ['--yes', '--write-config', '--json']);
    expect(again.json<BootstrapJson>().config.status).toBe('unchanged');

    const production = await bootstrap(emulated, [
      '--env',
      'production',
      '--bucket',
      'iris-production-state',
      '--yes',
      '--write-config',
      '--json',
    ]);
    expect(production.code, production.stdout + production.stderr).toBe(0);
    const withEnv = JSON.parse(readFileSync(configFile, 'utf8')) as typeof written;
    expect(withEnv.environments.production.infra).toEqual({
      natPerAz: true,
      state: { backend: 's3', bucket: 'iris-production-state', region: 'us-east-1' },
    });
    expect(withEnv.infra.state).toEqual({ backend: 's3', bucket, region: 'us-east-1' });

    // The project now synthesizes with its S3 state; only the registry bucket is still derived.
    const synth = await runMlops(['infra', 'synth', '--stack', 'registry', '--json'], { cwd: project });
    expect(synth.code, synth.stderr).toBe(0);
    expect(synth.json<{ defaults: { setting: string }[] }>().defaults.map((d) => d.setting)).toEqual([
      'infra.bucketName',
    ]);
    const stack = JSON.parse(
      readFileSync(path.join(project, '.mlops/infra/stacks/registry/cdk.tf.json'), 'utf8'),
    ) as { terraform: { backend: { s3: { bucket: string; use_lockfile: boolean } } } };
    expect(stack.terraform.backend.s3).toMatchObject({ bucket, use_lockfile: true });
  });

  it('refuses a bucket that exists but is not accessible (another account), clearly', async () => {
    const res = await bootstrap(emulated, ['--bucket', 'someone-elses-state', '--yes', '--json']);
    expect(res.code).toBe(1);
    const { error } = res.json<ErrorJson>();
    expect(error.code).toBe('MLOPS_INFRA_E7007');
    expect(error.message).toContain('"someone-elses-state" exists');
    expect(error.hint).toContain('--bucket');
  });

  it('refuses a bucket name S3 would refuse, before any call', async () => {
    const res = await bootstrap(emulated, ['--bucket', 'Terraform_State', '--yes', '--json']);
    expect(res.code).toBe(2);
    const { error } = res.json<ErrorJson>();
    expect(error.code).toBe('MLOPS_USAGE_E1002');
    expect(error.message).toContain('Terraform_State');
  });
});

describe('infra bootstrap against plain s3rver: the operations it lacks', () => {
  const target = { bucket: 'iris-plain-state', region: 'us-east-1' };

  it('creates the bucket, reports each setting s3rver lacks, and fails clearly on the one it misroutes', async () => {
    const res = await bootstrap(plain, ['--bucket', target.bucket, '--yes']);
    // Public access block and default encryption: s3rver answers NotImplemented (501), so they are
    // reported as not set rather than claimed; AWS S3 implements both.
    expect(res.stderr).toContain(
      'public-access-block: not set: the S3 server does not implement PutPublicAccessBlock (AWS S3 does).',
    );
    expect(res.stderr).toContain(
      'encryption: not set: the S3 server does not implement PutBucketEncryption (AWS S3 does).',
    );
    // Versioning: s3rver has no route for `PUT /bucket?versioning` and takes it for CreateBucket (409).
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(
      /PutBucketVersioning failed for the bucket "iris-plain-state".*BucketAlreadyExists/,
    );

    // Read-only, on the bucket the run above created.
    const inspection = await new S3StateBucket({ endpoint: plain.endpoint, env: plain.env }).inspect(
      target,
      {},
    );
    expect(inspection.exists).toBe(true);
    expect(inspection.settings.map((s) => [s.setting, s.status, s.operation])).toEqual([
      ['public-access-block', 'unsupported', 'GetPublicAccessBlock'],
      ['encryption', 'unsupported', 'GetBucketEncryption'],
      // `GET /bucket?versioning` is answered as a ListObjects: no Status, so versioning reads as off.
      ['versioning', 'change', undefined],
      ['tls-only-policy', 'unsupported', 'GetBucketPolicy'],
    ]);
  });
});
