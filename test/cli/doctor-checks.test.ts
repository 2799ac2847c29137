import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort } from '../support/free-port.js';
import { runMlops, type RunResult } from '../support/run-mlops.js';
import { tempDir } from '../support/temp-dir.js';
import { hasTool, missingTool } from '../support/tools.js';

/**
 * `mlops doctor` exits 1 when a check fails and 0 when every check passes or only warns; each check
 * is made to miss on its own, in a controlled environment: PATH (the tools doctor looks for, which
 * it runs from this process's PATH too, hence the stub), HOME, and the AWS variables. The kubernetes
 * check is left to its own tests.
 */

interface Check {
  readonly name: string;
  readonly status: 'ok' | 'warn' | 'fail';
  readonly detail: string;
  readonly fix?: string;
}

interface Report {
  readonly ok: boolean;
  readonly checks: readonly Check[];
}

const SECRET = 'doctor-test-secret-7f3a';
const root = tempDir('mlops-doctor-');
const project = path.join(root, 'proj');
const home = path.join(root, 'home');
const noTools = path.join(root, 'no-tools');
const buildahOnly = path.join(root, 'buildah-only');
const terraformOnly = path.join(root, 'terraform-only');

/** No AWS credentials anywhere, no instance metadata, nothing on PATH unless a test says so. */
const baseEnv = { HOME: home, PATH: noTools, CI: '1', AWS_EC2_METADATA_DISABLED: 'true' };

async function doctor(
  cwd: string,
  env: Record<string, string> = {},
): Promise<RunResult & { report: Report }> {
  const full = { ...baseEnv, ...env };
  // doctor runs docker and buildah from this process's PATH, terraform from the CLI environment's.
  vi.stubEnv('PATH', full.PATH);
  for (const name of [
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_PROFILE',
    'AWS_EC2_METADATA_DISABLED',
  ])
    vi.stubEnv(name, full[name as keyof typeof full]);
  const res = await runMlops(['doctor', '--json'], { cwd, env: full });
  return Object.assign(res, { report: res.json<Report>() });
}

const check = (report: Report, name: string): Check => {
  const found = report.checks.find((c) => c.name === name);
  if (!found) throw new Error(`no "${name}" check in ${JSON.stringify(report)}`);
  return found;
};

/** The checks that failed, by name: exactly the one a test made fail. */
const failed = (report: Report) => report.checks.filter((c) => c.status === 'fail').map((c) => c.name);

beforeAll(async () => {
  for (const dir of [home, noTools, buildahOnly, terraformOnly]) mkdirSync(dir, { recursive: true });
  const buildah = path.join(buildahOnly, 'buildah');
  writeFileSync(buildah, '#!/bin/sh\necho "buildah version 1.33.7 (image-spec 1.1.0)"\n');
  chmodSync(buildah, 0o755);
  if (hasTool('terraform', ['version'])) {
    const terraform = execFileSync('sh', ['-c', 'command -v terraform'], { encoding: 'utf8' }).trim();
    symlinkSync(terraform, path.join(terraformOnly, 'terraform'));
  }
  const init = await runMlops(['init', project, '--yes', '--name', 'doc'], {
    cwd: root,
    env: { PATH: noTools },
  });
  expect(init.code, init.stderr).toBe(0);
}, 60_000);

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('doctor exits 0 when every check passes or only warns', () => {
  it('a fresh project without terraform, builders, kubeconfig or AWS credentials: warnings, exit 0', async () => {
    const res = await doctor(project);
    expect(res.code).toBe(0);
    expect(res.report.ok).toBe(true);
    for (const name of ['node', 'config', 'ml backend', 'registry'])
      expect(check(res.report, name).status).toBe('ok');
    for (const name of ['terraform', 'image builder', 'aws credentials'])
      expect(check(res.report, name)).toMatchObject({ status: 'warn', fix: expect.any(String) });
  });

  it('the same run for a person: one line per check, and the fix under each warning', async () => {
    vi.stubEnv('PATH', noTools);
    const res = await runMlops(['doctor'], { cwd: project, env: baseEnv });
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^✓ node {13}Node \d+\.\d+/m);
    expect(res.stdout).toMatch(
      /^! image builder {4}no docker engine and no buildah.*\n {2}\s+Install buildah/m,
    );
    expect(res.stdout).not.toContain('check(s) failed');
  });

  it('outside a project the config check warns and the registry check is not run: exit 0', async () => {
    const res = await doctor(root);
    expect(res.code).toBe(0);
    expect(check(res.report, 'config')).toMatchObject({
      status: 'warn',
      fix: expect.stringContaining('mlops init'),
    });
    expect(res.report.checks.map((c) => c.name)).not.toContain('registry');
  });
});

describe('each check on its own', () => {
  it('node: a Node older than 20.19 fails the check, and doctor exits 1', async () => {
    const real = Object.getOwnPropertyDescriptor(process.versions, 'node')!;
    Object.defineProperty(process.versions, 'node', { ...real, value: '20.18.3' });
    let res: Awaited<ReturnType<typeof doctor>>;
    try {
      res = await doctor(project);
    } finally {
      Object.defineProperty(process.versions, 'node', real);
    }
    expect(res.code).toBe(1);
    expect(failed(res.report)).toEqual(['node']);
    expect(check(res.report, 'node')).toMatchObject({
      detail: 'Node 20.18.3 is too old',
      fix: expect.stringContaining('20.19'),
    });
  });

  const tfjsNode = (() => {
    try {
      createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(tfjsNode)(
    'ml backend: a backend that cannot load (MLOPS_BACKEND=tensorflow without tfjs-node) fails: exit 1',
    async () => {
      const res = await doctor(project, { MLOPS_BACKEND: 'tensorflow' });
      expect(res.code).toBe(1);
      expect(failed(res.report)).toEqual(['ml backend']);
    },
  );

  it('registry: an S3 endpoint nothing listens on fails, naming the endpoint: exit 1', async () => {
    const unreachable = path.join(root, 'unreachable');
    mkdirSync(unreachable);
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    writeFileSync(
      path.join(unreachable, 'mlops.config.json'),
      JSON.stringify({ name: 'doc', registry: { uri: 's3://models/doc', endpoint } }),
    );
    const res = await doctor(unreachable, {
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: SECRET,
    });
    expect(res.code).toBe(1);
    expect(failed(res.report)).toEqual(['registry']);
    expect(check(res.report, 'registry')).toMatchObject({
      detail: expect.stringContaining(endpoint),
      fix: expect.stringContaining('AWS_ENDPOINT_URL'),
    });
    expect(res.stdout + res.stderr).not.toContain(SECRET);
  });

  it('registry: a damaged alias fails and names its repair: exit 1', async () => {
    const damaged = path.join(root, 'damaged');
    expect((await runMlops(['init', damaged, '--yes', '--name', 'doc'], { cwd: root })).code).toBe(0);
    const aliases = path.join(damaged, '.mlops/registry/doc/aliases');
    mkdirSync(aliases, { recursive: true });
    writeFileSync(path.join(aliases, 'production.json'), '{"version": ');
    const res = await doctor(damaged);
    expect(res.code).toBe(1);
    expect(failed(res.report)).toEqual(['registry']);
    expect(check(res.report, 'registry')).toMatchObject({
      detail: expect.stringContaining('damaged alias: production'),
      fix: expect.stringContaining('--alias production --force'),
    });
  });

  it.skipIf(missingTool('terraform', ['version']) !== undefined)(
    'terraform: ok when it is on PATH; missing, a warning that names its use (exit 0)',
    async () => {
      const found = await doctor(project, { PATH: terraformOnly });
      expect(check(found.report, 'terraform')).toMatchObject({
        status: 'ok',
        detail: expect.stringMatching(/^terraform 1\./),
      });
      const missing = await doctor(project);
      expect(missing.code).toBe(0);
      expect(check(missing.report, 'terraform')).toMatchObject({
        status: 'warn',
        detail: expect.stringContaining('needed by mlops infra'),
      });
    },
  );

  it('image builder: ok when buildah is on PATH, a warning without', async () => {
    const found = await doctor(project, { PATH: buildahOnly });
    expect(check(found.report, 'image builder')).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining('buildah version 1.33.7'),
    });
    expect(check((await doctor(project)).report, 'image builder').status).toBe('warn');
  });

  it('aws credentials: ok from the environment or a credentials file, a warning without', async () => {
    const fromEnv = await doctor(project, {
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: SECRET,
    });
    expect(check(fromEnv.report, 'aws credentials')).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining('environment'),
    });
    const file = path.join(root, 'aws-credentials');
    writeFileSync(file, `[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = ${SECRET}\n`);
    const fromFile = await doctor(project, { AWS_SHARED_CREDENTIALS_FILE: file });
    expect(check(fromFile.report, 'aws credentials')).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining(file),
    });
    expect(check((await doctor(project)).report, 'aws credentials').status).toBe('warn');
  });
});
