import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENTS } from '../../src/kernel/events.js';
import { MESSAGES } from '../../src/kernel/messages.js';

/**
 * Error codes and event names are a contract with CI scripts: they are added, never removed or
 * renamed. registered-codes.json is the checked-in list of every one released so far; a code or event
 * missing from the registries fails here. New ones pass, and go into the list when it is regenerated:
 *
 *   npx tsx -e "import { MESSAGES } from './src/kernel/messages.ts'; import { EVENTS } from './src/kernel/events.ts'; import { writeFileSync } from 'node:fs'; writeFileSync('test/kernel/registered-codes.json', JSON.stringify({ errorCodes: Object.keys(MESSAGES).sort(), events: Object.keys(EVENTS).sort() }, null, 2) + '\n');"
 *
 * (then check the diff only adds lines).
 */

interface Released {
  readonly errorCodes: readonly string[];
  readonly events: readonly string[];
}

const released = JSON.parse(
  readFileSync(path.join(import.meta.dirname, 'registered-codes.json'), 'utf8'),
) as Released;

describe('the registries only grow', () => {
  it('every released error code is still registered (never removed or renamed)', () => {
    expect(released.errorCodes.length).toBeGreaterThan(30);
    expect(released.errorCodes.filter((code) => !(code in MESSAGES))).toEqual([]);
  });

  it('every released event name is still registered (never removed or renamed)', () => {
    expect(released.events.length).toBeGreaterThan(20);
    expect(released.events.filter((name) => !(name in EVENTS))).toEqual([]);
  });

  it('the checked-in list is sorted and has no duplicates, so a regeneration diff shows only additions', () => {
    for (const list of [released.errorCodes, released.events]) {
      expect([...new Set(list)].sort()).toEqual(list);
    }
  });
});
