import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENTS } from '../../src/kernel/events.js';
import { MESSAGES } from '../../src/kernel/messages.js';

const repo = path.resolve(import.meta.dirname, '../..');

/** The text of every source file of src/ and providers/ but the registries themselves. */
const sourceText = (() => {
  const texts: string[] = [];
  for (const root of ['src', 'providers']) {
    for (const entry of readdirSync(path.join(repo, root), { recursive: true, withFileTypes: true })) {
      const file = path.join(entry.parentPath, entry.name);
      if (!entry.isFile() || !file.endsWith('.ts') || file.includes(`${path.sep}kernel${path.sep}`)) continue;
      texts.push(readFileSync(file, 'utf8'));
    }
  }
  return texts.join('\n');
})();

describe('the registry of event names', () => {
  it('every event the source emits is registered', () => {
    // `event: 'x'`, `info('x', …)` and the two arms of `event: cond ? 'x' : 'y'`.
    const emitted = new Set<string>();
    for (const m of sourceText.matchAll(/\bevent:\s*(?:[^'\n,]*\?\s*)?'([a-z-]+)'(?:\s*:\s*'([a-z-]+)')?/g)) {
      emitted.add(m[1]!);
      if (m[2]) emitted.add(m[2]);
    }
    for (const m of sourceText.matchAll(
      /\b(?:info|outcome)\(\s*(?:[^'\n,]*\?\s*)?'([a-z-]+)'(?:\s*:\s*'([a-z-]+)')?/g,
    )) {
      emitted.add(m[1]!);
      if (m[2]) emitted.add(m[2]);
    }
    expect(emitted.size).toBeGreaterThan(20);
    expect([...emitted].filter((name) => !(name in EVENTS))).toEqual([]);
  });

  it('every registered event is emitted somewhere, with a description', () => {
    expect(Object.keys(EVENTS).filter((name) => !sourceText.includes(`'${name}'`))).toEqual([]);
    for (const [name, description] of Object.entries(EVENTS))
      expect(description.length, name).toBeGreaterThan(10);
  });
});

describe('the registry of error codes', () => {
  it('every code is thrown or reported somewhere, with a description', () => {
    // A retired code stays registered (codes are never reused) but nothing throws it any more.
    const live = Object.entries(MESSAGES).filter(([, description]) => !description.startsWith('(retired'));
    expect(live.map(([code]) => code).filter((code) => !sourceText.includes(`'${code}'`))).toEqual([]);
    for (const [code, description] of Object.entries(MESSAGES))
      expect(description.length, code).toBeGreaterThan(10);
  });

  it('every code the source names is registered, and codes follow MLOPS_<AREA>_E<NNNN>', () => {
    const named = new Set([...sourceText.matchAll(/'(MLOPS_[A-Z]+(?:_E\d{4})?)'/g)].map((m) => m[1]!));
    expect([...named].filter((code) => !(code in MESSAGES))).toEqual([]);
    for (const code of Object.keys(MESSAGES)) expect(code).toMatch(/^MLOPS_[A-Z]+(_E\d{4})?$/);
  });
});
