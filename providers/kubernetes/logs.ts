import { setTimeout as sleep } from 'node:timers/promises';
import type { LogLine, LogOptions } from '../../src/core/ports/cluster.js';
import { isConnectionLoss } from './errors.js';
import { compareLogTimes, wholeSecond } from '../../src/core/log-time.js';
import { completeLines } from './lines.js';
import type { KubeTransport } from './transport.js';

interface PodState {
  readonly status?: {
    readonly phase?: string;
    readonly containerStatuses?: readonly {
      readonly name: string;
      readonly state?: { readonly terminated?: unknown };
    }[];
  };
}

/**
 * A pod's log as {time, line}, read with `timestamps=true`. A follow that ends while the container still
 * runs was dropped: it resumes with `sinceTime` (whole seconds, so nothing is cut off) and skips what it
 * already yielded: lines before the last time, and at the last time as many as were yielded then (lines
 * of one timestamp are told apart by their order). When the container has ended, one last read without
 * follow picks up what the drop missed. Ends quietly when `signal` aborts.
 */
export async function* podLogs(
  transport: KubeTransport,
  namespace: string,
  pod: string,
  options: LogOptions = {},
): AsyncGenerator<LogLine> {
  const { signal } = options;
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}`;
  const subject = {
    verb: 'get',
    resource: 'pods/log',
    group: '',
    namespace,
    object: `Pod ${namespace}/${pod}`,
  };
  let follow = options.follow === true;
  let last: { time: string; count: number } | undefined;
  let quiet = 0;
  for (;;) {
    let fresh = 0;
    const request = {
      method: 'GET',
      path: `${path}/log`,
      query: {
        timestamps: true,
        follow,
        container: options.container,
        previous: options.previous,
        ...(last ? { sinceTime: wholeSecond(last.time) } : { tailLines: options.tailLines }),
      },
      signal,
      subject,
    } as const;
    try {
      const response = await transport.open(request);
      try {
        if ((response.statusCode ?? 0) >= 400) throw await transport.failureOf(response, request);
        // lines of the same timestamp in this stream so far: which of them were yielded before the drop
        let streamTime = '';
        let streamCount = 0;
        for await (const raw of completeLines(response)) {
          const space = raw.indexOf(' ');
          const time = space < 0 ? raw : raw.slice(0, space);
          const line = space < 0 ? '' : raw.slice(space + 1);
          streamCount = time === streamTime ? streamCount + 1 : 1;
          streamTime = time;
          if (last) {
            const order = compareLogTimes(time, last.time);
            if (order < 0 || (order === 0 && streamCount <= last.count)) continue;
          }
          last = { time, count: streamCount };
          fresh += 1;
          yield { time, line };
        }
      } finally {
        response.destroy();
      }
    } catch (error) {
      if (signal?.aborted) return;
      if (!follow || !isConnectionLoss(error)) throw error;
    }
    if (!follow || signal?.aborted) return;
    const ended = await containerEnded(transport, path, subject, options.container, signal).catch(
      (error: unknown) => {
        if (signal?.aborted) return undefined;
        throw error;
      },
    );
    if (ended === undefined) return;
    follow = !ended;
    quiet = fresh ? 0 : quiet + 1;
    // a follow that ends at once, again and again, is not reopened at full speed
    if (follow && quiet)
      await sleep(Math.min(50 * 2 ** quiet, 5_000), undefined, { signal }).catch(() => undefined);
  }
}

async function containerEnded(
  transport: KubeTransport,
  path: string,
  subject: { readonly namespace: string; readonly object: string },
  container: string | undefined,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  const { status, body } = await transport.call<PodState>(
    { method: 'GET', path, signal, subject: { ...subject, verb: 'get', resource: 'pods', group: '' } },
    [404],
  );
  if (status === 404 || !body?.status) return true;
  const { phase, containerStatuses = [] } = body.status;
  if (phase === 'Succeeded' || phase === 'Failed') return true;
  const state = container ? containerStatuses.find((c) => c.name === container) : containerStatuses[0];
  return state?.state?.terminated !== undefined;
}
