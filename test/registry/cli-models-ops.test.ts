import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FsModelStore } from '../../providers/local/fs-model-store.js';
import { ModelRegistry } from '../../src/core/registry.js';
import { newVersion } from './registry-contract.js';
import { runMlops } from '../support/run-mlops.js';
import { tempDir } from '../support/temp-dir.js';

const project = tempDir();
const DAY = 86_400_000;
const mlops = (args: readonly string[]) => runMlops(args, { cwd: project, env: { CI: '1' } });

beforeAll(async () => {
  writeFileSync(path.join(project, 'mlops.config.json'), JSON.stringify({ name: 'iris' }));
  const registry = new ModelRegistry(new FsModelStore(path.join(project, '.mlops/registry')), 'iris');
  const old = () => new Date(Date.now() - 100 * DAY);
  for (let i = 0; i < 3; i++) await registry.createVersion(newVersion({ now: old }));
  await registry.createVersion(newVersion());
  await registry.setAlias('production', 'v1.1', 'me');
});

describe('mlops models gc (file:// registry)', () => {
  it('--help shows the options', async () => {
    const res = await mlops(['models', 'gc', '--help']);
    expect(res.stdout).toContain('--older-than <age>');
    expect(res.stdout).toContain('--keep <n>');
    expect(res.stdout).toContain('--dry-run');
    expect((await mlops(['models', '--help'])).stdout).toMatch(/copy \[options\] <version>/);
  });

  it('bad --older-than and --keep are usage errors', async () => {
    const age = await mlops(['models', 'gc', '--older-than', 'soon', '--json']);
    expect(age.code).toBe(2);
    expect(age.json<{ error: { code: string; hint: string } }>().error).toMatchObject({
      code: 'MLOPS_USAGE_E1002',
      hint: expect.stringContaining('90d'),
    });
    expect((await mlops(['models', 'gc', '--keep', '-1'])).code).toBe(2);
  });

  it('a dry run prints what it would remove and why the others stay', async () => {
    const res = await mlops(['models', 'gc', '--dry-run']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('Would remove 2 versions of iris');
    expect(res.stdout).toMatch(/v1\.0\s+\d{4}-/);
    expect(res.stdout).toContain('v1.1 (aliased: production)');
    expect(res.stdout).toContain('Run without --dry-run to delete (headless: add --yes).');
  });

  it('headless without --yes it refuses and names the flag; with --yes it removes', async () => {
    const refused = await mlops(['models', 'gc']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');
    const res = await mlops(['models', 'gc', '--yes']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('Removed 2 versions of iris');
    const list = (await mlops(['models', 'list', '--json'])).json<{ versions: { version: string }[] }>();
    expect(list.versions.map((v) => v.version)).toEqual(['v1.1', 'v1.3']);
    expect((await mlops(['models', 'gc', '--yes'])).stdout).toContain('Nothing to remove');
  });
});

describe('mlops models copy (file:// registries)', () => {
  it('needs --to, and a supported URI', async () => {
    const none = await mlops(['models', 'copy', 'v1.1']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--to');
    const bad = await mlops(['models', 'copy', 'v1.1', '--to', 'ftp://x/y', '--json']);
    expect(bad.code).toBe(2);
    expect(bad.json<{ error: { code: string } }>().error.code).toBe('MLOPS_REGISTRY_E4005');
  });

  it('copies by alias to a relative file:// registry, then says it is already there', async () => {
    const res = await mlops(['models', 'copy', 'production', '--to', 'file://./other']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain(`Copied iris v1.1 to file://${path.join(project, 'other')}`);
    expect(res.stdout).toContain('checksums verified');
    const again = await mlops(['models', 'copy', 'v1.1', '--to', 'file://./other', '--json']);
    expect(again.json()).toMatchObject({ copied: false, version: 'v1.1' });
    const unknown = await mlops(['models', 'copy', 'v9.9', '--to', 'file://./other', '--json']);
    expect(unknown.code).toBe(1);
    expect(unknown.json<{ error: { code: string } }>().error.code).toBe('MLOPS_REGISTRY_E4001');
  });
});
