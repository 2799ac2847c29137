import { checkFields, parseJsonObject } from '../body.js';
import { toRows } from '../inputs.js';
import { json, type RouteDef, type ServingRuntime } from '../protocol.js';

const EXAMPLE = '{"instances": [[5.1, 3.5, 1.4, 0.2]]}';
const FIELDS = ['instances'] as const;

/**
 * The simple protocol: `POST /predict` with `{"instances": [row, …]}`, rows as arrays in feature order
 * or objects keyed by feature name → `{"predictions": [{"label", "probabilities"}], "model_version"}`.
 */
export function simpleRoutes(rt: ServingRuntime): RouteDef[] {
  return [
    {
      method: 'POST',
      pattern: '/predict',
      spec: {
        body: true,
        async run({ body }) {
          const request = parseJsonObject(body, EXAMPLE);
          checkFields(request, FIELDS);
          const model = rt.acquire();
          try {
            const rows = toRows(request.instances, model.features, 'instances');
            const predictions = await rt.predict(model, rows);
            return json(200, { predictions, model_version: model.version });
          } finally {
            model.release();
          }
        },
      },
    },
  ];
}
