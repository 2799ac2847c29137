import type { Prediction } from '../ml/predictor.js';
import type { Reply } from './protocol.js';

const num = (value: number | undefined): string =>
  value !== undefined && Number.isFinite(value) ? String(value) : 'null';

/** `"name":` prefixes per class list, and labels as JSON strings: built once per model, not per row. */
const prefixes = new WeakMap<
  readonly string[],
  { readonly keys: string[]; readonly labels: Map<string, string> }
>();

function classJson(classes: readonly string[]) {
  let entry = prefixes.get(classes);
  if (entry === undefined) {
    entry = {
      keys: classes.map((c, i) => `${i === 0 ? '{' : ','}${JSON.stringify(c)}:`),
      labels: new Map(classes.map((c) => [c, JSON.stringify(c)])),
    };
    prefixes.set(classes, entry);
  }
  return entry;
}

/**
 * `{"predictions":[{"label","probabilities"}…],"model_version"}` written by hand: for a one-row answer
 * this is several times cheaper than JSON.stringify of the same objects (it is the hottest
 * serialization of the server) and gives the identical text (numbers as JSON writes them, non-finite
 * ones as null). `classes` (the model's) fixes the order of the probabilities.
 */
export function predictionsReply(
  predictions: readonly Prediction[],
  version: string,
  classes?: readonly string[],
): Reply {
  const known = classes === undefined ? undefined : classJson(classes);
  let body = '{"predictions":[';
  for (let i = 0; i < predictions.length; i += 1) {
    const p = predictions[i] as Prediction;
    const label = p.label;
    if (i > 0) body += ',';
    body += `{"label":${typeof label === 'number' ? num(label) : (known?.labels.get(label) ?? JSON.stringify(label))}`;
    const probabilities = p.probabilities;
    if (probabilities !== undefined) {
      body += ',"probabilities":';
      if (known !== undefined && classes !== undefined) {
        for (let c = 0; c < classes.length; c += 1) {
          body += `${known.keys[c]}${num(probabilities[classes[c] as string])}`;
        }
        body += '}';
      } else {
        body += JSON.stringify(probabilities);
      }
    }
    body += '}';
  }
  body += `],"model_version":${JSON.stringify(version)}}`;
  return { status: 200, body };
}
