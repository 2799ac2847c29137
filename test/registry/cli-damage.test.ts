import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsModelStore } from '../../providers/local/fs-model-store.js';
import { ModelRegistry } from '../../src/core/registry.js';
import { runMlops } from '../support/run-mlops.js';
import { tempDir } from '../support/temp-dir.js';
import { newVersion } from './registry-contract.js';

const root = tempDir();

interface ErrorJson {
  error: { message: string; hint: string; code: string };
}

/** A project whose registry has v1.0 … v1.2; production → v1.1 (after v1.0), staging → v1.0. */
async function project(): Promise<{
  dir: string;
  file: (...parts: string[]) => string;
  mlops: (args: readonly string[], env?: Record<string, string>) => ReturnType<typeof runMlops>;
}> {
  const dir = mkdtempSync(path.join(root, 'p-'));
  writeFileSync(path.join(dir, 'mlops.config.json'), JSON.stringify({ name: 'iris' }));
  const registry = new ModelRegistry(new FsModelStore(path.join(dir, '.mlops/registry')), 'iris');
  for (let i = 0; i < 3; i++) await registry.createVersion(newVersion());
  await registry.setAlias('production', 'v1.0', 'me');
  await registry.setAlias('production', 'v1.1', 'me');
  await registry.setAlias('staging', 'v1.0', 'me');
  return {
    dir,
    file: (...parts) => path.join(dir, '.mlops/registry/iris', ...parts),
    mlops: (args, env = {}) => runMlops(args, { cwd: dir, env: { CI: '1', USER: 'carol', ...env } }),
  };
}

/** The registry check of `doctor --json`. */
const registryCheck = (res: { json<T>(): T }) =>
  res
    .json<{ checks: { name: string; status: string; detail: string; fix?: string }[] }>()
    .checks.find((c) => c.name === 'registry');

/** The --json error document: exactly message, hint and code. */
function errorOf(res: { json<T>(): T }): ErrorJson['error'] {
  const { error } = res.json<ErrorJson>();
  expect(Object.keys(error).sort()).toEqual(['code', 'hint', 'message']);
  return error;
}

describe('a damaged manifest does not block the registry (file://)', () => {
  it('models list shows it as damaged; gc and verify report it; doctor warns', async () => {
    const { file, mlops } = await project();
    writeFileSync(file('versions/v1.2/manifest.json'), '{"version":');

    const list = await mlops(['models', 'list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.json()).toMatchObject({
      aliases: { production: 'v1.1', staging: 'v1.0' },
      versions: [{ version: 'v1.0' }, { version: 'v1.1' }],
      damaged: [{ version: 'v1.2', reason: 'it is not valid JSON' }],
      damagedAliases: [],
    });
    const human = await mlops(['models', 'list']);
    expect(human.stdout).toMatch(/^v1\.2\s+DAMAGED/m);
    expect(human.stdout).toContain('v1.2: its manifest is damaged (it is not valid JSON)');

    const gc = await mlops(['models', 'gc', '--dry-run', '--json']);
    expect(gc.code, gc.stderr).toBe(0);
    expect(gc.json()).toMatchObject({ damaged: [{ version: 'v1.2' }] });

    const verify = await mlops(['models', 'verify', '--json']);
    expect(verify.code).toBe(1);
    expect(verify.json()).toMatchObject({
      ok: false,
      versions: [
        { version: 'v1.0', status: 'ok' },
        { version: 'v1.1', status: 'ok' },
        { version: 'v1.2', status: 'damaged', reason: 'it is not valid JSON' },
      ],
    });
    const verifyHuman = await mlops(['models', 'verify']);
    expect(verifyHuman.code).toBe(1);
    expect(verifyHuman.stdout).toContain('v1.2  manifest damaged: it is not valid JSON');
    expect(verifyHuman.stdout).toContain('1 of 3 version(s) cannot be loaded: v1.2.');
    const one = await mlops(['models', 'verify', 'production', '--json']);
    expect(one.code).toBe(0);
    expect(one.json()).toMatchObject({ ok: true, versions: [{ version: 'v1.1', status: 'ok' }] });

    const show = await mlops(['models', 'show', 'v1.2', '--json']);
    expect(show.code).toBe(1);
    expect(errorOf(show)).toMatchObject({ code: 'MLOPS_REGISTRY_E4016' });

    expect(registryCheck(await mlops(['doctor', '--json']))).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining('v1.2'),
    });
  });

  it('models verify names an artifact whose bytes changed, with its size unchanged', async () => {
    const { file, mlops } = await project();
    const weights = readFileSync(file('versions/v1.0/weights.bin'));
    weights[0] = (weights[0] ?? 0) ^ 1;
    writeFileSync(file('versions/v1.0/weights.bin'), weights);
    const res = await mlops(['models', 'verify', 'v1.0']);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain('v1.0  weights.bin does not match its sha256 in the manifest');
  });
});

describe('a garbage alias (file://)', () => {
  it('is a clear error naming the repair; promote --force repairs it and history shows it', async () => {
    const { file, mlops } = await project();
    writeFileSync(file('aliases/production.json'), 'garbage');

    const refused = await mlops(['promote', 'v1.2', '--json']);
    expect(refused.code).toBe(1);
    const error = errorOf(refused);
    expect(error.code).toBe('MLOPS_REGISTRY_E4017');
    expect(error.message).toContain('The alias "production" of iris');
    expect(error.hint).toContain('mlops promote v1.1 --alias production --force');
    expect(errorOf(await mlops(['models', 'show', 'production', '--json'])).code).toBe(
      'MLOPS_REGISTRY_E4017',
    );

    // the listing still works and says what to do
    const list = await mlops(['models', 'list', '--json']);
    expect(list.code).toBe(0);
    expect(list.json()).toMatchObject({
      aliases: { staging: 'v1.0' },
      damagedAliases: [{ alias: 'production', repair: 'mlops promote v1.1 --alias production --force' }],
    });
    expect(registryCheck(await mlops(['doctor', '--json']))).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('mlops promote v1.1 --alias production --force'),
    });

    const repaired = await mlops(['promote', 'v1.1', '--force', '--json']);
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(repaired.json()).toMatchObject({ alias: 'production', version: 'v1.1', repaired: true });
    const show = await mlops(['models', 'show', 'production', '--json']);
    expect(show.code, show.stderr).toBe(0);
    expect(
      show.json<{ aliasHistory: { action: string; to: string; reason?: string }[] }>().aliasHistory.at(-1),
    ).toMatchObject({ action: 'repair', to: 'v1.1', reason: 'it is not valid JSON' });
    const human = await mlops(['models', 'show', 'v1.1']);
    expect(human.stdout).toContain('Alias history (v1.1 in or out)');
    expect(human.stdout).toMatch(/production\s+repair\s+-\s+v1\.1\s+carol@/);
    expect(human.stdout).toMatch(/production\s+promote\s+v1\.0\s+v1\.1\s+me/);
  });
});

describe('promote refuses a version that would not load (file://)', () => {
  it('a missing or truncated artifact by size; --verify by sha256', async () => {
    const { file, mlops } = await project();
    rmSync(file('versions/v1.2/weights.bin'));
    const missing = await mlops(['promote', 'v1.2', '--json']);
    expect(missing.code).toBe(1);
    expect(errorOf(missing)).toMatchObject({
      code: 'MLOPS_REGISTRY_E4002',
      message: expect.stringContaining('artifact weights.bin is missing'),
    });
    writeFileSync(file('versions/v1.0/model.json'), '{}');
    expect(errorOf(await mlops(['promote', 'v1.0', '--json'])).message).toContain(
      'model.json has 2 bytes where its manifest records',
    );

    const weights = readFileSync(file('versions/v1.1/weights.bin'));
    weights[1] = (weights[1] ?? 0) ^ 1;
    writeFileSync(file('versions/v1.1/weights.bin'), weights);
    const verified = await mlops(['promote', 'v1.1', '--alias', 'staging', '--verify', '--json']);
    expect(verified.code).toBe(1);
    expect(errorOf(verified).message).toContain('weights.bin does not match its sha256');
    const list = (await mlops(['models', 'list', '--json'])).json<{ aliases: Record<string, string> }>();
    expect(list.aliases).toEqual({ production: 'v1.1', staging: 'v1.0' });
  });
});

describe('names that try to leave the registry are usage errors (exit 2)', () => {
  it('versions and aliases with path separators or ".." get MLOPS_USAGE_E1010; version-like aliases E1002', async () => {
    const { mlops } = await project();
    for (const args of [
      ['models', 'show', '../../etc'],
      ['models', 'show', 'a/b'],
      ['models', 'verify', '..'],
      ['promote', '../../etc'],
      ['promote', 'v1.0', '--alias', '../../etc'],
      ['rollback', '--alias', 'a/b'],
      ['models', 'copy', '../x', '--to', 'file://./other'],
    ]) {
      const res = await mlops([...args, '--json']);
      expect(res.code, args.join(' ')).toBe(2);
      const error = errorOf(res);
      expect(error.code).toBe('MLOPS_USAGE_E1010');
      expect(error.hint).not.toMatch(/\.\.|a\/b/);
    }
    const versionLike = await mlops(['promote', 'v1.0', '--alias', 'v1', '--json']);
    expect(versionLike.code).toBe(2);
    expect(errorOf(versionLike)).toMatchObject({ code: 'MLOPS_USAGE_E1002' });
    const unknown = errorOf(await mlops(['models', 'show', 'v1', '--json']));
    expect(unknown.code).toBe('MLOPS_REGISTRY_E4003');
    expect(unknown.hint).not.toContain('--alias v1');
  });

  it('"not found" lists the aliased versions and the newest', async () => {
    const { mlops } = await project();
    const res = await mlops(['models', 'show', 'v9.9', '--json']);
    expect(res.code).toBe(1);
    expect(errorOf(res)).toMatchObject({
      code: 'MLOPS_REGISTRY_E4001',
      hint: 'Known versions: v1.0 (staging), v1.1 (production), v1.2 (newest).',
    });
  });
});

describe('registries that cannot work fail fast with what to do', () => {
  it.skipIf(!existsSync('/proc/self'))(
    'train --local into a registry under /proc fails in seconds, before any training; doctor says so',
    { timeout: 30_000 },
    async () => {
      const { mlops } = await project();
      const res = await mlops(['train', '--local', '--json'], { MLOPS_REGISTRY: 'file:///proc/mlops-test' });
      expect(res.code).toBe(1);
      const events = res.lines<{ event: string; error?: ErrorJson['error'] }>();
      expect(events.map((e) => e.event)).toEqual(['failed']);
      expect(events[0]?.error).toMatchObject({
        code: 'MLOPS_REGISTRY_E4010',
        message: expect.stringContaining('/proc/mlops-test'),
        hint: expect.stringContaining('writable directory'),
      });
      const doctor = await mlops(['doctor', '--json'], { MLOPS_REGISTRY: 'file:///proc/mlops-test' });
      expect(registryCheck(doctor)).toMatchObject({
        status: 'warn',
        detail: expect.stringContaining('/proc/mlops-test'),
      });
    },
  );

  it('a registry path that is a file is an error with a hint, not "no versions"', async () => {
    const { dir, mlops } = await project();
    writeFileSync(path.join(dir, 'not-a-dir'), 'x');
    const res = await mlops(['models', 'list', '--json'], { MLOPS_REGISTRY: 'file://./not-a-dir' });
    expect(res.code).toBe(1);
    expect(errorOf(res)).toMatchObject({
      code: 'MLOPS_REGISTRY_E4010',
      message: `The registry path ${path.join(dir, 'not-a-dir')} is a file, not a directory.`,
      hint: expect.stringContaining('MLOPS_REGISTRY'),
    });
  });

  it('a FIFO where an alias belongs is refused at once', async () => {
    const { file, mlops } = await project();
    rmSync(file('aliases/staging.json'));
    mkdirSync(file('aliases'), { recursive: true });
    execFileSync('mkfifo', [file('aliases/staging.json')]);
    const res = await mlops(['models', 'show', 'staging', '--json']);
    expect(res.code).toBe(1);
    expect(errorOf(res)).toMatchObject({
      code: 'MLOPS_REGISTRY_E4010',
      message: expect.stringContaining('is not a regular file'),
    });
  });
});
