import type { ClusterClient, KindRef, KubeObject, ListOptions, WatchEvent } from './ports/cluster.js';

export interface ListThenWatchHandlers<T extends KubeObject> {
  /** The objects as listed, before any event of the watch. */
  readonly listed: (items: readonly T[]) => void;
  readonly event: (event: WatchEvent<T>) => void;
  /** The watch ended in an error (not called when `options.signal` aborted it). */
  readonly error: (error: unknown) => void;
}

/**
 * Lists a kind, hands the items over, then watches from the list's resourceVersion so that no change
 * between the two is missed (the informer pattern, without a cache): how the followers of a Job and of a
 * rollout see every state, never polling. Resolves once the list is read; the watch runs on until
 * `options.signal` aborts.
 */
export async function listThenWatch<T extends KubeObject>(
  cluster: ClusterClient,
  kind: KindRef,
  options: ListOptions & { readonly signal: AbortSignal },
  handlers: ListThenWatchHandlers<T>,
): Promise<void> {
  const list = await cluster.list<T>(kind, options);
  handlers.listed(list.items);
  void (async () => {
    for await (const event of cluster.watch<T>(kind, { ...options, resourceVersion: list.resourceVersion })) {
      handlers.event(event);
    }
  })().catch((error: unknown) => {
    if (!options.signal.aborted) handlers.error(error);
  });
}
