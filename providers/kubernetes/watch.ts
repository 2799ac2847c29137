import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeObject, ObjectList, WatchEvent, WatchOptions } from '../../src/core/ports/cluster.js';
import { isConnectionLoss, type KubeStatus, type RequestSubject } from './errors.js';
import { completeLines } from './lines.js';
import type { KubeTransport } from './transport.js';

export interface WatchTarget<T extends KubeObject> {
  readonly transport: KubeTransport;
  /** The collection path of the kind (in its namespace). */
  readonly path: string;
  readonly subject: RequestSubject;
  /** Lists the kind with the watch's selectors (start "from now", and the relist after 410 Gone). */
  list(signal?: AbortSignal): Promise<ObjectList<T>>;
}

/** Connection failures in a row (no event in between) after which the watch gives up. */
const MAX_CONNECTION_FAILURES = 6;

interface RawEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: KubeObject & KubeStatus;
}

const keyOf = (object: KubeObject): string => `${object.metadata.namespace ?? ''}/${object.metadata.name}`;

/**
 * A watch that survives its stream: a dropped connection (or a server closing the stream) resumes from
 * the last resourceVersion seen, so nothing is lost or repeated; 410 Gone (that version is compacted
 * away) lists again and reports each current object as MODIFIED and each vanished one as DELETED.
 * Without a resourceVersion it starts from a list's, i.e. from now. Ends quietly when `signal` aborts.
 */
export async function* watchObjects<T extends KubeObject>(
  target: WatchTarget<T>,
  options: WatchOptions,
): AsyncGenerator<WatchEvent<T>> {
  const { signal } = options;
  const known = new Map<string, T>();
  let resourceVersion = options.resourceVersion;
  if (resourceVersion === undefined) {
    const list = await target.list(signal);
    for (const item of list.items) known.set(keyOf(item), item);
    resourceVersion = list.resourceVersion;
  }
  let failures = 0;
  let quiet = 0;
  while (!signal?.aborted) {
    const request = {
      method: 'GET',
      path: target.path,
      query: {
        watch: true,
        allowWatchBookmarks: true,
        resourceVersion,
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
      },
      signal,
      subject: target.subject,
    } as const;
    let gone = false;
    let events = 0;
    try {
      const response = await target.transport.open(request);
      try {
        if (response.statusCode === 410) gone = true;
        else if ((response.statusCode ?? 0) >= 400) throw await target.transport.failureOf(response, request);
        else {
          for await (const line of completeLines(response)) {
            if (!line.trim()) continue;
            const event = JSON.parse(line) as RawEvent;
            if (event.type === 'ERROR') {
              if (event.object.code === 410) {
                gone = true;
                break;
              }
              throw target.transport.failure(event.object.code ?? 500, event.object, target.subject);
            }
            resourceVersion = event.object.metadata.resourceVersion ?? resourceVersion;
            events += 1;
            if (event.type === 'BOOKMARK') continue;
            if (event.type === 'DELETED') known.delete(keyOf(event.object));
            else known.set(keyOf(event.object), event.object as T);
            yield { type: event.type, object: event.object as T };
          }
        }
      } finally {
        response.destroy();
      }
    } catch (error) {
      if (signal?.aborted) return;
      failures = events ? 1 : failures + 1;
      if (!isConnectionLoss(error) || failures >= MAX_CONNECTION_FAILURES) throw error;
    }
    if (gone) {
      const list = await target.list(signal).catch((error: unknown) => {
        if (signal?.aborted) return undefined;
        throw error;
      });
      if (!list) return;
      const current = new Map(list.items.map((item) => [keyOf(item), item]));
      for (const item of list.items) yield { type: 'MODIFIED', object: item };
      for (const [key, object] of known) if (!current.has(key)) yield { type: 'DELETED', object };
      known.clear();
      for (const [key, item] of current) known.set(key, item);
      resourceVersion = list.resourceVersion;
      continue;
    }
    if (events) failures = 0;
    quiet = events ? 0 : quiet + 1;
    // a stream that fails or closes at once, again and again, is not reopened at full speed
    if (quiet) await sleep(Math.min(50 * 2 ** quiet, 5_000), undefined, { signal }).catch(() => undefined);
  }
}
