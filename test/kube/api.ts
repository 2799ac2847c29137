import { Agent, fetch } from 'undici';
import type { KubeServer } from '../support/kube/index.js';
import type { KubeObject } from '../support/kube/objects.js';

export interface Answer<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

export interface WatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'ERROR' | 'BOOKMARK';
  readonly object: KubeObject & Record<string, unknown>;
}

/** Plain HTTPS to the test server with its CA and token, as any client would speak to an API server. */
export function apiClient(server: KubeServer) {
  const dispatcher = new Agent({ connect: { ca: server.caPem } });
  const headers = (token: string | undefined, contentType?: string): Record<string, string> => ({
    ...(token ? { Authorization: `Bearer ${token}` } : {}),
    ...(contentType ? { 'Content-Type': contentType } : {}),
    Accept: 'application/json',
  });

  async function call<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: { body?: unknown; contentType?: string; token?: string | null } = {},
  ): Promise<Answer<T>> {
    const token = options.token === null ? undefined : (options.token ?? server.token);
    const body =
      options.body === undefined
        ? undefined
        : typeof options.body === 'string'
          ? options.body
          : JSON.stringify(options.body);
    const response = await fetch(`${server.url}${path}`, {
      method,
      dispatcher,
      headers: headers(token, body === undefined ? undefined : (options.contentType ?? 'application/json')),
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.text();
    const parsed = response.headers.get('content-type')?.includes('json')
      ? (JSON.parse(text) as T)
      : (text as T);
    return { status: response.status, body: parsed, headers: response.headers as unknown as Headers };
  }

  /** The lines of a streamed answer (a watch, a log follow) as they arrive; return() closes it. */
  async function* lines(path: string): AsyncGenerator<string> {
    const abort = new AbortController();
    const response = await fetch(`${server.url}${path}`, {
      dispatcher,
      headers: headers(server.token),
      signal: abort.signal,
    });
    const decoder = new TextDecoder();
    let pending = '';
    try {
      for await (const chunk of response.body ?? []) {
        pending += decoder.decode(chunk as Uint8Array, { stream: true });
        const parts = pending.split('\n');
        pending = parts.pop() ?? '';
        yield* parts;
      }
      if (pending) yield pending;
    } finally {
      abort.abort();
    }
  }

  async function* watch(path: string): AsyncGenerator<WatchEvent> {
    for await (const line of lines(`${path}${path.includes('?') ? '&' : '?'}watch=1`))
      yield JSON.parse(line) as WatchEvent;
  }

  /** Watches (path with its selectors) until `done` holds for an event: synchronises on the watch, never sleeps. */
  async function until(
    path: string,
    done: (object: WatchEvent['object'], type: WatchEvent['type']) => boolean,
  ): Promise<WatchEvent['object']> {
    for await (const event of watch(path)) if (done(event.object, event.type)) return event.object;
    throw new Error(`the watch of ${path} ended first`);
  }

  return { call, lines, watch, until, close: () => dispatcher.destroy() };
}

export type ApiClient = ReturnType<typeof apiClient>;

export const byName = (name: string): string => `fieldSelector=metadata.name%3D${name}`;
export const ofJob = (name: string): string => `labelSelector=job-name%3D${name}`;
export const phase = (object: object): string | undefined =>
  (object as { status?: { phase?: string } }).status?.phase;

/** A Job running `node -e SCRIPT` in the project directory. */
export const nodeJob = (
  name: string,
  namespace: string,
  script: string,
  spec: Record<string, unknown> = {},
  podSpec: Record<string, unknown> = {},
) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace },
  spec: {
    backoffLimit: 0,
    ...spec,
    template: {
      spec: {
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 1,
        containers: [
          { name: 'main', image: 'trainer:1', workingDir: '/app', command: ['node', '-e', script] },
        ],
        ...podSpec,
      },
    },
  },
});
