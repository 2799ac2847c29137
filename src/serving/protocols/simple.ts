import { checkFields, parseJsonObject } from '../body.js';
import { toRows } from '../inputs.js';
import { predictionsReply } from '../encode.js';
import type { RouteDef, ServingRuntime } from '../protocol.js';

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
        // The hot path: one promise per request (the batch's answer), no async wrappers.
        run({ body }) {
          const request = parseJsonObject(body, EXAMPLE);
          checkFields(request, FIELDS);
          const model = rt.acquire();
          let rows;
          try {
            rows = toRows(request.instances, model.features, 'instances');
          } catch (error) {
            model.release();
            throw error;
          }
          return rt.predictReply(model, rows, (predictions) =>
            predictionsReply(predictions, model.version, model.predictor.classes),
          );
        },
      },
    },
  ];
}
