import { describe, expect, it } from 'vitest';
import { copyVersion } from '../../src/core/copy.js';
import {
  MemoryIoHost,
  type IoAnswer,
  type IoEvent,
  type IoHost,
  type IoRequest,
  type Progress,
} from '../../src/kernel/io-host.js';
import type { ModelStore } from '../../src/core/ports/model-store.js';
import { ModelRegistry } from '../../src/core/registry.js';
import { collectGarbage } from '../../src/core/retention.js';
import { newVersion } from './registry-contract.js';
import { codeOf } from '../support/error-code.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-06-01T00:00:00Z');
const at = (ms: number) => () => new Date(ms);
const bytes = (text: string) => new TextEncoder().encode(text);

/** An IoHost that answers confirmations with `answer` (after running `before`) and records progress. */
class ScriptedIo implements IoHost {
  readonly events: IoEvent[] = [];
  readonly asked: IoRequest[] = [];
  readonly progressed: { label: string; total: number; last: number }[] = [];
  constructor(
    private readonly answer: boolean,
    private readonly before: () => Promise<void> = async () => undefined,
  ) {}
  notify<T>(event: IoEvent<T>): void {
    this.events.push(event);
  }
  async request<R extends IoRequest>(request: R): Promise<IoAnswer<R>> {
    this.asked.push(request);
    await this.before();
    return this.answer as IoAnswer<R>;
  }
  progress(label: string, total: number): Progress {
    const entry = { label, total, last: 0 };
    this.progressed.push(entry);
    return { update: (done) => void (entry.last = done), done: () => undefined };
  }
}

/**
 * v1.0 … v1.4 created 100 days ago, v1.5 today; production moved v1.0 → v1.2 → v1.3, staging → v1.1.
 */
async function seeded(store: ModelStore): Promise<ModelRegistry> {
  const registry = new ModelRegistry(store, 'iris');
  for (let i = 0; i < 5; i++) await registry.createVersion(newVersion({ now: at(NOW - 100 * DAY) }));
  await registry.createVersion(newVersion({ now: at(NOW) }));
  let t = NOW - 50 * DAY;
  const clock = () => new Date((t += 1000));
  await registry.setAlias('production', 'v1.0', 'a', 'promote', clock);
  await registry.setAlias('production', 'v1.2', 'a', 'promote', clock);
  await registry.setAlias('production', 'v1.3', 'a', 'promote', clock);
  await registry.setAlias('staging', 'v1.1', 'a', 'promote', clock);
  return registry;
}

const gc = (
  registry: ModelRegistry,
  io: IoHost = new MemoryIoHost(),
  over: { keep?: number; dryRun?: boolean; yes?: boolean } = {},
) =>
  collectGarbage({
    registry,
    io,
    olderThanMs: 90 * DAY,
    keepLastAliasChanges: over.keep ?? 1,
    dryRun: over.dryRun,
    yes: over.yes ?? true,
    now: at(NOW),
  });

/**
 * Retention and copying on any ModelStore: `makeStore` returns a fresh, empty store each call (a copy's
 * destination is another one). `tamper` overwrites an object behind mlops's back.
 */
export function registryOperationsContract(
  name: string,
  makeStore: () => Promise<ModelStore>,
  tamper: (store: ModelStore, key: string, body: Uint8Array) => Promise<void> = (store, key, body) =>
    store.put(key, body).then(() => undefined),
): void {
  describe(`models gc: ${name}`, () => {
    it('a dry run lists old versions that no alias protects and deletes nothing', async () => {
      const registry = await seeded(await makeStore());
      const result = await gc(registry, new MemoryIoHost(), { dryRun: true });
      expect(result.candidates.map((c) => c.version)).toEqual(['v1.0', 'v1.4']);
      expect(result.removed).toEqual([]);
      expect(Object.fromEntries(result.kept.map((k) => [k.version, k.reason]))).toEqual({
        'v1.1': 'aliased',
        'v1.2': 'recently-aliased',
        'v1.3': 'aliased',
        'v1.5': 'latest',
      });
      expect(await registry.versions()).toHaveLength(6);
    });

    it('never removes a version an alias pointed to within its last N changes', async () => {
      const registry = await seeded(await makeStore());
      expect((await gc(registry, new MemoryIoHost(), { dryRun: true, keep: 3 })).candidates).toEqual([
        expect.objectContaining({ version: 'v1.4' }),
      ]);
      // N = 0: only what aliases point to now (and the latest) is spared
      expect(
        (await gc(registry, new MemoryIoHost(), { dryRun: true, keep: 0 })).candidates.map((c) => c.version),
      ).toEqual(['v1.0', 'v1.2', 'v1.4']);
    });

    it('removes whole versions (manifest, artifacts, claim) and leaves aliases and rollback working', async () => {
      const store = await makeStore();
      const registry = await seeded(store);
      const result = await gc(registry);
      expect(result.removed).toEqual(['v1.0', 'v1.4']);
      expect(await registry.versions()).toEqual(['v1.1', 'v1.2', 'v1.3', 'v1.5']);
      expect(await store.list('iris/versions/v1.0/')).toEqual([]);
      expect(await store.list('iris/versions/v1.4/')).toEqual([]);
      expect(await registry.aliases()).toEqual({ production: 'v1.3', staging: 'v1.1' });
      expect((await registry.rollback('production', 'me')).to).toBe('v1.2');
      expect((await registry.createVersion(newVersion())).version).toBe('v1.6');
    });

    it('headless without --yes it names the flag and deletes nothing; a "no" deletes nothing', async () => {
      const registry = await seeded(await makeStore());
      expect(await codeOf(gc(registry, new MemoryIoHost(), { yes: false }))).toBe('MLOPS_USAGE_E1001');
      const io = new ScriptedIo(false);
      const declined = await gc(registry, io, { yes: false });
      expect(io.asked[0]).toMatchObject({ kind: 'confirm', flag: '--yes' });
      expect(declined).toMatchObject({ confirmed: false, removed: [] });
      expect(await registry.versions()).toHaveLength(6);
    });

    it('re-plans after the confirmation: a version promoted meanwhile is kept', async () => {
      const registry = await seeded(await makeStore());
      const io = new ScriptedIo(true, async () => {
        await registry.setAlias('canary', 'v1.4', 'someone');
      });
      const result = await gc(registry, io, { yes: false });
      expect(result.removed).toEqual(['v1.0']);
      expect(await registry.versions()).toContain('v1.4');
      expect(io.events.some((e) => e.event === 'gc-skipped')).toBe(true);
    });

    it('removes incomplete versions abandoned for a day, not those being written', async () => {
      const store = await makeStore();
      const registry = new ModelRegistry(store, 'iris');
      await registry.createVersion(newVersion({ now: at(NOW) }));
      const claim = (iso: string) => bytes(JSON.stringify({ by: 'crashed', at: iso, id: 'x' }));
      await store.put('iris/versions/v1.1/_claim.json', claim(new Date(NOW - 2 * DAY).toISOString()));
      await store.put('iris/versions/v1.1/weights.bin', bytes('half'));
      await store.put('iris/versions/v1.2/_claim.json', claim(new Date(NOW - 60_000).toISOString()));
      const dry = await gc(registry, new MemoryIoHost(), { dryRun: true });
      expect(dry.incomplete.map((v) => v.version)).toEqual(['v1.1']);
      const result = await gc(registry);
      expect(result.incomplete).toEqual([
        { version: 'v1.1', claimedAt: expect.any(String), claimedBy: 'crashed' },
      ]);
      expect(await store.list('iris/versions/v1.1/')).toEqual([]);
      expect(await store.list('iris/versions/v1.2/')).toEqual(['iris/versions/v1.2/_claim.json']);
      expect(await registry.versions()).toEqual(['v1.0']);
    });

    it('a deletion interrupted after the manifest leaves an invisible version that the next run clears', async () => {
      const store = await makeStore();
      const registry = await seeded(store);
      let deletes = 0;
      const flaky: ModelStore = {
        uri: store.uri,
        get: (k) => store.get(k),
        stat: (k) => store.stat(k),
        put: (k, b, o) => store.put(k, b, o),
        list: (p) => store.list(p),
        delete: async (keys) => {
          if (++deletes === 2) throw new Error('connection reset');
          return store.delete(keys);
        },
      };
      // keep 3: v1.4 is the only candidate, so the failing call is its artifacts' deletion
      await expect(gc(new ModelRegistry(flaky, 'iris'), new MemoryIoHost(), { keep: 3 })).rejects.toThrow(
        'connection reset',
      );
      // v1.4 lost its manifest first: it is gone as a whole, never half-visible
      expect(await registry.versions()).not.toContain('v1.4');
      expect(await codeOf(registry.load('v1.4'))).toBe('MLOPS_REGISTRY_E4001');
      expect(await store.list('iris/versions/v1.4/')).not.toEqual([]);
      const again = await gc(registry, new MemoryIoHost(), { keep: 3 });
      expect(again.incomplete.map((v) => v.version)).toEqual(['v1.4']);
      expect(await store.list('iris/versions/v1.4/')).toEqual([]);
    });
  });

  describe(`models copy: ${name}`, () => {
    it('copies a version keeping its name and manifest, verified on arrival; again is a no-op', async () => {
      const source = await seeded(await makeStore());
      const target = new ModelRegistry(await makeStore(), 'iris');
      const io = new MemoryIoHost();
      const result = await copyVersion({ source, target, ref: 'v1.3', actor: 'me', io });
      expect(result).toMatchObject({ version: 'v1.3', copied: true, artifacts: 2 });
      expect(await target.manifest('v1.3')).toEqual(await source.manifest('v1.3'));
      const loaded = await target.load('v1.3');
      expect([...(loaded.artifacts['weights.bin'] ?? [])]).toEqual([1, 2, 3, 4]);
      expect(await target.versions()).toEqual(['v1.3']);
      // by alias, and again: already there, nothing written
      const again = await copyVersion({ source, target, ref: 'production', actor: 'me', io });
      expect(again).toMatchObject({ version: 'v1.3', copied: false });
      // the destination numbers new versions after the copy
      expect((await target.createVersion(newVersion())).version).toBe('v1.4');
    });

    it('streams a large artifact with progress', async () => {
      const source = new ModelRegistry(await makeStore(), 'iris');
      const weights = new Uint8Array(9 * 1024 * 1024).map((_, i) => (i * 13) % 256);
      await source.createVersion(newVersion({ artifacts: { 'weights.bin': weights } }));
      const io = new ScriptedIo(true);
      const target = new ModelRegistry(await makeStore(), 'iris', { io });
      await copyVersion({ source, target, ref: 'v1.0', actor: 'me', io });
      expect(io.progressed[0]).toMatchObject({
        label: expect.stringContaining('Copying iris v1.0'),
        total: 9,
        last: 9,
      });
      expect(
        Buffer.from((await target.load('v1.0')).artifacts['weights.bin']!).equals(Buffer.from(weights)),
      ).toBe(true);
    });

    it('refuses when the destination has that version with different content', async () => {
      const source = await seeded(await makeStore());
      const target = new ModelRegistry(await makeStore(), 'iris');
      await target.createVersion(newVersion({ metrics: { accuracy: 0.1 } }));
      expect(
        await codeOf(copyVersion({ source, target, ref: 'v1.0', actor: 'me', io: new MemoryIoHost() })),
      ).toBe('MLOPS_REGISTRY_E4014');
      expect((await target.manifest('v1.0')).metrics.accuracy).toBe(0.1);
    });

    it('a tampered source artifact is refused and leaves no trace in the destination', async () => {
      const sourceStore = await makeStore();
      const source = await seeded(sourceStore);
      await tamper(sourceStore, 'iris/versions/v1.2/weights.bin', new Uint8Array([9, 9, 9, 9]));
      const targetStore = await makeStore();
      const target = new ModelRegistry(targetStore, 'iris');
      expect(
        await codeOf(copyVersion({ source, target, ref: 'v1.2', actor: 'me', io: new MemoryIoHost() })),
      ).toBe('MLOPS_REGISTRY_E4002');
      expect(await targetStore.list('')).toEqual([]);
    });

    it('verifies on arrival: a destination that stores different bytes is caught before the manifest', async () => {
      const source = await seeded(await makeStore());
      const store = await makeStore();
      const corrupting: ModelStore = {
        uri: store.uri,
        get: (k) => store.get(k),
        stat: (k) => store.stat(k),
        put: (k, b, o) => store.put(k, k.endsWith('weights.bin') ? b.map((x) => x ^ 1) : b, o),
        list: (p) => store.list(p),
        delete: (k) => store.delete(k),
      };
      const target = new ModelRegistry(corrupting, 'iris');
      expect(
        await codeOf(copyVersion({ source, target, ref: 'v1.1', actor: 'me', io: new MemoryIoHost() })),
      ).toBe('MLOPS_REGISTRY_E4002');
      expect(await store.list('')).toEqual([]);
    });

    it('a version claimed by another writer in the destination is refused; an interrupted copy resumes', async () => {
      const source = await seeded(await makeStore());
      const store = await makeStore();
      const target = new ModelRegistry(store, 'iris');
      await store.put(
        'iris/versions/v1.1/_claim.json',
        bytes('{"by":"other","at":"2026-01-01T00:00:00Z","id":"x"}'),
      );
      expect(
        await codeOf(copyVersion({ source, target, ref: 'v1.1', actor: 'me', io: new MemoryIoHost() })),
      ).toBe('MLOPS_REGISTRY_E4015');

      // an earlier copy of v1.2 died after its claim and one artifact
      let puts = 0;
      const dying: ModelStore = {
        uri: store.uri,
        get: (k) => store.get(k),
        stat: (k) => store.stat(k),
        put: async (k, b, o) => {
          if (k.endsWith('model.json') && ++puts === 1) throw new Error('killed');
          return store.put(k, b, o);
        },
        list: (p) => store.list(p),
        delete: async () => {
          throw new Error('killed'); // no cleanup either
        },
      };
      await expect(
        copyVersion({
          source,
          target: new ModelRegistry(dying, 'iris'),
          ref: 'v1.2',
          actor: 'me',
          io: new MemoryIoHost(),
        }),
      ).rejects.toThrow('killed');
      expect(await target.versions()).toEqual([]);
      const resumed = await copyVersion({ source, target, ref: 'v1.2', actor: 'me', io: new MemoryIoHost() });
      expect(resumed.copied).toBe(true);
      expect(await target.versions()).toEqual(['v1.2']);
    });

    it('refuses to copy a registry onto itself', async () => {
      const source = await seeded(await makeStore());
      expect(
        await codeOf(
          copyVersion({ source, target: source, ref: 'v1.0', actor: 'me', io: new MemoryIoHost() }),
        ),
      ).toBe('MLOPS_USAGE_E1002');
    });
  });
}
