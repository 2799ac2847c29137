import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsModelStore } from '../../providers/local/fs-model-store.js';
import { ModelRegistry } from '../../src/core/registry.js';
import { newVersion, registryContract } from './registry-contract.js';
import { tempDir } from '../support/temp-dir.js';

const root = tempDir();
let n = 0;
const fresh = async () => new FsModelStore(`file://${mkdtempSync(path.join(root, `s${n++}-`))}`);

registryContract('filesystem (file://)', fresh, async (store, key, body) => {
  // tamper behind mlops's back, as a person editing the file would
  writeFileSync(path.join((store as FsModelStore).uri.slice('file://'.length), key), body);
});

describe('filesystem store specifics', () => {
  it('writes the DESIGN.md §4 layout and leaves no temp files', async () => {
    const store = await fresh();
    const registry = new ModelRegistry(store, 'iris');
    await registry.createVersion(newVersion());
    await registry.setAlias('production', 'v1.0', 'me');
    const dir = store.uri.slice('file://'.length);
    const files = readdirSync(dir, { recursive: true }).map(String).sort();
    expect(files).toEqual(
      expect.arrayContaining([
        'iris/versions/v1.0/manifest.json',
        'iris/versions/v1.0/model.json',
        'iris/versions/v1.0/weights.bin',
        'iris/aliases/production.json',
      ]),
    );
    expect(files.some((f) => f.startsWith('iris/history/') && f.endsWith('-production.json'))).toBe(true);
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses keys that escape the root', async () => {
    const store = await fresh();
    await expect(store.get('../outside')).rejects.toMatchObject({ code: 'MLOPS_REGISTRY_E4009' });
  });

  it('a write into an unwritable registry fails with a hint and leaves nothing', async () => {
    const file = path.join(root, 'a-file');
    writeFileSync(file, 'not a directory');
    const store = new FsModelStore(file);
    await expect(store.put('m/a.json', new Uint8Array([1]))).rejects.toMatchObject({
      code: 'MLOPS_REGISTRY_E4010',
    });
    expect(readdirSync(root).filter((f) => f.startsWith('a-file.'))).toEqual([]);
  });
});
