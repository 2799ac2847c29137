import { describe, expect, it } from 'vitest';
import { ModelRegistry } from '../../src/core/registry.js';
import { mapLimit } from '../../src/core/registry/map-limit.js';
import { registryContract } from './registry-contract.js';
import { MemoryStore } from './memory-store.js';

// A store without the optional streaming methods: the registry's fallbacks (whole get/put) keep the
// whole contract.
registryContract('in-memory store without streaming', async () => new MemoryStore(), undefined, {
  noStreaming: 'this store implements only whole-object get and put',
});

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/** 1,000 versions written straight into the store (registering them one by one would take minutes). */
function seed(store: MemoryStore, count: number): void {
  for (let i = 0; i < count; i++) {
    const version = `v1.${i}`;
    store.objects.set(`iris/versions/${version}/_claim.json`, encode({}));
    store.objects.set(`iris/versions/${version}/weights.bin`, new Uint8Array([1]));
    store.objects.set(
      `iris/versions/${version}/manifest.json`,
      encode({
        version,
        createdAt: new Date(i * 1000).toISOString(),
        metrics: { accuracy: i / count },
        artifacts: [],
      }),
    );
  }
  store.objects.set('iris/aliases/production.json', encode({ version: 'v1.999' }));
}

describe('listing at scale', () => {
  it('reads the manifests of 1,000 versions in parallel, at most 32 at a time', async () => {
    const store = new MemoryStore(5);
    seed(store, 1000);
    const summaries = await new ModelRegistry(store, 'iris').summaries();
    expect(summaries).toHaveLength(1000);
    expect(summaries[0]?.version).toBe('v1.0');
    expect(summaries.at(-1)).toMatchObject({ version: 'v1.999', aliases: ['production'] });
    // Parallel, not sequential (1,000 × 5 ms): 32 reads were in flight at once, and each manifest
    // was read once.
    expect(store.maxInFlight).toBe(32);
    expect(store.gets).toBe(1000 + 1); // the manifests and the alias
  });

  it('the bound is configurable', async () => {
    const store = new MemoryStore(1);
    seed(store, 100);
    await new ModelRegistry(store, 'iris', { concurrency: 4 }).summaries();
    expect(store.maxInFlight).toBe(4);
  });

  it('a version deleted between the listing and the read is skipped, not an error', async () => {
    const store = new MemoryStore();
    seed(store, 3);
    const registry = new ModelRegistry(store, 'iris');
    const get = store.get.bind(store);
    store.get = async (key) => (key === 'iris/versions/v1.1/manifest.json' ? undefined : get(key));
    expect((await registry.summaries()).map((s) => s.version)).toEqual(['v1.0', 'v1.2']);
  });

  it('mapLimit keeps order, bounds concurrency and stops after a failure', async () => {
    let running = 0;
    let most = 0;
    const out = await mapLimit([5, 1, 3, 2, 4], 2, async (x) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, x));
      running--;
      return x * 10;
    });
    expect(out).toEqual([50, 10, 30, 20, 40]);
    expect(most).toBe(2);
    const started: number[] = [];
    await expect(
      mapLimit([1, 2, 3, 4, 5, 6], 1, async (x) => {
        started.push(x);
        if (x === 2) throw new Error('boom');
        return x;
      }),
    ).rejects.toThrow('boom');
    expect(started).toEqual([1, 2]);
  });
});
