import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ContainerLog, PodLogs, type LogQuery } from '../support/kube/logs.js';

/** What the test server's log endpoint answers for `query`, over a real HTTP response. */
async function served(log: ContainerLog, query: LogQuery): Promise<string> {
  const server = createServer((_req, res) => new PodLogs().serve(res, log, query));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return await (await fetch(`http://127.0.0.1:${port}/`)).text();
  } finally {
    server.close();
  }
}

describe('pod logs of the Kubernetes API test server', () => {
  it('lines read in one chunk get increasing stamps, and sinceTime cuts between them (nanoseconds, not ms)', async () => {
    const log = new ContainerLog();
    log.write('line 1\nline 2\nline 3\n');
    log.end();
    const stamps = log.lines.map((l) => l.time);
    expect([...stamps].sort()).toEqual(stamps);
    expect(new Set(stamps).size).toBe(3);
    for (const stamp of stamps) expect(stamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    // Microseconds apart: the same millisecond (almost always), which milliseconds could not tell apart.
    expect(await served(log, { follow: false, timestamps: false, sinceTime: stamps[1] })).toBe(
      'line 2\nline 3\n',
    );
    expect(await served(log, { follow: false, timestamps: false, sinceTime: stamps[2] })).toBe('line 3\n');
  });
});
