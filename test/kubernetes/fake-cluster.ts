import type {
  ClusterClient,
  KindRef,
  KubeObject,
  ListOptions,
  LogLine,
  LogOptions,
  ObjectList,
  ObjectRef,
  WatchEvent,
  WatchOptions,
} from '../../src/core/ports/cluster.js';

/**
 * A scripted ClusterClient for the follow state machine's unit tests: the test sets objects and appends
 * log lines, watchers see each change once, a log follow yields lines as they come until the test ends
 * the container. Selectors: `metadata.name=`, `involvedObject.name=` and `label=value` lists.
 */
export class FakeCluster implements ClusterClient {
  readonly context = 'fake';
  readonly server = 'https://fake.invalid';
  readonly calls: string[] = [];
  private revision = 1;
  private readonly objects = new Map<string, KubeObject>();
  private readonly watchers = new Set<{
    kind: KindRef;
    options: ListOptions;
    push: (e: WatchEvent<KubeObject>) => void;
  }>();
  private readonly podLogs = new Map<string, { lines: LogLine[]; ended: boolean; wake: Set<() => void> }>();

  set(object: KubeObject): void {
    const key = keyOf(object);
    const type = this.objects.has(key) ? 'MODIFIED' : 'ADDED';
    const stored = { ...object, metadata: { ...object.metadata, resourceVersion: String(++this.revision) } };
    this.objects.set(key, stored);
    this.emit(type, stored);
  }

  remove(object: KubeObject): void {
    const stored = this.objects.get(keyOf(object));
    if (!stored) return;
    this.objects.delete(keyOf(object));
    this.emit('DELETED', {
      ...stored,
      metadata: { ...stored.metadata, resourceVersion: String(++this.revision) },
    });
  }

  log(pod: string, line: string, time: string): void {
    const log = this.logOf(pod);
    log.lines.push({ time, line });
    for (const wake of log.wake) wake();
  }

  endLog(pod: string): void {
    const log = this.logOf(pod);
    log.ended = true;
    for (const wake of log.wake) wake();
  }

  async serverVersion(): Promise<string> {
    return 'v1.32.0';
  }

  async apply<T extends KubeObject>(object: T): Promise<T> {
    this.calls.push(`apply ${object.kind}`);
    this.set(object);
    return object;
  }

  async get<T extends KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    this.calls.push(`get ${ref.kind}`);
    return this.objects.get(`${ref.kind}/${ref.namespace ?? ''}/${ref.name}`) as T | undefined;
  }

  async list<T extends KubeObject>(kind: KindRef, options: ListOptions = {}): Promise<ObjectList<T>> {
    this.calls.push(`list ${kind.kind}`);
    const items = [...this.objects.values()].filter((o) => matches(o, kind, options)) as T[];
    return { items, resourceVersion: String(this.revision) };
  }

  async delete(ref: ObjectRef): Promise<boolean> {
    this.calls.push(`delete ${ref.kind}`);
    const object = this.objects.get(`${ref.kind}/${ref.namespace ?? ''}/${ref.name}`);
    if (object) this.remove(object);
    return object !== undefined;
  }

  async *watch<T extends KubeObject>(kind: KindRef, options: WatchOptions): AsyncIterable<WatchEvent<T>> {
    this.calls.push(`watch ${kind.kind}`);
    const queue: WatchEvent<KubeObject>[] = [];
    let wake: (() => void) | undefined;
    const watcher = {
      kind,
      options,
      push: (e: WatchEvent<KubeObject>) => {
        queue.push(e);
        wake?.();
      },
    };
    this.watchers.add(watcher);
    const aborted = new Promise<void>((resolve) =>
      options.signal?.addEventListener('abort', () => resolve()),
    );
    try {
      while (!options.signal?.aborted) {
        const next = queue.shift();
        if (next) {
          yield next as WatchEvent<T>;
          continue;
        }
        await Promise.race([new Promise<void>((resolve) => (wake = resolve)), aborted]);
      }
    } finally {
      this.watchers.delete(watcher);
    }
  }

  proxyGet(): Promise<unknown> {
    return Promise.reject(new Error('the scripted cluster has no pods to proxy to'));
  }

  async *logs(_namespace: string, pod: string, options: LogOptions = {}): AsyncIterable<LogLine> {
    this.calls.push(`logs ${pod}${options.follow ? ' follow' : ''}`);
    const log = this.logOf(pod);
    let at = options.tailLines === undefined ? 0 : Math.max(0, log.lines.length - options.tailLines);
    const aborted = new Promise<void>((resolve) =>
      options.signal?.addEventListener('abort', () => resolve()),
    );
    for (;;) {
      while (at < log.lines.length) yield log.lines[at++]!;
      if (!options.follow || log.ended || options.signal?.aborted) return;
      let wake!: () => void;
      const woken = new Promise<void>((resolve) => (wake = resolve));
      log.wake.add(wake);
      await Promise.race([woken, aborted]);
      log.wake.delete(wake);
    }
  }

  private logOf(pod: string) {
    let log = this.podLogs.get(pod);
    if (!log) this.podLogs.set(pod, (log = { lines: [], ended: false, wake: new Set() }));
    return log;
  }

  private emit(type: WatchEvent<KubeObject>['type'], object: KubeObject): void {
    for (const w of this.watchers) if (matches(object, w.kind, w.options)) w.push({ type, object });
  }
}

const keyOf = (o: KubeObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

function matches(object: KubeObject, kind: KindRef, options: ListOptions): boolean {
  if (object.kind !== kind.kind || (kind.namespace && object.metadata.namespace !== kind.namespace))
    return false;
  for (const term of options.fieldSelector?.split(',') ?? []) {
    const [path = '', value] = term.split('=');
    const actual = path
      .split('.')
      .reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], object);
    if (actual !== value) return false;
  }
  for (const term of options.labelSelector?.split(',') ?? []) {
    const [key = '', value] = term.split('=');
    if (object.metadata.labels?.[key] !== value) return false;
  }
  return true;
}
