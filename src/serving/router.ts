import { badRequest } from './http-error.js';

export type Method = 'GET' | 'POST';

export interface Route<H> {
  readonly method: Method;
  /** e.g. `/predict`, `/v1/models/{name}:predict`; also the `endpoint` label of the metrics. */
  readonly pattern: string;
  readonly handler: H;
}

export type RouteMatch<H> =
  | { readonly kind: 'found'; readonly route: Route<H>; readonly params: Readonly<Record<string, string>> }
  | { readonly kind: 'method'; readonly allowed: readonly Method[] }
  | { readonly kind: 'none' };

interface Compiled<H> {
  readonly regex: RegExp;
  readonly keys: readonly string[];
  readonly byMethod: Map<Method, Route<H>>;
}

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Method + path → route. Static paths are one Map lookup (the hot `/predict` path); patterns with
 * `{param}` segments are compiled regexes, tried in order. A path that exists for another method is a 405
 * (with the allowed methods), not a 404. HEAD is answered by the GET route (node drops the body).
 */
export class Router<H> {
  private readonly exact = new Map<string, Map<Method, Route<H>>>();
  private readonly patterns: Compiled<H>[] = [];

  add(route: Route<H>): this {
    if (!route.pattern.includes('{')) {
      const methods = this.exact.get(route.pattern) ?? new Map<Method, Route<H>>();
      methods.set(route.method, route);
      this.exact.set(route.pattern, methods);
      return this;
    }
    const keys: string[] = [];
    const source = route.pattern
      .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
      .replace(/\{(\w+)\}/g, (_, key: string) => {
        keys.push(key);
        // A parameter is one path segment and stops at ':' (TF Serving's `{name}:predict`).
        return '([^/:]+)';
      });
    const existing = this.patterns.find((p) => p.regex.source === `^${source}$`);
    if (existing) existing.byMethod.set(route.method, route);
    else
      this.patterns.push({
        regex: new RegExp(`^${source}$`),
        keys,
        byMethod: new Map([[route.method, route]]),
      });
    return this;
  }

  match(method: string, path: string): RouteMatch<H> {
    const wanted = (method === 'HEAD' ? 'GET' : method) as Method;
    const exact = this.exact.get(path);
    if (exact) return pick(exact, wanted, NO_PARAMS);
    for (const { regex, keys, byMethod } of this.patterns) {
      const m = regex.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      keys.forEach((key, i) => (params[key] = decodeSegment(m[i + 1] ?? '')));
      return pick(byMethod, wanted, params);
    }
    return { kind: 'none' };
  }

  /** Every pattern, for the 404 message. */
  patternsList(): string[] {
    const out = new Set<string>(this.exact.keys());
    for (const p of this.patterns) for (const r of p.byMethod.values()) out.add(r.pattern);
    return [...out];
  }
}

function pick<H>(
  byMethod: Map<Method, Route<H>>,
  method: Method,
  params: Readonly<Record<string, string>>,
): RouteMatch<H> {
  const route = byMethod.get(method);
  if (route) return { kind: 'found', route, params };
  return { kind: 'method', allowed: [...byMethod.keys()] };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`the path segment "${segment.slice(0, 40)}" is not valid percent-encoding`);
  }
}
