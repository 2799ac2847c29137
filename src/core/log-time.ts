/**
 * The kubelet's log timestamps on `LogLine.time` (RFC 3339, up to nine fractional digits with trailing
 * zeros trimmed, so "…:05.1Z" is later than "…:05.099Z"): compared as numbers, never as strings. Shared by
 * the client that resumes log follows and the use-case that follows a Job.
 */
const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/i;

export const isLogTime = (time: string): boolean =>
  RFC3339.test(time) && !Number.isNaN(Date.parse(time.replace(/\.\d+/, '')));

function parts(time: string): readonly [seconds: number, nanos: number] {
  const match = RFC3339.exec(time);
  if (!match) return [Number.NaN, 0];
  return [Date.parse(`${match[1]}${match[3]}`) / 1000, Number((match[2] ?? '').padEnd(9, '0'))];
}

/** Negative when `a` is earlier than `b`, 0 when equal, positive when later. */
export function compareLogTimes(a: string, b: string): number {
  const [sa, na] = parts(a);
  const [sb, nb] = parts(b);
  return sa === sb ? na - nb : sa - sb;
}

/** The time truncated to the second: what `sinceTime` is sure to accept (lines from it on come back). */
export function wholeSecond(time: string): string {
  const [seconds] = parts(time);
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
