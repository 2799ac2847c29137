import { describe, expect, it } from 'vitest';
import type { ModelStore } from '../../src/core/ports/model-store.js';
import { ModelRegistry, type NewVersion } from '../../src/core/registry.js';
import { codeOf } from '../support/error-code.js';

const bytes = (text: string) => new TextEncoder().encode(text);

export const newVersion = (over: Partial<NewVersion> = {}): NewVersion => ({
  artifacts: { 'model.json': bytes('{"modelTopology":{}}'), 'weights.bin': new Uint8Array([1, 2, 3, 4]) },
  createdBy: 'tester',
  data: { source: 'data/iris.csv', sha256: 'abc', rows: 150 },
  parameters: { epochs: 10 },
  metrics: { accuracy: 0.9 },
  ...over,
});

export interface ContractOptions {
  /**
   * Why the server under test cannot honour exclusive creation (`ifAbsent`, i.e. `If-None-Match: *`
   * on S3). Only the cases that depend on it are skipped, with this reason in their title; the
   * filesystem store runs them all, so the registry logic they cover stays tested.
   */
  readonly noExclusiveCreate?: string;
  /**
   * Why the store has no streaming methods (getStream/putStream are optional in ModelStore): the
   * streaming cases are skipped with this reason in their title. A store without it must stream.
   */
  readonly noStreaming?: string;
}

/**
 * The registry rules of DESIGN.md §4, run unchanged against every ModelStore implementation.
 * `makeStore` returns a fresh, empty store; `tamper` overwrites an object behind mlops's back.
 */
export function registryContract(
  name: string,
  makeStore: () => Promise<ModelStore>,
  tamper: (store: ModelStore, key: string, body: Uint8Array) => Promise<void> = (store, key, body) =>
    store.put(key, body).then(() => undefined),
  options: ContractOptions = {},
): void {
  /** A case skipped, with the reason in its title, when the store under test cannot run it. */
  const unless = (reason: string | undefined) => (title: string, fn: () => Promise<void>) =>
    reason ? it.skip(`${title} [skipped: ${reason}]`, fn) : it(title, fn);
  /** A case that relies on the store refusing to create an existing key. */
  const exclusive = unless(options.noExclusiveCreate);
  /** A case of the optional streaming methods. */
  const streaming = unless(options.noStreaming);
  /** A case that relies on both. */
  const streamingExclusive = unless(options.noStreaming ?? options.noExclusiveCreate);

  /** The store, with its streaming methods: a store not declared `noStreaming` must have them. */
  const withStreams = (store: ModelStore): Required<Pick<ModelStore, 'getStream' | 'putStream'>> => {
    if (store.getStream && store.putStream) return store as Required<ModelStore>;
    throw new Error(`${name} has no getStream/putStream: pass noStreaming with the reason`);
  };

  describe(`registry contract: ${name}`, () => {
    it('store: get of a missing key is undefined; put/get round-trips; list is sorted and recursive', async () => {
      const store = await makeStore();
      expect(await store.get('m/none')).toBeUndefined();
      await store.put('m/b/x.json', bytes('2'));
      await store.put('m/a.json', bytes('1'));
      expect(new TextDecoder().decode(await store.get('m/b/x.json'))).toBe('2');
      expect(await store.list('m/')).toEqual(['m/a.json', 'm/b/x.json']);
      expect(await store.list('other/')).toEqual([]);
    });

    exclusive('store: ifAbsent creates exclusively and never overwrites', async () => {
      const store = await makeStore();
      expect(await store.put('k.json', bytes('first'), { ifAbsent: true })).toBe(true);
      expect(await store.put('k.json', bytes('second'), { ifAbsent: true })).toBe(false);
      expect(new TextDecoder().decode(await store.get('k.json'))).toBe('first');
    });

    it('numbers versions v1.0, v1.1 … and --major starts v2.0', async () => {
      const registry = new ModelRegistry(await makeStore(), 'iris');
      expect((await registry.createVersion(newVersion())).version).toBe('v1.0');
      expect((await registry.createVersion(newVersion())).version).toBe('v1.1');
      expect((await registry.createVersion(newVersion({ major: true }))).version).toBe('v2.0');
      expect((await registry.createVersion(newVersion())).version).toBe('v2.1');
      expect(await registry.versions()).toEqual(['v1.0', 'v1.1', 'v2.0', 'v2.1']);
    });

    it('records sha256 and size of every artifact in the manifest, and loads them back verified', async () => {
      const registry = new ModelRegistry(await makeStore(), 'iris');
      const manifest = await registry.createVersion(newVersion());
      expect(manifest.artifacts.map((a) => a.name)).toEqual(['model.json', 'weights.bin']);
      expect(manifest.artifacts[1]).toMatchObject({
        size: 4,
        sha256: '9f64a747e1b97f131fabb6b447296c9b6f0201e79fb3c5356e6c77e89b6a806a',
      });
      const loaded = await registry.load('v1.0');
      expect([...(loaded.artifacts['weights.bin'] ?? [])]).toEqual([1, 2, 3, 4]);
    });

    it('versions are immutable: a second writer never overwrites an existing version', async () => {
      const store = await makeStore();
      const registry = new ModelRegistry(store, 'iris');
      await registry.createVersion(newVersion({ metrics: { accuracy: 0.5 } }));
      await registry.createVersion(newVersion({ metrics: { accuracy: 0.7 } }));
      expect((await registry.manifest('v1.0')).metrics.accuracy).toBe(0.5);
      expect((await registry.manifest('v1.1')).metrics.accuracy).toBe(0.7);
    });

    it('a version without a manifest is invisible and its number is skipped, not reused', async () => {
      const store = await makeStore();
      const registry = new ModelRegistry(store, 'iris');
      await registry.createVersion(newVersion());
      // a crashed writer: claim and an artifact, no manifest
      await store.put('iris/versions/v1.1/_claim.json', bytes('{}'), { ifAbsent: true });
      await store.put('iris/versions/v1.1/model.json', bytes('half'));
      expect(await registry.versions()).toEqual(['v1.0']);
      expect(await codeOf(registry.load('v1.1'))).toBe('MLOPS_REGISTRY_E4001');
      expect((await registry.createVersion(newVersion())).version).toBe('v1.2');
    });

    it('refuses to load a tampered artifact', async () => {
      const store = await makeStore();
      const registry = new ModelRegistry(store, 'iris');
      await registry.createVersion(newVersion());
      await tamper(store, 'iris/versions/v1.0/weights.bin', new Uint8Array([1, 2, 3, 5]));
      expect(await codeOf(registry.load('v1.0'))).toBe('MLOPS_REGISTRY_E4002');
    });

    exclusive(
      'concurrent registrations each get their own version and never overwrite each other',
      async () => {
        const store = await makeStore();
        const registries = Array.from({ length: 6 }, () => new ModelRegistry(store, 'iris'));
        const manifests = await Promise.all(
          registries.map((r, i) =>
            r.createVersion(
              newVersion({ metrics: { accuracy: i }, artifacts: { 'weights.bin': bytes(`w${i}`) } }),
            ),
          ),
        );
        const names = manifests.map((m) => m.version).sort();
        expect(new Set(names).size).toBe(6);
        expect(await registries[0]!.versions()).toHaveLength(6);
        for (const m of manifests) {
          const loaded = await registries[0]!.load(m.version);
          expect(new TextDecoder().decode(loaded.artifacts['weights.bin'])).toBe(`w${m.metrics.accuracy}`);
        }
      },
    );

    it('aliases point at versions; every change is appended to history; rollback undoes promotions', async () => {
      const registry = new ModelRegistry(await makeStore(), 'iris');
      for (let i = 0; i < 3; i++) await registry.createVersion(newVersion());
      let t = Date.parse('2026-01-01T00:00:00Z');
      const clock = () => new Date((t += 1000));
      await registry.setAlias('production', 'v1.0', 'alice', 'promote', clock);
      await registry.setAlias('production', 'v1.2', 'bob', 'promote', clock);
      await registry.setAlias('staging', 'v1.1', 'bob', 'promote', clock);
      expect(await registry.alias('production')).toMatchObject({
        version: 'v1.2',
        previous: 'v1.0',
        updatedBy: 'bob',
      });
      expect(await registry.aliases()).toEqual({ production: 'v1.2', staging: 'v1.1' });

      const back = await registry.rollback('production', 'carol', clock);
      expect(back).toMatchObject({ action: 'rollback', from: 'v1.2', to: 'v1.0', by: 'carol' });
      expect(await registry.resolve('production')).toBe('v1.0');
      expect(await codeOf(registry.rollback('production', 'carol', clock))).toBe('MLOPS_REGISTRY_E4004');

      const history = await registry.history('production');
      expect(history.map((h) => [h.action, h.from, h.to])).toEqual([
        ['promote', null, 'v1.0'],
        ['promote', 'v1.0', 'v1.2'],
        ['rollback', 'v1.2', 'v1.0'],
      ]);
      expect(await registry.history()).toHaveLength(4);
    });

    it('rejects aliases to unknown versions and bad names', async () => {
      const registry = new ModelRegistry(await makeStore(), 'iris');
      await registry.createVersion(newVersion());
      expect(await codeOf(registry.setAlias('production', 'v9.9', 'x'))).toBe('MLOPS_REGISTRY_E4001');
      expect(await codeOf(registry.setAlias('Prod!', 'v1.0', 'x'))).toBe('MLOPS_USAGE_E1002');
      expect(await codeOf(registry.resolve('v1'))).toBe('MLOPS_REGISTRY_E4003');
      expect(await codeOf(registry.manifest('1.0'))).toBe('MLOPS_REGISTRY_E4006');
    });

    exclusive(
      'history entries in the same millisecond are all kept, in the order they were made',
      async () => {
        const registry = new ModelRegistry(await makeStore(), 'iris');
        await registry.createVersion(newVersion());
        await registry.createVersion(newVersion());
        await registry.createVersion(newVersion());
        const fixed = () => new Date('2026-01-01T00:00:00.000Z');
        await registry.setAlias('production', 'v1.0', 'a', 'promote', fixed);
        await registry.setAlias('production', 'v1.1', 'a', 'promote', fixed);
        await registry.setAlias('production', 'v1.2', 'a', 'promote', fixed);
        expect((await registry.history('production')).map((h) => [h.from, h.to])).toEqual([
          [null, 'v1.0'],
          ['v1.0', 'v1.1'],
          ['v1.1', 'v1.2'],
        ]);
        // rollback replays that order: back to v1.1, not to whatever sorted last
        expect((await registry.rollback('production', 'a')).to).toBe('v1.1');
      },
    );

    it('store: delete removes keys, absent keys are not an error', async () => {
      const store = await makeStore();
      await store.put('m/a.json', bytes('1'));
      await store.put('m/b/c.bin', bytes('2'));
      await store.delete(['m/a.json', 'm/none.json']);
      expect(await store.list('m/')).toEqual(['m/b/c.bin']);
      await store.delete(['m/b/c.bin']);
      expect(await store.list('m/')).toEqual([]);
      expect(await store.get('m/a.json')).toBeUndefined();
    });

    streaming('store: streaming read and write round-trip a body of many chunks', async () => {
      const store = await makeStore();
      const streams = withStreams(store);
      const body = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => (i * 7) % 251);
      const chunks = async function* () {
        for (let i = 0; i < body.length; i += 256 * 1024) yield body.subarray(i, i + 256 * 1024);
      };
      let reported = 0;
      expect(
        await streams.putStream('m/big.bin', chunks(), {
          size: body.length,
          onProgress: (n) => (reported = n),
        }),
      ).toBe(true);
      expect(reported).toBe(body.length);
      const parts: Uint8Array[] = [];
      for await (const chunk of (await streams.getStream('m/big.bin'))!) parts.push(chunk);
      expect(Buffer.concat(parts).equals(Buffer.from(body))).toBe(true);
      expect(await streams.getStream('m/none.bin')).toBeUndefined();
      expect(await store.list('m/')).toEqual(['m/big.bin']);
    });

    streamingExclusive('store: a streamed ifAbsent write never overwrites', async () => {
      const store = await makeStore();
      const streams = withStreams(store);
      const one = async function* (text: string) {
        yield bytes(text);
      };
      expect(await streams.putStream('k.bin', one('first'), { ifAbsent: true })).toBe(true);
      expect(await streams.putStream('k.bin', one('second'), { ifAbsent: true })).toBe(false);
      expect(new TextDecoder().decode(await store.get('k.bin'))).toBe('first');
    });

    it('loads a multi-megabyte artifact verified, and refuses it when one byte changes', async () => {
      const store = await makeStore();
      const registry = new ModelRegistry(store, 'iris');
      const weights = new Uint8Array(5 * 1024 * 1024).map((_, i) => i % 256);
      await registry.createVersion(newVersion({ artifacts: { 'weights.bin': weights } }));
      const loaded = await registry.load('v1.0');
      expect(Buffer.from(loaded.artifacts['weights.bin']!).equals(Buffer.from(weights))).toBe(true);
      const tampered = weights.slice();
      tampered[tampered.length - 1] = (weights[weights.length - 1] ?? 0) ^ 1;
      await tamper(store, 'iris/versions/v1.0/weights.bin', tampered);
      expect(await codeOf(registry.load('v1.0'))).toBe('MLOPS_REGISTRY_E4002');
    });

    it('a truncated or missing artifact is refused, never loaded', async () => {
      const store = await makeStore();
      const registry = new ModelRegistry(store, 'iris');
      await registry.createVersion(newVersion());
      await tamper(store, 'iris/versions/v1.0/weights.bin', new Uint8Array([1, 2]));
      expect(await codeOf(registry.load('v1.0'))).toBe('MLOPS_REGISTRY_E4002');
      await store.delete(['iris/versions/v1.0/weights.bin']);
      expect(await codeOf(registry.load('v1.0'))).toBe('MLOPS_REGISTRY_E4002');
    });

    it('listing reads every manifest of many versions', async () => {
      const registry = new ModelRegistry(await makeStore(), 'iris', { concurrency: 4 });
      for (let i = 0; i < 25; i++)
        await registry.createVersion(newVersion({ metrics: { accuracy: i / 100 } }));
      await registry.setAlias('production', 'v1.7', 'me');
      const summaries = await registry.summaries();
      expect(summaries).toHaveLength(25);
      expect(summaries[7]).toMatchObject({
        version: 'v1.7',
        metrics: { accuracy: 0.07 },
        aliases: ['production'],
      });
      expect(summaries.map((s) => s.version).at(-1)).toBe('v1.24');
    });

    it('lists the models of a store', async () => {
      const store = await makeStore();
      await new ModelRegistry(store, 'wine').createVersion(newVersion());
      await new ModelRegistry(store, 'iris').createVersion(newVersion());
      expect(await ModelRegistry.models(store)).toEqual(['iris', 'wine']);
    });
  });
}
