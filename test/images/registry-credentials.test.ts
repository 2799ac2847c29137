import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findCredentials } from '../../providers/images/registry/credentials.js';
import {
  ecrCredentials,
  ensureEcrRepository,
  parseEcrHost,
  type EcrSender,
} from '../../providers/images/registry/ecr.js';
import { scrub } from '../../providers/images/registry/errors.js';
import { parseWwwAuthenticate } from '../../providers/images/registry/www-authenticate.js';
import { isInsecureRegistry } from '../../providers/images/registry-factory.js';
import { rejectionOf } from '../support/error-code.js';
import { tempDir } from '../support/temp-dir.js';

describe('parseWwwAuthenticate', () => {
  it('reads a Bearer challenge whose quoted scope holds commas', () => {
    expect(
      parseWwwAuthenticate(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/node:pull,push"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:library/node:pull,push',
        },
      },
    ]);
  });

  it('reads several challenges, spaces after commas, unquoted values and escaped quotes', () => {
    expect(
      parseWwwAuthenticate('Basic realm="a \\"b\\", c", Bearer realm=https://x/token, error="invalid_token"'),
    ).toEqual([
      { scheme: 'basic', params: { realm: 'a "b", c' } },
      { scheme: 'bearer', params: { realm: 'https://x/token', error: 'invalid_token' } },
    ]);
  });

  it('gives nothing for an empty header', () => {
    expect(parseWwwAuthenticate('')).toEqual([]);
  });
});

describe('plain HTTP registries', () => {
  it.each([
    ['localhost', true],
    ['localhost:5000', true],
    ['127.0.0.1:5000', true],
    ['[::1]:5000', true],
    ['registry.internal:5000', true],
    ['registry.internal', false],
    ['ghcr.io', false],
    ['127.0.0.1.nip.io', false],
  ])('%s → %s (MLOPS_INSECURE_REGISTRIES lists registry.internal:5000)', (host, insecure) => {
    expect(isInsecureRegistry(host, { MLOPS_INSECURE_REGISTRIES: 'other, registry.internal:5000' })).toBe(
      insecure,
    );
  });
});

describe('findCredentials', () => {
  const dir = tempDir('mlops-registry-creds-');
  let n = 0;
  /** A HOME whose ~/.docker/config.json is `config`. */
  function home(config: unknown): string {
    const at = path.join(dir, `home-${n++}`);
    mkdirSync(path.join(at, '.docker'), { recursive: true });
    writeFileSync(
      path.join(at, '.docker', 'config.json'),
      typeof config === 'string' ? config : JSON.stringify(config),
    );
    return at;
  }
  const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');

  it('takes MLOPS_REGISTRY_USERNAME/PASSWORD before anything else', async () => {
    const HOME = home({ auths: { 'ghcr.io': { auth: basic('file', 'f') } } });
    const env = { HOME, MLOPS_REGISTRY_USERNAME: 'u', MLOPS_REGISTRY_PASSWORD: 'p', GHCR_TOKEN: 't' };
    expect(await findCredentials('ghcr.io', env)).toEqual({
      username: 'u',
      password: 'p',
      source: 'MLOPS_REGISTRY_USERNAME/MLOPS_REGISTRY_PASSWORD',
    });
  });

  it('uses GHCR_TOKEN, else GITHUB_TOKEN, for ghcr.io only, as GITHUB_ACTOR or x-access-token', async () => {
    expect(
      await findCredentials('ghcr.io', { GHCR_TOKEN: 'a', GITHUB_TOKEN: 'b', GITHUB_ACTOR: 'octo' }),
    ).toEqual({
      username: 'octo',
      password: 'a',
      source: 'GHCR_TOKEN',
    });
    expect(await findCredentials('ghcr.io', { GITHUB_TOKEN: 'b', HOME: dir })).toMatchObject({
      username: 'x-access-token',
      source: 'GITHUB_TOKEN',
    });
    expect(await findCredentials('quay.io', { GITHUB_TOKEN: 'b', HOME: dir })).toBeUndefined();
  });

  it('finds Docker Hub under its v1 URL key and an identity token as <token>', async () => {
    const HOME = home({
      auths: {
        'https://index.docker.io/v1/': { auth: basic('hub', 'pw:with:colons') },
        'quay.io': { identitytoken: 'it' },
      },
    });
    expect(await findCredentials('docker.io', { HOME })).toMatchObject({
      username: 'hub',
      password: 'pw:with:colons',
    });
    expect(await findCredentials('quay.io', { HOME })).toMatchObject({ username: '<token>', password: 'it' });
    expect(await findCredentials('ghcr.io', { HOME })).toBeUndefined();
  });

  it('fails on a config.json that is not JSON, naming the file', async () => {
    const HOME = home('{not json');
    const error = await rejectionOf(findCredentials('ghcr.io', { HOME }));
    expect(error.code).toBe('MLOPS_IMAGE_E7411');
    expect(error.message).toContain(path.join(HOME, '.docker', 'config.json'));
  });

  /** A credential helper script `docker-credential-NAME` printing `output` and exiting with `code`. */
  function helper(name: string, output: string, code = 0): string {
    const bin = path.join(dir, `bin-${n++}`);
    mkdirSync(bin);
    const file = path.join(bin, `docker-credential-${name}`);
    writeFileSync(file, `#!/bin/sh\ncat >/dev/null\nprintf '%s' '${output}'\nexit ${code}\n`);
    chmodSync(file, 0o755);
    return `${bin}:/usr/bin:/bin`;
  }

  it('falls back from a credsStore that knows nothing of the host to the auths entry', async () => {
    const PATH = helper('store', 'credentials not found in native keychain', 1);
    const HOME = home({ credsStore: 'store', auths: { 'ghcr.io': { auth: basic('file', 'f') } } });
    expect(await findCredentials('ghcr.io', { HOME, PATH })).toMatchObject({
      username: 'file',
      password: 'f',
    });
  });

  it('fails on a helper answering something that is not credentials, without quoting it', async () => {
    const PATH = helper('garbage', 'SECRET-looking-output');
    const HOME = home({ credHelpers: { 'ghcr.io': 'garbage' } });
    const error = await rejectionOf(findCredentials('ghcr.io', { HOME, PATH }));
    expect(error.code).toBe('MLOPS_IMAGE_E7413');
    expect(`${error.message} ${error.hint}`).not.toContain('SECRET-looking-output');
  });
});

describe('secrets in error text', () => {
  it('scrubs Authorization values and token parameters', () => {
    expect(
      scrub(
        'sent Authorization: Bearer eyJhbGciOi.abc-def_1 and Basic dXNlcjpwYXNz= to /token?scope=x&token=s3cr3t',
      ),
    ).toBe('sent Authorization: Bearer *** and Basic *** to /token?scope=x&token=***');
  });
});

describe('ECR', () => {
  const host = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
  /** An ECR client double recording each command's name and input (no AWS here: untested against it). */
  function fakeEcr(
    answer: (name: string) => unknown,
  ): EcrSender & { calls: { name: string; input: unknown }[] } {
    const calls: { name: string; input: unknown }[] = [];
    return {
      calls,
      send: (async (command: { constructor: { name: string }; input: unknown }) => {
        calls.push({ name: command.constructor.name, input: command.input });
        const result = answer(command.constructor.name);
        if (result instanceof Error) throw result;
        return result;
      }) as unknown as EcrSender['send'],
    };
  }

  it.each([
    [host, { account: '123456789012', region: 'eu-west-1' }],
    [
      '123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com',
      { account: '123456789012', region: 'us-gov-west-1' },
    ],
    ['123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn', { account: '123456789012', region: 'cn-north-1' }],
    ['ghcr.io', undefined],
    ['12345.dkr.ecr.eu-west-1.amazonaws.com', undefined],
  ])('parseEcrHost(%s)', (name, expected) => {
    expect(parseEcrHost(name)).toEqual(expected);
  });

  it('turns GetAuthorizationToken into user AWS and its password', async () => {
    const client = fakeEcr(() => ({
      authorizationData: [{ authorizationToken: Buffer.from('AWS:ecr-password').toString('base64') }],
    }));
    expect(await ecrCredentials(host, {}, client)).toEqual({
      username: 'AWS',
      password: 'ecr-password',
      source: 'ECR GetAuthorizationToken (AWS credentials)',
    });
    expect(client.calls.map((c) => c.name)).toEqual(['GetAuthorizationTokenCommand']);
  });

  it('fails clearly when GetAuthorizationToken is denied', async () => {
    const denied = Object.assign(new Error('not authorized to perform ecr:GetAuthorizationToken'), {
      name: 'AccessDeniedException',
    });
    const error = await rejectionOf(
      ecrCredentials(
        host,
        {},
        fakeEcr(() => denied),
      ),
    );
    expect(error.code).toBe('MLOPS_IMAGE_E7414');
    expect(error.message).toContain('AccessDeniedException');
    expect(error.hint).toContain('eu-west-1');
  });

  it('creates the repository with scan on push in the host’s account; an existing one is fine', async () => {
    const client = fakeEcr(() => ({}));
    expect(await ensureEcrRepository(host, 'team/iris-serving', { client })).toBe(true);
    expect(client.calls).toEqual([
      {
        name: 'CreateRepositoryCommand',
        input: {
          registryId: '123456789012',
          repositoryName: 'team/iris-serving',
          imageScanningConfiguration: { scanOnPush: true },
          imageTagMutability: 'MUTABLE',
        },
      },
    ]);
    const exists = Object.assign(new Error('exists'), { name: 'RepositoryAlreadyExistsException' });
    expect(await ensureEcrRepository(host, 'team/iris-serving', { client: fakeEcr(() => exists) })).toBe(
      false,
    );
  });

  it('fails clearly when creation is denied, or the host is not ECR', async () => {
    const denied = Object.assign(new Error('no'), { name: 'AccessDeniedException' });
    expect((await rejectionOf(ensureEcrRepository(host, 'x', { client: fakeEcr(() => denied) }))).code).toBe(
      'MLOPS_IMAGE_E7415',
    );
    expect(
      (await rejectionOf(ensureEcrRepository('ghcr.io', 'x', { client: fakeEcr(() => ({})) }))).code,
    ).toBe('MLOPS_IMAGE_E7415');
  });
});
