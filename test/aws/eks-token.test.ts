import { createHash, createHmac } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  eksToken,
  execApiVersion,
  execCredential,
  stsHost,
  type ExecCredential,
} from '../../providers/aws/eks-token.js';
import { runBin, runMlops } from '../support/run-mlops.js';
import { NO_AWS_CREDENTIALS } from '../support/sealed-env.js';
import { tempDir } from '../support/temp-dir.js';
import { acceptedHosts, verifyEksToken } from './eks-token-verifier.js';

// ------------------------------------------------------------------------------------------------
// An independent SigV4 query signer (node:crypto only), written from the specification: canonical
// request, string to sign, signing-key chain. Checked first against AWS's own published example.

const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
const hmac = (key: Buffer | string, text: string): Buffer =>
  createHmac('sha256', key).update(text, 'utf8').digest();
const rfc3986 = (s: string): string =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

interface SigningInput {
  readonly method: string;
  readonly host: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** Lower-case names; `host` included. */
  readonly headers: Readonly<Record<string, string>>;
  readonly payloadHash: string;
  readonly secret: string;
  readonly amzDate: string;
  readonly region: string;
  readonly service: string;
}

const canonicalQuery = (query: Readonly<Record<string, string>>): string =>
  Object.entries(query)
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');

function signature(input: SigningInput): string {
  const names = Object.keys(input.headers).sort();
  const canonicalRequest = [
    input.method,
    input.path,
    canonicalQuery(input.query),
    names.map((n) => `${n}:${input.headers[n]!.trim()}\n`).join(''),
    names.join(';'),
    input.payloadHash,
  ].join('\n');
  const day = input.amzDate.slice(0, 8);
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', input.amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const kDate = hmac(`AWS4${input.secret}`, day);
  const kSigning = hmac(hmac(hmac(kDate, input.region), input.service), 'aws4_request');
  return createHmac('sha256', kSigning).update(stringToSign, 'utf8').digest('hex');
}

/** The presigned GetCallerIdentity URL `aws eks get-token` makes, signed by the function above. */
function referenceUrl(p: {
  accessKeyId: string;
  secret: string;
  sessionToken?: string;
  region: string;
  cluster: string;
  amzDate: string;
}): string {
  const host = `sts.${p.region}.amazonaws.com`;
  const query: Record<string, string> = {
    Action: 'GetCallerIdentity',
    Version: '2011-06-15',
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${p.accessKeyId}/${p.amzDate.slice(0, 8)}/${p.region}/sts/aws4_request`,
    'X-Amz-Date': p.amzDate,
    'X-Amz-Expires': '60',
    'X-Amz-SignedHeaders': 'host;x-k8s-aws-id',
    ...(p.sessionToken ? { 'X-Amz-Security-Token': p.sessionToken } : {}),
  };
  const sig = signature({
    method: 'GET',
    host,
    path: '/',
    query,
    headers: { host, 'x-k8s-aws-id': p.cluster },
    payloadHash: sha256Hex(''),
    secret: p.secret,
    amzDate: p.amzDate,
    region: p.region,
    service: 'sts',
  });
  return `https://${host}/?${canonicalQuery(query)}&X-Amz-Signature=${sig}`;
}

const FIXED = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  // Real session tokens carry + / = : they must survive the query encoding.
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE+/token//with=padding==',
};
const NOW = new Date('2015-08-30T12:36:00.250Z');

describe('the independent SigV4 signer of this test', () => {
  it("reproduces AWS's published presigned-URL example (S3 GET /test.txt, 2013-05-24)", () => {
    const amzDate = '20130524T000000Z';
    const query = {
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request',
      'X-Amz-Date': amzDate,
      'X-Amz-Expires': '86400',
      'X-Amz-SignedHeaders': 'host',
    };
    const sig = signature({
      method: 'GET',
      host: 'examplebucket.s3.amazonaws.com',
      path: '/test.txt',
      query,
      headers: { host: 'examplebucket.s3.amazonaws.com' },
      payloadHash: 'UNSIGNED-PAYLOAD',
      secret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      amzDate,
      region: 'us-east-1',
      service: 's3',
    });
    expect(sig).toBe('aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404');
  });
});

describe('eksToken', () => {
  it('equals k8s-aws-v1. + base64url of the reference presigned URL (fixed keys and clock)', async () => {
    const { token, expirationTimestamp } = await eksToken({
      clusterName: 'iris-cluster',
      region: 'eu-west-1',
      credentials: { accessKeyId: FIXED.accessKeyId, secretAccessKey: FIXED.secretAccessKey },
      now: NOW,
    });
    const url = referenceUrl({
      accessKeyId: FIXED.accessKeyId,
      secret: FIXED.secretAccessKey,
      region: 'eu-west-1',
      cluster: 'iris-cluster',
      amzDate: '20150830T123600Z',
    });
    expect(token).toBe(`k8s-aws-v1.${Buffer.from(url).toString('base64url')}`);
    expect(token).not.toContain('=');
    // 14 minutes on, whole seconds, UTC, as aws-cli prints it.
    expect(expirationTimestamp).toBe('2015-08-30T12:50:00Z');
  });

  it('signs the session token of temporary credentials into the URL', async () => {
    const { token } = await eksToken({
      clusterName: 'iris-cluster',
      region: 'us-east-1',
      credentials: FIXED,
      now: NOW,
    });
    const url = referenceUrl({
      accessKeyId: FIXED.accessKeyId,
      secret: FIXED.secretAccessKey,
      sessionToken: FIXED.sessionToken,
      region: 'us-east-1',
      cluster: 'iris-cluster',
      amzDate: '20150830T123600Z',
    });
    expect(token).toBe(`k8s-aws-v1.${Buffer.from(url).toString('base64url')}`);
    const verified = verifyEksToken(token, { region: 'us-east-1', now: NOW });
    expect(verified.params.get('x-amz-security-token')).toBe(FIXED.sessionToken);
  });

  it("passes aws-iam-authenticator's verifier rules, in a commercial and a China region", async () => {
    for (const region of ['ap-southeast-2', 'cn-north-1']) {
      const { token } = await eksToken({ clusterName: 'iris-cluster', region, credentials: FIXED, now: NOW });
      const verified = verifyEksToken(token, { region, now: new Date(NOW.getTime() + 60_000) });
      expect(acceptedHosts(region)).toContain(verified.url.host);
      expect(verified.url.host).toBe(stsHost(region));
      expect(verified.signedHeaders).toEqual(['host', 'x-k8s-aws-id']);
      expect(verified.params.get('x-amz-expires')).toBe('60');
      expect(verified.params.get('version')).toBe('2011-06-15');
      expect(verified.params.get('x-amz-credential')).toBe(`AKIDEXAMPLE/20150830/${region}/sts/aws4_request`);
    }
  });

  it('makes a token the verifier refuses once its 15 minutes are over', async () => {
    const { token } = await eksToken({ clusterName: 'c', region: 'us-east-1', credentials: FIXED, now: NOW });
    expect(() =>
      verifyEksToken(token, { region: 'us-east-1', now: new Date(NOW.getTime() + 16 * 60_000) }),
    ).toThrow(/expired/);
  });
});

describe('the verifier rules of this test', () => {
  const urlToken = (url: string): string => `k8s-aws-v1.${Buffer.from(url).toString('base64url')}`;
  const good =
    'https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Date=20150830T123600Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id';
  const verify = (url: string) => () => verifyEksToken(urlToken(url), { region: 'us-east-1', now: NOW });

  it('accept a well-formed URL and refuse each broken rule', () => {
    expect(verify(good)).not.toThrow();
    expect(verify(good.replace('sts.us-east-1', 'sts.evil'))).toThrow(/hostname/);
    expect(verify(good.replace('.com/?', '.com/x?'))).toThrow(/path/);
    expect(verify(`${good}&X-Amz-Foo=1`)).toThrow(/non-whitelisted/);
    expect(verify(`${good}&action=GetCallerIdentity`)).toThrow(/duplicate/);
    expect(verify(good.replace('GetCallerIdentity', 'AssumeRole'))).toThrow(/action/);
    expect(verify(good.replace('Expires=60', 'Expires=901'))).toThrow(/X-Amz-Expires/);
    expect(verify(good.replace('host%3Bx-k8s-aws-id', 'host'))).toThrow(/x-k8s-aws-id/);
    expect(verify(good.replace('20150830T123600Z', '20150830T124600Z'))).toThrow(/future/);
    expect(verify(good.replace('https:', 'http:'))).toThrow(/scheme/);
  });
});

describe('execCredential', () => {
  it('is the ExecCredential kubectl reads, in the API version the client announces', () => {
    const token = { token: 'k8s-aws-v1.abc', expirationTimestamp: '2015-08-30T12:50:00Z' };
    expect(execCredential(token)).toEqual({
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      kind: 'ExecCredential',
      spec: {},
      status: { expirationTimestamp: '2015-08-30T12:50:00Z', token: 'k8s-aws-v1.abc' },
    });
    const v1 = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential' });
    expect(execApiVersion(v1)).toBe('client.authentication.k8s.io/v1');
    expect(execApiVersion(undefined)).toBe('client.authentication.k8s.io/v1beta1');
    expect(execApiVersion('{not json')).toBe('client.authentication.k8s.io/v1beta1');
    expect(execApiVersion(JSON.stringify({ apiVersion: 'v9' }))).toBe('client.authentication.k8s.io/v1beta1');
  });
});

// ------------------------------------------------------------------------------------------------ CLI

const root = tempDir('mlops-eks-token-');
const elsewhere = path.join(root, 'anywhere');
const KEYS = { AWS_ACCESS_KEY_ID: FIXED.accessKeyId, AWS_SECRET_ACCESS_KEY: FIXED.secretAccessKey };

beforeAll(() => {
  mkdirSync(elsewhere, { recursive: true });
});

describe('mlops eks-token', () => {
  it('prints only a valid ExecCredential on stdout, from environment keys, outside any project', async () => {
    const before = new Date(Math.floor(Date.now() / 1000) * 1000);
    const res = await runBin(['eks-token', '--cluster', 'iris-cluster', '--region', 'eu-west-1'], {
      cwd: elsewhere,
      env: { ...NO_AWS_CREDENTIALS, ...KEYS },
    });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toBe('');
    const credential = res.json<ExecCredential>();
    expect(credential.apiVersion).toBe('client.authentication.k8s.io/v1beta1');
    expect(credential.kind).toBe('ExecCredential');
    const verified = verifyEksToken(credential.status.token, { region: 'eu-west-1', now: new Date() });
    expect(verified.params.get('x-amz-credential')).toMatch(
      /^AKIDEXAMPLE\/\d{8}\/eu-west-1\/sts\/aws4_request$/,
    );
    expect(verified.date.getTime()).toBeGreaterThanOrEqual(before.getTime());
    expect(credential.status.expirationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Date.parse(credential.status.expirationTimestamp) - verified.date.getTime()).toBe(14 * 60_000);
  });

  it('with no credentials anywhere, says so and what to do, exit 1, no stack, nothing on stdout', async () => {
    const args = ['eks-token', '--cluster', 'iris-cluster', '--region', 'eu-west-1'];
    const res = await runBin(args, { cwd: elsewhere, env: NO_AWS_CREDENTIALS });
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('No AWS credentials found to sign an EKS token for cluster iris-cluster');
    expect(res.stderr).toContain('AWS_PROFILE');
    expect(res.stderr).not.toMatch(/\n\s+at /);
    const json = await runBin([...args, '--json'], { cwd: elsewhere, env: NO_AWS_CREDENTIALS });
    expect(json.json<{ error: { code: string } }>().error.code).toBe('MLOPS_CLUSTER_E7131');
  });

  it('takes the region of the project when neither --region nor AWS_REGION is given', async () => {
    const project = path.join(root, 'project');
    mkdirSync(path.join(project, 'sub'), { recursive: true });
    writeFileSync(
      path.join(project, 'mlops.config.json'),
      JSON.stringify({ name: 'iris', region: 'eu-central-1' }),
    );
    const res = await runMlops(['eks-token', '--cluster', 'iris-cluster'], {
      cwd: path.join(project, 'sub'),
      env: KEYS,
    });
    expect(res.code, res.stderr).toBe(0);
    const { status } = res.json<ExecCredential>();
    expect(verifyEksToken(status.token, { region: 'eu-central-1', now: new Date() }).url.host).toBe(
      'sts.eu-central-1.amazonaws.com',
    );
    // AWS_REGION wins over the project.
    const env = await runMlops(['eks-token', '--cluster', 'iris-cluster'], {
      cwd: project,
      env: { ...KEYS, AWS_REGION: 'us-west-2' },
    });
    expect(
      verifyEksToken(env.json<ExecCredential>().status.token, { region: 'us-west-2', now: new Date() }).url
        .host,
    ).toBe('sts.us-west-2.amazonaws.com');
  });

  it('without any region, or a cluster, is a usage error naming the flag (exit 2)', async () => {
    const noRegion = await runMlops(['eks-token', '--cluster', 'iris-cluster', '--json'], {
      cwd: elsewhere,
      env: KEYS,
    });
    expect(noRegion.code).toBe(2);
    expect(noRegion.json<{ error: { code: string; hint: string } }>().error).toMatchObject({
      code: 'MLOPS_CLUSTER_E7130',
      hint: expect.stringContaining('--region'),
    });
    const noCluster = await runMlops(['eks-token', '--region', 'eu-west-1', '--json'], {
      cwd: elsewhere,
      env: KEYS,
    });
    expect(noCluster.code).toBe(2);
    expect(noCluster.json<{ error: { hint: string } }>().error.hint).toContain('--cluster');
    const badRegion = await runMlops(['eks-token', '--cluster', 'c', '--region', 'eu west', '--json'], {
      cwd: elsewhere,
      env: KEYS,
    });
    expect(badRegion.json<{ error: { code: string } }>().error.code).toBe('MLOPS_USAGE_E1002');
  });
});
