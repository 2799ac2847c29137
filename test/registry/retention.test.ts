import { describe, expect, it } from 'vitest';
import type { HistoryRecord } from '../../src/core/registry-types.js';
import { parseAge, planRetention, type RetentionInput } from '../../src/core/retention.js';

const DAY = 86_400_000;
const now = new Date('2026-06-01T00:00:00Z');
const ago = (days: number) => new Date(now.getTime() - days * DAY).toISOString();
const change = (alias: string, from: string | null, to: string, day: number): HistoryRecord => ({
  alias,
  action: 'promote',
  from,
  to,
  at: ago(day),
  by: 'x',
});
const input = (over: Partial<RetentionInput>): RetentionInput => ({
  versions: [],
  aliases: {},
  history: [],
  incomplete: [],
  now,
  olderThanMs: 90 * DAY,
  keepLastAliasChanges: 10,
  ...over,
});

describe('parseAge', () => {
  it('reads minutes, hours, days, weeks; a bare number is days', () => {
    expect(parseAge('90d')).toBe(90 * DAY);
    expect(parseAge('12h')).toBe(12 * 3_600_000);
    expect(parseAge('2w')).toBe(14 * DAY);
    expect(parseAge('30m')).toBe(30 * 60_000);
    expect(parseAge('7')).toBe(7 * DAY);
    expect(parseAge('0d')).toBe(0);
  });
  it('refuses anything else with the usage code', () => {
    for (const bad of ['', 'd', '-1d', '90 days', '1y', 'abc']) {
      expect(() => parseAge(bad)).toThrow(expect.objectContaining({ code: 'MLOPS_USAGE_E1002' }));
    }
  });
});

describe('planRetention', () => {
  const versions = ['v1.0', 'v1.1', 'v1.2', 'v1.3', 'v2.0', 'v2.1'].map((version, i) => ({
    version,
    createdAt: ago(200 - i * 30), // 200, 170, 140, 110, 80, 50 days old
  }));

  it('removes only versions older than the age', () => {
    const plan = planRetention(input({ versions }));
    expect(plan.remove.map((v) => v.version)).toEqual(['v1.0', 'v1.1', 'v1.2', 'v1.3']);
    expect(plan.keep).toEqual([
      { version: 'v2.0', reason: 'too-young', detail: ago(80) },
      { version: 'v2.1', reason: 'latest', detail: 'the newest version' },
    ]);
    expect(plan.cutoff).toBe(ago(90));
  });

  it('keeps aliased versions and those aliased within the last N changes of each alias', () => {
    const history = [
      change('production', null, 'v1.0', 150),
      change('production', 'v1.0', 'v1.1', 140),
      change('production', 'v1.1', 'v1.2', 130),
      change('staging', null, 'v1.3', 100),
    ];
    const aliases = { production: 'v1.2', staging: 'v1.3' };
    const keep = (n: number) =>
      planRetention(input({ versions, aliases, history, keepLastAliasChanges: n })).remove.map(
        (v) => v.version,
      );
    expect(keep(0)).toEqual(['v1.0', 'v1.1']);
    expect(keep(1)).toEqual(['v1.0']); // production's last change came from v1.1
    expect(keep(2)).toEqual([]);
  });

  it('never removes the latest version, even when old and unaliased (its number must not be reused)', () => {
    const plan = planRetention(input({ versions: versions.slice(0, 2) }));
    expect(plan.remove.map((v) => v.version)).toEqual(['v1.0']);
  });

  it('keeps a version whose creation time it cannot read', () => {
    const plan = planRetention(
      input({ versions: [{ version: 'v1.0', createdAt: 'garbage' }, versions[5]!] }),
    );
    expect(plan.keep[0]).toMatchObject({ version: 'v1.0', reason: 'unknown-age' });
  });

  it('incomplete versions go after a day; one being written now stays', () => {
    const plan = planRetention(
      input({
        incomplete: [
          { version: 'v3.0', claimedAt: ago(2), claimedBy: 'a' },
          { version: 'v3.1', claimedAt: new Date(now.getTime() - 60_000).toISOString(), claimedBy: 'b' },
          { version: 'v3.2', claimedAt: null, claimedBy: null },
        ],
      }),
    );
    expect(plan.incomplete.map((v) => v.version)).toEqual(['v3.0', 'v3.2']);
  });
});
