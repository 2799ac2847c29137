import { describe, expect, it } from 'vitest';
import { ModelSlot } from '../../src/serving/model-slot.js';
import { ServedModel } from '../../src/serving/served-model.js';
import { fakePredictor } from './fixture.js';

const served = (version: string) => {
  const predictor = fakePredictor(version);
  return {
    predictor,
    model: new ServedModel('toy', { version, predictor }, { maxBatchSize: 8, maxBatchWaitMs: 0 }),
  };
};

describe('ModelSlot', () => {
  it('is 503 before the first swap', () => {
    expect(() => new ModelSlot('toy').acquire()).toThrow(expect.objectContaining({ status: 503 }));
  });

  it('a model swapped out is freed when the last request holding it is released, not before', () => {
    const slot = new ModelSlot('toy');
    const v1 = served('v1.0');
    const v2 = served('v1.1');
    const v3 = served('v1.2');
    slot.swap(v1.model);
    const a = slot.acquire();
    const b = slot.acquire();
    slot.swap(v2.model);
    const c = slot.acquire();
    expect([a, b, c].map((m) => m.version)).toEqual(['v1.0', 'v1.0', 'v1.1']);
    slot.swap(v3.model); // v1.1 leaves while held too
    slot.release(a);
    expect(v1.predictor.disposed).toBe(false);
    slot.release(b);
    expect(v1.predictor.disposed).toBe(true);
    expect(v2.predictor.disposed).toBe(false);
    slot.release(c);
    expect(v2.predictor.disposed).toBe(true);
    expect(v3.predictor.disposed).toBe(false);
    expect(slot.current?.version).toBe('v1.2');
  });

  it('a model nobody holds is freed at the swap; after close nothing is acquired or swapped in', () => {
    const slot = new ModelSlot('toy');
    const v1 = served('v1.0');
    const v2 = served('v1.1');
    const late = served('v1.2');
    slot.swap(v1.model);
    slot.swap(v2.model);
    expect(v1.predictor.disposed).toBe(true);
    const held = slot.acquire();
    slot.close();
    expect(() => slot.acquire()).toThrow(expect.objectContaining({ status: 503 }));
    expect(slot.swap(late.model)).toBe(false);
    expect(late.predictor.disposed).toBe(true);
    expect(v2.predictor.disposed).toBe(false); // its request is still being answered
    slot.release(held);
    expect(v2.predictor.disposed).toBe(true);
    expect(slot.current?.version).toBe('v1.1');
  });
});
