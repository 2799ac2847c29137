import { json, type RouteDef, type ServingRuntime } from '../protocol.js';

/**
 * Liveness (`/health`: the process answers), readiness (`/ready`: 503 until a model is loaded and warmed
 * up, and again while draining on SIGTERM) and the Prometheus scrape endpoint.
 */
export function healthRoutes(rt: ServingRuntime): RouteDef[] {
  return [
    { method: 'GET', pattern: '/health', spec: { body: false, run: () => json(200, { status: 'ok' }) } },
    {
      method: 'GET',
      pattern: '/ready',
      spec: {
        body: false,
        run() {
          const model = rt.current();
          if (rt.ready() && model) {
            return json(200, { status: 'ready', model: rt.modelName, model_version: model.version });
          }
          const status = rt.draining() ? 'draining' : 'loading';
          return json(
            503,
            {
              status,
              model: rt.modelName,
              error: rt.draining() ? 'the server is shutting down' : 'the model is not loaded yet',
            },
            { 'retry-after': '1' },
          );
        },
      },
    },
    {
      method: 'GET',
      pattern: '/metrics',
      spec: {
        body: false,
        async run() {
          return { status: 200, body: await rt.metrics.render(), contentType: rt.metrics.contentType };
        },
      },
    },
  ];
}
