import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { MlopsError } from '../kernel/errors.js';
import { checkContentType } from './body.js';
import { HttpError, messageOf } from './http-error.js';
import type { ServingMetrics } from './metrics.js';
import type { ModelSlot } from './model-slot.js';
import { JSON_TYPE, json, type Reply, type RouteCall, type RouteSpec } from './protocol.js';
import type { Router, RouteMatch } from './router.js';
import type { ServedModel } from './served-model.js';

export interface InjectRequest {
  readonly method?: string;
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** A string or bytes as they are; anything else is sent as JSON. */
  readonly body?: unknown;
}

export interface InjectResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  json<T = unknown>(): T;
}

export interface HttpAdapterOptions {
  readonly router: Router<RouteSpec>;
  /** Where routes get their model (`RouteCall.model`); the request path releases it. */
  readonly slot: ModelSlot;
  readonly metrics: ServingMetrics;
  readonly maxBodyBytes: number;
  /** While true, answers carry `Connection: close`. */
  draining(): boolean;
  /** Sees what made a request fail inside the server (it is answered 500). */
  onInternalError(error: unknown): void;
}

export interface HttpAdapter {
  /** The node:http request listener. */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  /** Answers a request without a socket, on the same request path as `handler`. */
  inject(request: InjectRequest): Promise<InjectResponse>;
  /** Requests answered since start. */
  answered(): number;
}

/**
 * How one request arrives and is answered: a node:http request or an injected one. Everything else
 * (routing, Content-Type, body limit, running the route, releasing its model, metrics) is the request
 * path of `createHttpAdapter`, the same for both.
 */
interface Exchange {
  readonly method: string;
  readonly url: string;
  readonly contentType: string | undefined;
  /** The Content-Length the client declared, if any: a 413 before reading anything. */
  readonly declaredLength: number | undefined;
  /** The route takes no body: drop whatever comes. */
  skip(): void;
  /** The body is refused unread (415, or 413 by its declared length); the answer follows. */
  refuse(): void;
  /** Reads the body; calls `tooLarge` instead of `done` as soon as it passes `limit` bytes. */
  read(limit: number, done: (body: Buffer | undefined) => void, tooLarge: () => void): void;
  send(reply: Reply): void;
}

const UNMATCHED = 'unmatched';

/** The serving app's HTTP side: node:http requests and `inject` share one request path. */
export function createHttpAdapter(options: HttpAdapterOptions): HttpAdapter {
  const { router, slot, metrics, maxBodyBytes, draining } = options;
  // How much of a refused body is read and dropped before the connection is cut instead.
  const lingerBytes = Math.max(16 * maxBodyBytes, 16 * 1024 * 1024);
  const tooLarge = json(413, {
    error: `the body is larger than the limit of ${maxBodyBytes} bytes (serve.maxBodyBytes); send fewer rows per request`,
  });
  let answered = 0;

  const errorReply = (error: unknown): Reply => {
    if (error instanceof HttpError) return json(error.status, { error: error.message }, error.headers);
    // A predictor that checks rows itself (one a library caller loaded with checks) reports bad rows
    // as usage errors: the client's mistake too.
    if (MlopsError.is(error) && error.source === 'usage') return json(400, { error: error.message });
    options.onInternalError(error);
    return json(500, { error: `internal error: ${messageOf(error)}` });
  };

  const unmatched = (
    method: string,
    path: string,
    match: Exclude<RouteMatch<RouteSpec>, { kind: 'found' }>,
  ): Reply => {
    if (match.kind === 'method') {
      return json(
        405,
        {
          error: `${method.slice(0, 10)} is not allowed on ${path.slice(0, 80)}; use ${match.allowed.join(' or ')}`,
        },
        { allow: match.allowed.join(', ') },
      );
    }
    return json(404, {
      error: `no route ${method.slice(0, 10)} ${path.slice(0, 80)}; routes: ${router.patternsList().join(', ')}`,
    });
  };

  const finish = (ex: Exchange, reply: Reply, endpoint: string, started: number): void => {
    answered += 1;
    ex.send(reply);
    metrics.observeRequest(endpoint, reply.status, (performance.now() - started) / 1000);
  };

  const run = (
    ex: Exchange,
    spec: RouteSpec,
    params: Readonly<Record<string, string>>,
    body: Buffer | undefined,
    endpoint: string,
    started: number,
  ): void => {
    const call = new Call(params, body, slot);
    let out: Reply | Promise<Reply>;
    try {
      out = spec.run(call);
    } catch (error) {
      out = errorReply(error);
    }
    if (out instanceof Promise) {
      out.then(
        (reply) => {
          call.end();
          finish(ex, reply, endpoint, started);
        },
        (error: unknown) => {
          call.end();
          finish(ex, errorReply(error), endpoint, started);
        },
      );
    } else {
      call.end();
      finish(ex, out, endpoint, started);
    }
  };

  const handle = (ex: Exchange): void => {
    const started = performance.now();
    const { method, url } = ex;
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    let match: RouteMatch<RouteSpec>;
    try {
      match = router.match(method, path);
    } catch (error) {
      ex.skip();
      finish(ex, errorReply(error), UNMATCHED, started);
      return;
    }
    if (match.kind !== 'found') {
      ex.skip();
      finish(ex, unmatched(method, path, match), UNMATCHED, started);
      return;
    }
    const { route, params } = match;
    const spec = route.handler;
    const endpoint = route.pattern;
    if (!spec.body) {
      ex.skip();
      run(ex, spec, params, undefined, endpoint, started);
      return;
    }
    let refusal: Reply | undefined;
    try {
      checkContentType(ex.contentType);
    } catch (error) {
      refusal = errorReply(error);
    }
    const declared = ex.declaredLength;
    if (refusal === undefined && declared !== undefined && declared > maxBodyBytes) refusal = tooLarge;
    if (refusal !== undefined) {
      ex.refuse();
      finish(ex, refusal, endpoint, started);
      return;
    }
    ex.read(
      maxBodyBytes,
      (body) => run(ex, spec, params, body, endpoint, started),
      () => finish(ex, tooLarge, endpoint, started),
    );
  };

  return {
    handler: (req, res) => handle(new NodeExchange(req, res, lingerBytes, draining)),
    inject(request) {
      const method = (request.method ?? (request.body === undefined ? 'GET' : 'POST')).toUpperCase();
      const headers = Object.fromEntries(
        Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
      );
      let body: Buffer | undefined;
      if (typeof request.body === 'string') body = Buffer.from(request.body);
      else if (request.body instanceof Uint8Array) body = Buffer.from(request.body);
      else if (request.body !== undefined) {
        body = Buffer.from(JSON.stringify(request.body));
        headers['content-type'] ??= JSON_TYPE;
      }
      return new Promise((resolve) =>
        handle(new InjectedExchange(method, request.url, headers['content-type'], body, resolve)),
      );
    },
    answered: () => answered,
  };
}

/** One route call. It holds the model the route asked for until `end`, the one place it is released. */
class Call implements RouteCall {
  private held: ServedModel | undefined;

  constructor(
    readonly params: Readonly<Record<string, string>>,
    readonly body: Buffer | undefined,
    private readonly slot: ModelSlot,
  ) {}

  model(): ServedModel {
    return (this.held ??= this.slot.acquire());
  }

  /** The answer is settled: release the model, if the route took one. */
  end(): void {
    if (this.held === undefined) return;
    this.slot.release(this.held);
    this.held = undefined;
  }
}

class NodeExchange implements Exchange {
  readonly method: string;
  readonly url: string;
  private closeAfter = false;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly lingerBytes: number,
    private readonly draining: () => boolean,
  ) {
    this.method = req.method ?? 'GET';
    this.url = req.url ?? '/';
  }

  get contentType(): string | undefined {
    return this.req.headers['content-type'];
  }

  get declaredLength(): number | undefined {
    const header = this.req.headers['content-length'];
    return header === undefined ? undefined : Number(header);
  }

  skip(): void {
    this.req.resume();
  }

  /**
   * A body of known, bounded size is read and dropped, so that the client, still sending it, receives
   * the answer and the keep-alive connection stays usable (closing at once would reset the connection
   * under the client's answer). Beyond that bound the connection is closed after the answer.
   */
  refuse(): void {
    const declared = this.declaredLength;
    if (declared === undefined || declared > this.lingerBytes) {
      this.res.shouldKeepAlive = false;
      this.closeAfter = true;
    }
    this.req.resume();
  }

  read(limit: number, done: (body: Buffer | undefined) => void, tooLarge: () => void): void {
    const req = this.req;
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (refused) {
        if (size > this.lingerBytes) req.socket.destroy();
        return;
      }
      if (size > limit) {
        // A chunked body past the limit: answer now and read on (discarding) as for a declared one.
        refused = true;
        chunks.length = 0;
        tooLarge();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!refused) done(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    });
    // A client that goes away mid-body: nothing to answer.
    req.on('error', () => undefined);
  }

  send(reply: Reply): void {
    // A flat [name, value, …] list: node takes it without walking an object's keys.
    const headers = [
      'content-type',
      reply.contentType ?? JSON_TYPE,
      'content-length',
      String(Buffer.byteLength(reply.body)),
    ];
    if (reply.headers) for (const name in reply.headers) headers.push(name, reply.headers[name] as string);
    if ((this.closeAfter || this.draining()) && reply.headers?.connection === undefined) {
      headers.push('connection', 'close');
    }
    const res = this.res;
    if (!res.headersSent && !res.destroyed) {
      res.writeHead(reply.status, headers);
      res.end(reply.body);
    }
  }
}

class InjectedExchange implements Exchange {
  /** An injected body is all there: `read` applies the limit. */
  readonly declaredLength = undefined;

  constructor(
    readonly method: string,
    readonly url: string,
    readonly contentType: string | undefined,
    private readonly body: Buffer | undefined,
    private readonly answer: (response: InjectResponse) => void,
  ) {}

  skip(): void {}

  refuse(): void {}

  read(limit: number, done: (body: Buffer | undefined) => void, tooLarge: () => void): void {
    if (this.body !== undefined && this.body.length > limit) tooLarge();
    else done(this.body);
  }

  send(reply: Reply): void {
    this.answer({
      status: reply.status,
      headers: { 'content-type': reply.contentType ?? JSON_TYPE, ...reply.headers },
      body: reply.body,
      json: <T>() => JSON.parse(reply.body) as T,
    });
  }
}
