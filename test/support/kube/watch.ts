import type { ServerResponse } from 'node:http';
import type { Kind } from './kinds.js';
import type { KubeObject } from './objects.js';
import type { Selector } from './selectors.js';
import type { Change, ChangeType, ObjectStore } from './store.js';
import { expired } from './status.js';

export interface WatchRequest {
  readonly kind: Kind;
  readonly namespace?: string;
  readonly matches: Selector;
  readonly resourceVersion?: string;
  readonly sendInitialEvents: boolean;
  readonly allowBookmarks: boolean;
  readonly timeoutSeconds?: number;
}

/**
 * Watch streams: newline-delimited `{"type","object"}` events. Without a resourceVersion (or "0") it starts
 * with ADDED for what exists; from a resourceVersion it replays the changes after it, and when those
 * are no longer kept it sends an ERROR event carrying a 410 Expired Status, as the real API server does.
 * A change that makes an object enter or leave the selector is an ADDED or DELETED for this watch.
 */
export class Watches {
  private readonly open = new Set<ServerResponse>();

  constructor(private readonly store: ObjectStore) {}

  serve(res: ServerResponse, request: WatchRequest): void {
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Transfer-Encoding': 'chunked',
      'Cache-Control': 'no-cache, private',
    });
    res.flushHeaders();
    const send = (type: ChangeType | 'BOOKMARK' | 'ERROR', object: unknown): void =>
      void res.write(`${JSON.stringify({ type, object })}\n`);
    const { kind, namespace, matches } = request;
    const inScope = (o: KubeObject): boolean =>
      !kind.namespaced || !namespace || o.metadata.namespace === namespace;
    const deliver = (change: Change): void => {
      if (change.kind !== kind || !inScope(change.object)) return;
      const before = change.previous !== undefined && matches(change.previous);
      if (change.type === 'DELETED') return void (before && send('DELETED', change.object));
      if (matches(change.object))
        send(change.type === 'ADDED' || !before ? 'ADDED' : 'MODIFIED', change.object);
      else if (before) send('DELETED', change.object);
    };

    const rv = request.resourceVersion;
    const fromNow = !rv || rv === '0' || request.sendInitialEvents;
    const replay = fromNow ? [] : this.store.since(Number(rv));
    if (!replay) {
      send('ERROR', expired(rv ?? '', this.store.oldestResumable).toStatus());
      return void res.end();
    }
    if (fromNow) {
      for (const object of this.store.list(kind, namespace)) if (matches(object)) send('ADDED', object);
      if (request.sendInitialEvents && request.allowBookmarks) {
        send('BOOKMARK', {
          kind: kind.kind,
          apiVersion: kind.group ? `${kind.group}/${kind.version}` : kind.version,
          metadata: {
            resourceVersion: this.store.resourceVersion,
            annotations: { 'k8s.io/initial-events-end': 'true' },
          },
        });
      }
    }
    for (const change of replay) deliver(change);
    const unsubscribe = this.store.subscribe(deliver);
    this.open.add(res);
    const timer = request.timeoutSeconds
      ? setTimeout(() => res.end(), request.timeoutSeconds * 1000)
      : undefined;
    res.on('close', () => {
      unsubscribe();
      clearTimeout(timer);
      this.open.delete(res);
    });
  }

  get count(): number {
    return this.open.size;
  }

  /** Ends every open watch, as a restarted API server or a dropped connection would. */
  dropAll(): void {
    for (const res of this.open) res.end();
  }
}
