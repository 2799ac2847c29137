import { createRequire } from 'node:module';
import type * as Undici from 'undici';
import type { Agent, Dispatcher } from 'undici';

export interface HttpClient {
  request(options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData>;
  close(): Promise<void>;
}

type RequestFn = (this: Dispatcher, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;

const require = createRequire(import.meta.url);

/**
 * An undici Agent with its request API, loaded for a fast start: undici's index requires every feature
 * (fetch, WebSocket, caches, mocks …, about 150 ms here), while the agent and the request API alone take
 * a third of that, and `mlops predict` must start within 300 ms. undici itself attaches the API this
 * way (Object.assign(Dispatcher.prototype, api)). Should a later undici move these files, the full
 * package is used instead.
 */
export function createHttpClient(options: Agent.Options): HttpClient {
  try {
    const AgentClass = require('undici/lib/dispatcher/agent.js') as typeof Agent;
    const request = require('undici/lib/api/api-request.js') as RequestFn;
    if (typeof AgentClass === 'function' && typeof request === 'function') {
      const agent = new AgentClass(options);
      return { request: (o) => request.call(agent, o), close: () => agent.close() };
    }
  } catch {
    // fall through to the package's entry point
  }
  const undici = require('undici') as typeof Undici;
  const agent = new undici.Agent(options);
  return { request: (o) => agent.request(o), close: () => agent.close() };
}
