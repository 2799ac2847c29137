import { describe, expect, it } from 'vitest';
import type { ModelStore } from '../../src/core/ports/model-store.js';
import { promote, rollback } from '../../src/core/promote.js';
import { ModelRegistry } from '../../src/core/registry.js';
import { collectGarbage } from '../../src/core/retention.js';
import { MemoryIoHost } from '../../src/kernel/io-host.js';
import { codeOf, rejectionOf } from '../support/error-code.js';
import { newVersion } from './registry-contract.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const DAY = 86_400_000;

/** v1.0 … v1.3 registered; production → v1.1 (after v1.0), staging → v1.0. */
async function seeded(store: ModelStore): Promise<ModelRegistry> {
  const registry = new ModelRegistry(store, 'iris');
  for (let i = 0; i < 4; i++) await registry.createVersion(newVersion({ metrics: { accuracy: i / 10 } }));
  await registry.setAlias('production', 'v1.0', 'a');
  await registry.setAlias('production', 'v1.1', 'a');
  await registry.setAlias('staging', 'v1.0', 'a');
  return registry;
}

const promoteIt = (
  registry: ModelRegistry,
  version: string,
  over: { force?: boolean; verify?: boolean } = {},
) => promote({ registry, version, alias: 'production', actor: 'me', io: new MemoryIoHost(), ...over });

/**
 * A damaged registry stays usable, on any ModelStore: a corrupt manifest or alias object, missing or
 * altered artifacts, and names that try to leave their place. `makeStore` returns a fresh, empty store;
 * damage is done with the store's own writes, as a person or a broken tool would.
 */
export function registryDamageContract(name: string, makeStore: () => Promise<ModelStore>): void {
  describe(`damaged registry: ${name}`, () => {
    it('store: stat gives the size without the body, and undefined for a missing object', async () => {
      const store = await makeStore();
      await store.put('m/a.bin', new Uint8Array(1234));
      expect(await store.stat?.('m/a.bin')).toEqual({ size: 1234 });
      expect(await store.stat?.('m/none.bin')).toBeUndefined();
    });

    it('a corrupt manifest is listed as damaged with its reason; the other versions stay usable', async () => {
      const store = await makeStore();
      const registry = await seeded(store);
      await store.put('iris/versions/v1.2/manifest.json', bytes('{"version": "v1.2", "createdAt'));
      await store.put('iris/versions/v1.3/manifest.json', bytes('{"version":"v9.9","createdAt":"x"}'));
      const catalog = await registry.catalog();
      expect(catalog.versions.map((v) => v.version)).toEqual(['v1.0', 'v1.1']);
      expect(catalog.damaged).toEqual([
        { version: 'v1.2', reason: 'it is not valid JSON' },
        { version: 'v1.3', reason: 'its version field is "v9.9", not "v1.3"' },
      ]);
      expect((await registry.summaries()).map((v) => v.version)).toEqual(['v1.0', 'v1.1']);
      const error = await rejectionOf(registry.load('v1.2'));
      expect(error.code).toBe('MLOPS_REGISTRY_E4016');
      expect(error.message).toContain('iris v1.2');
      expect(error.hint).toContain('mlops models verify');
      expect((await registry.load('v1.1')).manifest.version).toBe('v1.1');
      expect((await rejectionOf(registry.manifest('v9.9'))).hint).toBe(
        'Known versions: v1.0 (staging), v1.1 (production), v1.3 (newest, damaged), and 1 more (mlops models list).',
      );
      // numbering goes on after the damaged ones
      expect((await registry.createVersion(newVersion())).version).toBe('v1.4');
    });

    it('a manifest pointing outside its version (artifact "../x") is damaged, never followed', async () => {
      const store = await makeStore();
      const registry = await seeded(store);
      const manifest = await registry.manifest('v1.3');
      const evil = { ...manifest, artifacts: [{ ...manifest.artifacts[0], name: '../v1.0/weights.bin' }] };
      await store.put('iris/versions/v1.3/manifest.json', bytes(JSON.stringify(evil)));
      expect(await codeOf(registry.load('v1.3'))).toBe('MLOPS_REGISTRY_E4016');
      expect((await registry.catalog()).damaged.map((d) => d.reason)).toEqual([
        'artifact name "../v1.0/weights.bin" is not allowed',
      ]);
    });

    it('gc runs past a damaged manifest, reports it, and never deletes it', async () => {
      const store = await makeStore();
      const registry = new ModelRegistry(store, 'iris');
      const old = () => new Date(Date.now() - 200 * DAY);
      for (let i = 0; i < 3; i++) await registry.createVersion(newVersion({ now: old }));
      await registry.createVersion(newVersion());
      await store.put('iris/versions/v1.1/manifest.json', bytes('garbage'));
      const result = await collectGarbage({
        registry,
        io: new MemoryIoHost(),
        olderThanMs: 90 * DAY,
        keepLastAliasChanges: 0,
        yes: true,
      });
      expect(result.removed).toEqual(['v1.0', 'v1.2']);
      expect(result.damaged).toEqual([{ version: 'v1.1', reason: 'it is not valid JSON' }]);
      expect(new TextDecoder().decode(await store.get('iris/versions/v1.1/manifest.json'))).toBe('garbage');
    });

    it('verify checks every sha256: ok, damaged manifest, same-size corruption, missing artifact', async () => {
      const store = await makeStore();
      const registry = await seeded(store);
      await store.put('iris/versions/v1.1/manifest.json', bytes(''));
      await store.put('iris/versions/v1.2/weights.bin', new Uint8Array([1, 2, 3, 5]));
      await store.delete(['iris/versions/v1.3/model.json']);
      const checks = await registry.verify();
      expect(checks.map((c) => [c.version, c.status])).toEqual([
        ['v1.0', 'ok'],
        ['v1.1', 'damaged'],
        ['v1.2', 'mismatch'],
        ['v1.3', 'mismatch'],
      ]);
      expect(checks[0]).toMatchObject({ artifacts: 2, problems: [] });
      expect(checks[1]).toMatchObject({ reason: 'it is empty' });
      expect(checks[2]?.problems).toEqual([
        { artifact: 'weights.bin', problem: 'does not match its sha256 in the manifest' },
      ]);
      expect(checks[3]?.problems).toEqual([{ artifact: 'model.json', problem: 'is missing' }]);
      expect((await registry.verify('v1.0')).map((c) => c.status)).toEqual(['ok']);
      expect(await codeOf(registry.verify('v7.0'))).toBe('MLOPS_REGISTRY_E4001');
    });

    it('a garbage alias is a clear error naming its repair; promote --force repairs it, in history', async () => {
      const store = await makeStore();
      const registry = await seeded(store);
      await store.put('iris/aliases/production.json', bytes('\u0000\u0001 not json'));
      // one at a time: a call started early could reject before anything awaits it (unhandled)
      for (const attempt of [() => registry.resolve('production'), () => promoteIt(registry, 'v1.2')]) {
        const error = await rejectionOf(attempt());
        expect(error.code).toBe('MLOPS_REGISTRY_E4017');
        expect(error.message).toBe(
          `The alias "production" of iris in ${store.uri} is damaged: it is not valid JSON.`,
        );
        // the version the alias last pointed to, from its history
        expect(error.hint).toContain('`mlops promote v1.1 --alias production --force`');
      }
      expect(await codeOf(registry.rollback('production', 'me'))).toBe('MLOPS_REGISTRY_E4017');
      // listings stay usable
      expect(await registry.aliasTable()).toEqual({
        aliases: { staging: 'v1.0' },
        damaged: [
          {
            alias: 'production',
            reason: 'it is not valid JSON',
            repair: 'mlops promote v1.1 --alias production --force',
          },
        ],
      });

      const repaired = await promoteIt(registry, 'v1.1', { force: true });
      expect(repaired).toMatchObject({ version: 'v1.1', previous: null, changed: true, repaired: true });
      expect(await registry.resolve('production')).toBe('v1.1');
      expect((await registry.history('production')).at(-1)).toMatchObject({
        action: 'repair',
        from: null,
        to: 'v1.1',
        by: 'me',
        reason: 'it is not valid JSON',
      });
      // the repair put it back where it stood, so one rollback goes to v1.0 as before the damage
      expect((await registry.rollback('production', 'me')).to).toBe('v1.0');
      // --force on a readable alias is an ordinary promotion
      expect(await promoteIt(registry, 'v1.2', { force: true })).toMatchObject({ repaired: false });
    });

    it('an alias object naming no version is damaged too', async () => {
      const store = await makeStore();
      const registry = await seeded(store);
      await store.put('iris/aliases/staging.json', bytes('{"version":"../../etc"}'));
      const error = await rejectionOf(registry.resolve('staging'));
      expect(error.code).toBe('MLOPS_REGISTRY_E4017');
      expect(error.message).toContain('it names no version');
      expect(await codeOf(registry.aliases())).toBe('MLOPS_REGISTRY_E4017');
    });

    it('promote refuses a version with a missing or truncated artifact; --verify catches same-size corruption', async () => {
      const store = await makeStore();
      const registry = await seeded(store);
      await store.delete(['iris/versions/v1.2/weights.bin']);
      const missing = await rejectionOf(promoteIt(registry, 'v1.2'));
      expect(missing.code).toBe('MLOPS_REGISTRY_E4002');
      expect(missing.message).toContain('artifact weights.bin is missing');
      await store.put('iris/versions/v1.3/weights.bin', new Uint8Array([1, 2]));
      const truncated = await rejectionOf(promoteIt(registry, 'v1.3'));
      expect(truncated.message).toContain('weights.bin has 2 bytes where its manifest records 4');
      expect(truncated.hint).toContain('mlops models verify v1.3');
      expect(await registry.resolve('production')).toBe('v1.1');

      await store.put('iris/versions/v1.0/weights.bin', new Uint8Array([4, 3, 2, 1]));
      expect(await codeOf(promoteIt(registry, 'v1.0', { verify: true }))).toBe('MLOPS_REGISTRY_E4002');
      expect(await registry.resolve('production')).toBe('v1.1');
      // the size check alone cannot see it (that is what --verify is for)
      expect(await promoteIt(registry, 'v1.0')).toMatchObject({ changed: true });
    });

    it('rollback refuses to go back to a version whose artifacts are gone', async () => {
      const store = await makeStore();
      const registry = await seeded(store);
      await store.delete(['iris/versions/v1.0/weights.bin']);
      const error = await rejectionOf(
        rollback({ registry, alias: 'production', actor: 'me', io: new MemoryIoHost() }),
      );
      expect(error.code).toBe('MLOPS_REGISTRY_E4002');
      expect(error.message).toContain(
        'Cannot roll production back to iris v1.0: artifact weights.bin is missing',
      );
      expect(await registry.resolve('production')).toBe('v1.1');
    });

    it('names that try to leave their place are usage errors (MLOPS_USAGE_E1010), not corruption', async () => {
      const registry = await seeded(await makeStore());
      for (const ref of ['../../etc', 'a/b', '..', '.', 'v1.0/../v1.1', '..\\x']) {
        expect(await codeOf(registry.resolve(ref)), ref).toBe('MLOPS_USAGE_E1010');
        expect(await codeOf(registry.manifest(ref)), ref).toBe('MLOPS_USAGE_E1010');
        expect(await codeOf(registry.alias(ref)), ref).toBe('MLOPS_USAGE_E1010');
        expect(await codeOf(registry.setAlias(ref, 'v1.0', 'x')), ref).toBe('MLOPS_USAGE_E1010');
        expect(await codeOf(registry.rollback(ref, 'x')), ref).toBe('MLOPS_USAGE_E1010');
      }
      const error = await rejectionOf(registry.resolve('../../etc'));
      expect(error.source).toBe('usage');
      expect(error.hint).not.toContain('../../etc');
    });

    it('an alias named like a version is refused, and never suggested', async () => {
      const registry = await seeded(await makeStore());
      for (const alias of ['v1', 'v2', 'v1-0']) {
        const error = await rejectionOf(registry.setAlias(alias, 'v1.0', 'x'));
        expect(error.code).toBe('MLOPS_USAGE_E1002');
        expect(error.message).toContain('looks like a version');
      }
      const unknown = await rejectionOf(registry.resolve('v1'));
      expect(unknown.code).toBe('MLOPS_REGISTRY_E4003');
      expect(unknown.hint).not.toContain('--alias v1');
      expect(unknown.hint).toContain('production, staging');
      expect((await rejectionOf(registry.resolve('canary'))).hint).toContain('--alias canary');
    });

    it('"not found" names the aliased versions and the newest, and counts the rest', async () => {
      const registry = await seeded(await makeStore());
      for (let i = 0; i < 3; i++) await registry.createVersion(newVersion());
      const error = await rejectionOf(registry.manifest('v9.9'));
      expect(error.code).toBe('MLOPS_REGISTRY_E4001');
      expect(error.hint).toBe(
        'Known versions: v1.0 (staging), v1.1 (production), v1.6 (newest), and 4 more (mlops models list).',
      );
      const empty = await rejectionOf(new ModelRegistry(await makeStore(), 'iris').manifest('v1.0'));
      expect(empty.hint).toContain('mlops train --local');
    });

    it('checkWritable writes and removes its probe, leaving nothing', async () => {
      const store = await makeStore();
      await new ModelRegistry(store, 'iris').checkWritable('me');
      expect(await store.list('')).toEqual([]);
    });
  });
}
