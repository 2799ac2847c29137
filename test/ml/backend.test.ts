import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { loadTf } from '../../src/ml/backend.js';
import { rejectionOf } from '../support/error-code.js';

const tfjsNodeInstalled = ((): boolean => {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
})();

describe('loadTf', () => {
  it('picks a backend automatically and reports it', async () => {
    const { tf, backend } = await loadTf();
    expect(['tensorflow', 'wasm', 'cpu']).toContain(backend);
    expect(tf.getBackend()).toBe(backend);
    expect(Array.from(tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).dataSync()))).toEqual([
      4, 6,
    ]);
  });

  it('is memoized: the same tf instance every time', async () => {
    const a = await loadTf();
    const b = await loadTf();
    expect(b.tf).toBe(a.tf);
    expect(b.backend).toBe(a.backend);
  });

  it('switches to an explicitly requested backend and back', async () => {
    const auto = await loadTf('auto');
    const cpu = await loadTf('cpu');
    expect(cpu.backend).toBe('cpu');
    expect(cpu.tf.getBackend()).toBe('cpu');
    const again = await loadTf('auto');
    expect(again.backend).toBe(auto.backend);
    expect(again.tf.getBackend()).toBe(auto.backend);
  });

  it.skipIf(tfjsNodeInstalled)('explains how to get an unavailable backend', async () => {
    const err = await rejectionOf(loadTf('tensorflow'));
    expect(err.code).toBe('MLOPS_ENV_E6001');
    expect(err.hint).toContain('@tensorflow/tfjs-node');
  });
});
