import { readJsonBody } from '../body.js';
import { toRows } from '../inputs.js';
import { predictionsReply } from '../encode.js';
import type { RouteDef } from '../protocol.js';

const EXAMPLE = '{"instances": [[5.1, 3.5, 1.4, 0.2]]}';
const FIELDS = ['instances'] as const;

/**
 * The simple protocol: `POST /predict` with `{"instances": [row, …]}`, rows as arrays in feature order
 * or objects keyed by feature name → `{"predictions": [{"label", "probabilities"}], "model_version"}`.
 */
export function simpleRoutes(): RouteDef[] {
  return [
    {
      method: 'POST',
      pattern: '/predict',
      spec: {
        body: true,
        // The hot path: one promise per request (the batch's answer), no async wrappers.
        run(call) {
          const request = readJsonBody(call.body, EXAMPLE, FIELDS);
          const model = call.model();
          const rows = toRows(request.instances, model.features, 'instances');
          return model.predictThen(rows, (predictions) =>
            predictionsReply(predictions, model.version, model.predictor.classes),
          );
        },
      },
    },
  ];
}
