import type { ModelStore, ObjectStat, PutOptions } from '../../src/core/ports/model-store.js';

/** An in-memory ModelStore that can slow its reads down and counts how many run at once. */
export class MemoryStore implements ModelStore {
  readonly uri = 'memory://test';
  readonly objects = new Map<string, Uint8Array>();
  inFlight = 0;
  maxInFlight = 0;
  gets = 0;

  constructor(private readonly readDelayMs = 0) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    this.gets++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.readDelayMs) await new Promise((resolve) => setTimeout(resolve, this.readDelayMs));
      return this.objects.get(key);
    } finally {
      this.inFlight--;
    }
  }

  async stat(key: string): Promise<ObjectStat | undefined> {
    const body = this.objects.get(key);
    return body && { size: body.byteLength };
  }

  async put(key: string, body: Uint8Array, options?: PutOptions): Promise<boolean> {
    if (options?.ifAbsent && this.objects.has(key)) return false;
    this.objects.set(key, body.slice());
    return true;
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.objects.delete(key);
  }
}
