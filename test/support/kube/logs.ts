import type { ServerResponse } from 'node:http';
import { nanoTimestamp } from './objects.js';

interface LogLine {
  readonly time: string;
  readonly text: string;
}

/** One run of one container: its stdout and stderr lines in the order they came, as kubelet keeps them. */
export class ContainerLog {
  readonly lines: LogLine[] = [];
  ended = false;
  private partial = '';
  private readonly followers = new Set<(line: LogLine | undefined) => void>();

  write(chunk: string): void {
    const text = this.partial + chunk;
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    for (const part of parts) this.push(`${part}\n`);
  }

  end(): void {
    if (this.ended) return;
    if (this.partial) this.push(this.partial);
    this.partial = '';
    this.ended = true;
    for (const follower of [...this.followers]) follower(undefined);
  }

  follow(listener: (line: LogLine | undefined) => void): () => void {
    this.followers.add(listener);
    return () => this.followers.delete(listener);
  }

  private push(text: string): void {
    const line = { time: nanoTimestamp(), text };
    this.lines.push(line);
    for (const follower of [...this.followers]) follower(line);
  }
}

/**
 * RFC 3339 with up to nine fractional digits, in nanoseconds: as precise as kubelet compares. Lines read in
 * one chunk are stamped microseconds apart, so milliseconds would show a line from before `sinceTime`.
 */
const nanos = (time: string): bigint => {
  const [, seconds = time, fraction = '', zone = ''] =
    /^(.*?)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(time) ?? [];
  return BigInt(Date.parse(`${seconds}${zone}`)) * 1_000_000n + BigInt(fraction.padEnd(9, '0'));
};

export interface LogQuery {
  readonly follow: boolean;
  readonly timestamps: boolean;
  readonly sinceTime?: string;
  readonly sinceSeconds?: number;
  readonly tailLines?: number;
}

/** Container logs by pod and container, every run kept (for `previous`), served as kubelet serves them. */
export class PodLogs {
  private readonly runs = new Map<string, ContainerLog[]>();
  private readonly streams = new Set<ServerResponse>();

  private static key = (namespace: string, pod: string, container: string): string =>
    `${namespace}/${pod}/${container}`;

  start(namespace: string, pod: string, container: string): ContainerLog {
    const log = new ContainerLog();
    const key = PodLogs.key(namespace, pod, container);
    this.runs.set(key, [...(this.runs.get(key) ?? []), log]);
    return log;
  }

  /** The current run, or with `previous` the one before it. */
  run(namespace: string, pod: string, container: string, previous: boolean): ContainerLog | undefined {
    const runs = this.runs.get(PodLogs.key(namespace, pod, container)) ?? [];
    return runs.at(previous ? -2 : -1);
  }

  forget(namespace: string, pod: string): void {
    for (const key of this.runs.keys()) if (key.startsWith(`${namespace}/${pod}/`)) this.runs.delete(key);
  }

  serve(res: ServerResponse, log: ContainerLog, query: LogQuery): void {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const since =
      query.sinceTime ??
      (query.sinceSeconds !== undefined
        ? new Date(Date.now() - query.sinceSeconds * 1000).toISOString()
        : undefined);
    const from = since === undefined ? undefined : nanos(since);
    const shown = (line: LogLine): boolean => from === undefined || nanos(line.time) >= from;
    const format = (line: LogLine): string => (query.timestamps ? `${line.time} ${line.text}` : line.text);
    let backlog = log.lines.filter(shown);
    if (query.tailLines !== undefined) backlog = query.tailLines === 0 ? [] : backlog.slice(-query.tailLines);
    res.write(backlog.map(format).join(''));
    if (!query.follow || log.ended) return void res.end();
    this.streams.add(res);
    const stop = log.follow((line) => (line ? res.write(format(line)) : res.end()));
    res.on('close', () => {
      stop();
      this.streams.delete(res);
    });
  }

  /** Ends every open `follow`, as a kubelet restart or a dropped connection would. */
  dropStreams(): void {
    for (const res of this.streams) res.end();
  }
}
