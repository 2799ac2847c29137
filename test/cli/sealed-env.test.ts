import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runBin, runMlops } from '../support/run-mlops.js';
import { childEnvironment, stubEnv } from '../support/sealed-env.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * The developer's machine cannot change a test's result: this suite gives the test runner itself a
 * home with AWS credentials and a kubeconfig, and AWS and Kubernetes variables, as a developer's shell
 * has them; the CLI the tests run must see none of it unless a test hands it over.
 */
const root = tempDir();
const outer = path.join(root, 'developer-home');
const check = (res: { json<T>(): T }, name: string) =>
  res
    .json<{ checks: { name: string; status: string; detail: string }[] }>()
    .checks.find((c) => c.name === name);

beforeAll(() => {
  mkdirSync(path.join(outer, '.aws'), { recursive: true });
  mkdirSync(path.join(outer, '.kube'), { recursive: true });
  writeFileSync(
    path.join(outer, '.aws', 'credentials'),
    '[default]\naws_access_key_id = AKIAOUTEROUTEROUTER0\naws_secret_access_key = outer-secret\n',
  );
  writeFileSync(
    path.join(outer, '.kube', 'config'),
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: developer, cluster: {server: "https://127.0.0.1:1"}}]',
      'users: [{name: developer, user: {token: developer-token}}]',
      'contexts: [{name: developer-context, context: {cluster: developer, user: developer}}]',
      'current-context: developer-context',
      '',
    ].join('\n'),
  );
  stubEnv({
    HOME: outer,
    AWS_ACCESS_KEY_ID: 'AKIAOUTEROUTEROUTER1',
    AWS_SECRET_ACCESS_KEY: 'outer-secret',
    AWS_PROFILE: 'outer',
    KUBECONFIG: path.join(outer, '.kube', 'config'),
  });
});
afterAll(() => {
  vi.unstubAllEnvs();
});

describe("the CLIs the tests run are sealed from the developer's machine", () => {
  it('a spawned CLI (runBin) finds no AWS credentials and no kubeconfig of the outer home', async () => {
    const res = await runBin(['doctor', '--json'], { cwd: root });
    expect(check(res, 'aws credentials')).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(/^none found/),
    });
    // Whatever the check says, it names neither the developer's kubeconfig nor its context.
    expect(check(res, 'kubernetes')?.detail).not.toContain('developer');
    expect(res.stdout).not.toContain('developer');
  }, 60_000);

  it('an in-process run (runMlops) neither', async () => {
    const res = await runMlops(['doctor', '--json'], { cwd: root, env: { PATH: process.env.PATH } });
    expect(check(res, 'aws credentials')).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(/^none found/),
    });
    expect(res.stdout).not.toContain('developer');
  }, 60_000);

  it('what a test hands over is seen: HOME decides where ~/.aws and ~/.kube are read', async () => {
    const res = await runBin(['doctor', '--json'], { cwd: root, env: { HOME: outer } });
    expect(check(res, 'aws credentials')).toMatchObject({
      status: 'ok',
      detail: `profile default from ${path.join(outer, '.aws', 'credentials')}`,
    });
    expect(check(res, 'kubernetes')?.detail).toContain('developer'); // its file, or its context
  }, 60_000);

  it('a child environment is PATH, an empty HOME of its own and the upgrade check off, nothing else', () => {
    const { env, dispose } = childEnvironment({ EXTRA: 'x', PATH: undefined });
    try {
      expect(Object.keys(env).sort()).toEqual(['CHECKPOINT_DISABLE', 'EXTRA', 'HOME']);
      expect(env.HOME).not.toBe(outer);
      expect(readdirSync(env.HOME!)).toEqual([]);
    } finally {
      dispose();
    }
    expect(existsSync(env.HOME!)).toBe(false);
    expect(childEnvironment({ HOME: outer }).env).toEqual({
      PATH: process.env.PATH,
      HOME: outer,
      CHECKPOINT_DISABLE: '1',
    });
  });
});
