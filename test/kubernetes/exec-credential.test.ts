import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { User } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { credentialSource } from '../../providers/kubernetes/credentials.js';
import { errorOf, rejectionOf } from '../support/error-code.js';
import { tempDir } from '../support/temp-dir.js';

const dir = tempDir('mlops-exec-');
/** An exec plugin: prints an ExecCredential whose token is MLOPS_TEST_TOKEN, and what it was told. */
const plugin = path.join(dir, 'plugin.mjs');
writeFileSync(
  plugin,
  `const info = JSON.parse(process.env.KUBERNETES_EXEC_INFO);
if (process.env.MLOPS_TEST_FAIL) { console.error('no AWS credentials'); process.exit(3); }
process.stdout.write(JSON.stringify({
  apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential',
  status: { token: process.env.MLOPS_TEST_TOKEN + ':' + info.kind + ':' + process.env.FROM_STANZA,
            expirationTimestamp: '2999-01-01T00:00:00Z' },
}));
`,
);

const execUser = (env: { name: string; value: string }[] = []): User => ({
  name: 'eks',
  exec: { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: [plugin], env },
});

describe('exec credential plugins', () => {
  it('run with the env mlops was given (plus the stanza env and KUBERNETES_EXEC_INFO), not process.env', async () => {
    expect(process.env.MLOPS_TEST_TOKEN).toBeUndefined();
    const source = credentialSource(execUser([{ name: 'FROM_STANZA', value: 'stanza' }]), dir, {
      MLOPS_TEST_TOKEN: 'given',
    });
    expect(source.auth).toBe('exec');
    expect(await source.get()).toEqual({ authorization: 'Bearer given:ExecCredential:stanza' });
  });

  it('caches the credential until it expires, and asks again after invalidate (a 401)', async () => {
    const env = { MLOPS_TEST_TOKEN: 'one' };
    const source = credentialSource(execUser(), dir, env);
    expect((await source.get()).authorization).toBe('Bearer one:ExecCredential:undefined');
    env.MLOPS_TEST_TOKEN = 'two';
    expect((await source.get()).authorization).toBe('Bearer one:ExecCredential:undefined');
    source.invalidate();
    expect((await source.get()).authorization).toBe('Bearer two:ExecCredential:undefined');
  });

  it('a failing plugin is an error naming it, with its last stderr line and how to run it', async () => {
    const error = await rejectionOf(credentialSource(execUser(), dir, { MLOPS_TEST_FAIL: '1' }).get());
    expect(error.code).toBe('MLOPS_CLUSTER_E7109');
    expect(error.message).toContain('exited with 3: no AWS credentials');
    expect(error.hint).toContain(plugin);
  });

  it('a plugin that is not on PATH says so', async () => {
    const user: User = { name: 'eks', exec: { command: 'mlops-no-such-plugin', args: [] } };
    const error = await rejectionOf(credentialSource(user, dir, { PATH: dir }).get());
    expect(error.code).toBe('MLOPS_CLUSTER_E7109');
    expect(error.message).toContain('"mlops-no-such-plugin" was not found');
  });

  it('refuses legacy auth-providers with a clear error', () => {
    const error = errorOf(() =>
      credentialSource({ name: 'gke', authProvider: { name: 'gcp', config: {} } }, dir, {}),
    );
    expect(error.code).toBe('MLOPS_CLUSTER_E7109');
    expect(error.message).toContain('"gcp" auth-provider');
  });
});
