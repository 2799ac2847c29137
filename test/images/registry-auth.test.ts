import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlopsError } from '../../src/kernel/errors.js';
import { openImageRegistry } from '../../providers/images/registry-factory.js';
import { rejectionOf } from '../support/error-code.js';
import {
  missingRegistry,
  startRegistry,
  withRegistry,
  type RegistryHandle,
} from '../support/registry/docker-registry.js';
import { startTokenServer, type TokenServer } from '../support/registry/token-server.js';
import { tempDir } from '../support/temp-dir.js';

const USER = 'builder';
const PASSWORD = 'pw-7f3a91c2-never-printed';
const WRONG = 'wrong-5d2e0b44-never-printed';
const IDENTITY_TOKEN = 'identity-9b8e2f10-never-printed';

const digestOf = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
type Env = Record<string, string | undefined>;

/** Everything an error can show: message, hint, code, stack, and its causes, as text. */
function everything(error: unknown): string {
  const parts: string[] = [];
  for (let e = error; e; e = (e as { cause?: unknown }).cause) {
    const { message, stack } = e as Error;
    parts.push(String(message), String(stack), JSON.stringify(e), MlopsError.is(e) ? e.hint : '');
  }
  return parts.join('\n');
}

/** Pushes one blob and a manifest naming it: what `mlops build --push` does, in small. */
async function pushSomething(host: string, env: Env, repository = 'team/app'): Promise<string> {
  const client = await openImageRegistry({ host, env });
  const layer = randomBytes(500);
  const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
  for (const blob of [layer, config]) {
    if (!(await client.hasBlob(repository, digestOf(blob)))) {
      await client.pushBlob(repository, digestOf(blob), blob.length, blob);
    }
  }
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: digestOf(config),
        size: config.length,
      },
      layers: [
        { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digestOf(layer), size: layer.length },
      ],
    }),
  );
  return client.putManifest(repository, 'v1', 'application/vnd.oci.image.manifest.v1+json', manifest);
}

const skip = missingRegistry();
const reason = skip ? ` (skipped: ${skip})` : '';

describe.skipIf(skip)(`Basic auth (htpasswd)${reason}`, () => {
  const registry = withRegistry({ auth: { htpasswd: { user: USER, password: PASSWORD } } });
  const dir = tempDir('mlops-registry-auth-');

  it('pushes with good credentials from MLOPS_REGISTRY_USERNAME/PASSWORD', async () => {
    const env = { MLOPS_REGISTRY_USERNAME: USER, MLOPS_REGISTRY_PASSWORD: PASSWORD };
    expect(await pushSomething(registry.current.host, env)).toMatch(/^sha256:/);
  });

  it('fails with bad credentials: the code, the host and the source named, the password nowhere', async () => {
    const env = { MLOPS_REGISTRY_USERNAME: USER, MLOPS_REGISTRY_PASSWORD: WRONG };
    const error = await rejectionOf(pushSomething(registry.current.host, env));
    expect(error.code).toBe('MLOPS_IMAGE_E7403');
    expect(error.message).toContain(registry.current.host);
    expect(error.message).toContain('MLOPS_REGISTRY_USERNAME');
    expect(everything(error)).not.toContain(WRONG);
    expect(everything(error)).not.toContain(Buffer.from(`${USER}:${WRONG}`).toString('base64'));
  });

  it('fails without credentials, saying none were found for the host', async () => {
    const error = await rejectionOf(pushSomething(registry.current.host, { HOME: dir }));
    expect(error.code).toBe('MLOPS_IMAGE_E7405');
    expect(error.message).toContain(registry.current.host);
  });

  it('reads the auths entry of $DOCKER_CONFIG/config.json (what docker login writes)', async () => {
    const config = path.join(dir, 'docker-auths');
    mkdirSync(config, { recursive: true });
    const auth = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
    writeFileSync(
      path.join(config, 'config.json'),
      JSON.stringify({ auths: { [registry.current.host]: { auth } } }),
    );
    expect(await pushSomething(registry.current.host, { DOCKER_CONFIG: config })).toMatch(/^sha256:/);
  });

  it('asks the credHelpers entry of ~/.docker/config.json: docker-credential-NAME get, the host on stdin', async () => {
    const home = path.join(dir, 'home-helper');
    const bin = path.join(dir, 'bin');
    mkdirSync(path.join(home, '.docker'), { recursive: true });
    mkdirSync(bin, { recursive: true });
    const asked = path.join(dir, 'helper-asked');
    const helper = path.join(bin, 'docker-credential-test');
    writeFileSync(
      helper,
      `#!/bin/sh\n[ "$1" = get ] || exit 2\ncat > ${JSON.stringify(asked)}\nprintf '{"ServerURL":"x","Username":"${USER}","Secret":"${PASSWORD}"}'\n`,
    );
    chmodSync(helper, 0o755);
    writeFileSync(
      path.join(home, '.docker', 'config.json'),
      JSON.stringify({
        auths: { [registry.current.host]: {} },
        credHelpers: { [registry.current.host]: 'test' },
      }),
    );
    const env = { HOME: home, PATH: `${bin}:${process.env.PATH}` };
    expect(await pushSomething(registry.current.host, env)).toMatch(/^sha256:/);
    expect(readFileSync(asked, 'utf8')).toBe(registry.current.host);
  });

  it('names a credential helper that is not installed', async () => {
    const home = path.join(dir, 'home-missing');
    mkdirSync(path.join(home, '.docker'), { recursive: true });
    writeFileSync(
      path.join(home, '.docker', 'config.json'),
      JSON.stringify({ credsStore: 'nonexistent-store' }),
    );
    const error = await rejectionOf(
      pushSomething(registry.current.host, { HOME: home, PATH: '/usr/bin:/bin' }),
    );
    expect(error.code).toBe('MLOPS_IMAGE_E7412');
    expect(error.message).toContain('docker-credential-nonexistent-store');
  });
});

describe.skipIf(skip)(`Bearer tokens from a token server${reason}`, () => {
  let tokens: TokenServer;
  let registry: RegistryHandle;
  const identityDir = tempDir('mlops-registry-identity-');
  beforeAll(async () => {
    tokens = await startTokenServer({ user: USER, password: PASSWORD, identityToken: IDENTITY_TOKEN });
    registry = await startRegistry({ auth: { token: tokens } });
  });
  afterAll(async () => {
    await registry?.stop();
    await tokens?.stop();
  });
  const good = { MLOPS_REGISTRY_USERNAME: USER, MLOPS_REGISTRY_PASSWORD: PASSWORD };

  it('pushes with good credentials, asking exactly the scopes each step needs', async () => {
    const from = tokens.requests.length;
    await pushSomething(registry.host, good, 'tok/app');
    const asked = tokens.requests.slice(from);
    expect(asked.every((r) => r.user === USER && r.status === 200 && r.service === tokens.service)).toBe(
      true,
    );
    // HEADs need pull; the uploads and the manifest need pull,push, one token each, cached between steps.
    expect(asked.map((r) => r.scopes)).toEqual([
      ['repository:tok/app:pull'],
      ['repository:tok/app:pull,push'],
    ]);
  });

  it('asks one token for both repositories when mounting from another one', async () => {
    await pushSomething(registry.host, good, 'tok/source');
    const client = await openImageRegistry({ host: registry.host, env: good });
    const blob = randomBytes(300);
    await client.pushBlob('tok/source', digestOf(blob), blob.length, blob);
    const from = tokens.requests.length;
    expect(await client.mountBlob('tok/target', digestOf(blob), 'tok/source')).toBe(true);
    expect(tokens.requests.slice(from).map((r) => r.scopes)).toEqual([
      ['repository:tok/target:pull,push', 'repository:tok/source:pull'],
    ]);
  });

  it('fails with bad credentials naming the host, with neither password nor any token in it', async () => {
    const error = await rejectionOf(
      pushSomething(registry.host, { MLOPS_REGISTRY_USERNAME: USER, MLOPS_REGISTRY_PASSWORD: WRONG }),
    );
    expect(error.code).toBe('MLOPS_IMAGE_E7403');
    expect(error.message).toContain(registry.host);
    expect(tokens.requests.at(-1)).toMatchObject({ user: USER, status: 401 });
    const shown = everything(error);
    expect(shown).not.toContain(WRONG);
    for (const token of tokens.issued) expect(shown).not.toContain(token);
  });

  it('keeps tokens out of the errors of an authorised session (a missing manifest)', async () => {
    const client = await openImageRegistry({ host: registry.host, env: good });
    const error = await rejectionOf(client.getManifest('tok/app', 'no-such-tag'));
    expect(error.code).toBe('MLOPS_IMAGE_E7406');
    expect(tokens.issued.length).toBeGreaterThan(0);
    const shown = everything(error);
    for (const token of tokens.issued) expect(shown).not.toContain(token);
    expect(shown).not.toContain(PASSWORD);
  });

  it('trades an identity token of config.json for access tokens (the OAuth2 refresh-token POST)', async () => {
    const config = path.join(identityDir, 'docker');
    mkdirSync(config, { recursive: true });
    writeFileSync(
      path.join(config, 'config.json'),
      JSON.stringify({ auths: { [registry.host]: { identitytoken: IDENTITY_TOKEN } } }),
    );
    const from = tokens.requests.length;
    await pushSomething(registry.host, { DOCKER_CONFIG: config }, 'tok/identity');
    expect(tokens.requests.slice(from).map((r) => [r.method, r.status])).toEqual([
      ['POST', 200],
      ['POST', 200],
    ]);
  });

  it('without credentials gets an anonymous token, then says credentials are needed', async () => {
    const error = await rejectionOf(pushSomething(registry.host, {}));
    expect(error.code).toBe('MLOPS_IMAGE_E7405');
    expect(tokens.requests.at(-1)).toMatchObject({ user: undefined, status: 200 });
  });
});
