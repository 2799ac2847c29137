import { badRequest } from '../http-error.js';
import { readJsonBody } from '../body.js';
import { columnsToRows, toRows } from '../inputs.js';
import { columnsReply, predictionsReply } from '../encode.js';
import { json, type RouteDef, type RouteSpec, type ServingRuntime } from '../protocol.js';
import type { ServedModel } from '../served-model.js';

const EXAMPLE = '{"instances": [[5.1, 3.5, 1.4, 0.2]]} or {"inputs": {"feature": [5.1]}}';
const FIELDS = ['signature_name', 'instances', 'inputs'] as const;
const SIGNATURE = 'serving_default';

/**
 * TensorFlow Serving's REST API: `POST /v1/models/{name}[/versions/{version}]:predict` in the row format
 * (`instances` → `predictions`) or the columnar one (`inputs` → `outputs`), and the model status and
 * metadata GETs. Each prediction is `{label, probabilities}`; columnar outputs are the same two as
 * columns. `model_version` is added to every answer.
 */
export function tfServingRoutes(rt: ServingRuntime): RouteDef[] {
  const predict: RouteSpec = {
    body: true,
    async run(call) {
      const { params } = call;
      rt.checkModel(params.name ?? '');
      const request = readJsonBody(call.body, EXAMPLE, FIELDS);
      if (request.signature_name !== undefined && request.signature_name !== SIGNATURE) {
        throw badRequest(
          `unknown signature_name ${JSON.stringify(request.signature_name)?.slice(0, 40)}; the only one is "${SIGNATURE}"`,
        );
      }
      const hasInstances = request.instances !== undefined;
      const hasInputs = request.inputs !== undefined;
      if (hasInstances === hasInputs) {
        throw badRequest(
          hasInstances
            ? 'give either "instances" (row format) or "inputs" (columnar format), not both'
            : `the body has neither "instances" (row format) nor "inputs" (columnar format), e.g. ${EXAMPLE}`,
        );
      }
      const model = call.model();
      rt.checkModel(params.name ?? '', params.version, model);
      if (hasInstances) {
        const rows = toRows(request.instances, model.features, 'instances');
        return predictionsReply(await model.predict(rows), model.version, model.predictor.classes);
      }
      const rows = columnsToRows(request.inputs, model.features, 'inputs');
      return columnsReply(await model.predict(rows), model.version, model.predictor.classes);
    },
  };

  const status = (model: ServedModel | undefined) => ({
    model_version_status: [
      {
        version: model?.version ?? '',
        state: model ? (rt.draining() ? 'UNLOADING' : 'AVAILABLE') : 'LOADING',
        status: { error_code: 'OK', error_message: '' },
      },
    ],
  });
  const statusRoute: RouteSpec = {
    body: false,
    run({ params }) {
      const model = rt.current();
      rt.checkModel(params.name ?? '', params.version, model);
      return json(200, status(model));
    },
  };
  const metadata: RouteSpec = {
    body: false,
    run(call) {
      const { params } = call;
      const model = call.model();
      rt.checkModel(params.name ?? '', params.version, model);
      const { predictor } = model;
      const width = predictor.features.length;
      return json(200, {
        model_spec: { name: rt.modelName, signature_name: '', version: model.version },
        metadata: {
          signature_def: {
            signature_def: {
              [SIGNATURE]: {
                inputs: Object.fromEntries(
                  predictor.features.map((f) => [
                    f,
                    { dtype: 'DT_FLOAT', tensor_shape: { dim: [{ size: '-1' }] }, name: f },
                  ]),
                ),
                outputs: {
                  label: {
                    dtype: predictor.task === 'classification' ? 'DT_STRING' : 'DT_FLOAT',
                    tensor_shape: { dim: [{ size: '-1' }] },
                    name: 'label',
                  },
                  ...(predictor.task === 'classification'
                    ? {
                        probabilities: {
                          dtype: 'DT_FLOAT',
                          tensor_shape: {
                            dim: [{ size: '-1' }, { size: String(predictor.classes?.length ?? 0) }],
                          },
                          name: 'probabilities',
                        },
                      }
                    : {}),
                },
                method_name: 'tensorflow/serving/predict',
              },
            },
          },
          features: predictor.features,
          classes: predictor.classes ?? null,
          task: predictor.task,
          backend: predictor.backend,
          input_width: width,
        },
      });
    },
  };

  return [
    { method: 'POST', pattern: '/v1/models/{name}:predict', spec: predict },
    { method: 'POST', pattern: '/v1/models/{name}/versions/{version}:predict', spec: predict },
    { method: 'GET', pattern: '/v1/models/{name}', spec: statusRoute },
    { method: 'GET', pattern: '/v1/models/{name}/versions/{version}', spec: statusRoute },
    { method: 'GET', pattern: '/v1/models/{name}/metadata', spec: metadata },
    { method: 'GET', pattern: '/v1/models/{name}/versions/{version}/metadata', spec: metadata },
  ];
}
