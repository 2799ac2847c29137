import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsModelStore } from '../../providers/local/fs-model-store.js';
import { ModelRegistry } from '../../src/core/registry.js';
import { codeOf, rejectionOf } from '../support/error-code.js';
import { tempDir } from '../support/temp-dir.js';
import { registryDamageContract } from './damage-contract.js';
import { newVersion } from './registry-contract.js';

const root = tempDir();
let n = 0;
const fresh = () => mkdtempSync(path.join(root, `s${n++}-`));

registryDamageContract('filesystem (file://)', async () => new FsModelStore(`file://${fresh()}`));

describe('filesystem store: special paths fail fast with a clear error', () => {
  it.skipIf(!existsSync('/proc/self'))(
    'a registry under /proc (where mkdir -p would spin for ever) fails at once, naming the path',
    { timeout: 20_000 },
    async () => {
      const registry = new ModelRegistry(new FsModelStore('file:///proc/mlops-test/registry'), 'iris');
      const error = await rejectionOf(registry.checkWritable('me'));
      expect(error.code).toBe('MLOPS_REGISTRY_E4010');
      expect(error.message).toContain("mkdir '/proc/mlops-test'");
      expect(error.hint).toContain('writable directory');
      expect(await codeOf(registry.createVersion(newVersion()))).toBe('MLOPS_REGISTRY_E4010');
      // reading it is just an empty registry
      expect(await registry.versions()).toEqual([]);
    },
  );

  it('a registry path that is a regular file is an error with a hint, not "no versions"', async () => {
    const file = path.join(fresh(), 'registry');
    writeFileSync(file, 'not a directory');
    for (const uri of [file, path.join(file, 'nested')]) {
      const registry = new ModelRegistry(new FsModelStore(uri), 'iris');
      // one at a time: a second call started early could reject before anything awaits it (unhandled)
      for (const attempt of [
        () => registry.versions(),
        () => registry.aliases(),
        () => registry.checkWritable('me'),
      ]) {
        const error = await rejectionOf(attempt());
        expect(error.code).toBe('MLOPS_REGISTRY_E4010');
        expect(error.message).toMatch(
          uri === file ? /is a file, not a directory\.$/ : /is under .*registry, which is a file\.$/,
        );
        expect(error.hint).toContain('Point `registry`');
      }
    }
  });

  it('a file where a directory of the registry belongs is named', async () => {
    const dir = fresh();
    mkdirSync(path.join(dir, 'iris'));
    writeFileSync(path.join(dir, 'iris', 'versions'), 'x');
    const error = await rejectionOf(new ModelRegistry(new FsModelStore(dir), 'iris').versions());
    expect(error.message).toBe(
      `${path.join(dir, 'iris', 'versions')} in the registry file://${dir} is a file where a directory belongs.`,
    );
  });

  it('a FIFO in place of an alias is refused at once instead of waiting for a writer', async () => {
    const dir = fresh();
    const registry = new ModelRegistry(new FsModelStore(dir), 'iris');
    await registry.createVersion(newVersion());
    mkdirSync(path.join(dir, 'iris', 'aliases'), { recursive: true });
    execFileSync('mkfifo', [path.join(dir, 'iris', 'aliases', 'production.json')]);
    const error = await rejectionOf(registry.resolve('production'));
    expect(error.code).toBe('MLOPS_REGISTRY_E4010');
    expect(error.message).toContain('production.json in the registry');
    expect(error.message).toContain('is not a regular file');
    // listing skips what is not a file; the version stays loadable
    expect((await registry.load('v1.0')).manifest.version).toBe('v1.0');
  });
});
