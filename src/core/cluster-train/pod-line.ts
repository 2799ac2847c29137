import type { EpochEvent } from '../../ml/train.js';
import type { DatasetEvent } from '../train.js';

/** The `registered` event of the training container: the version it added to the registry. */
export interface RegisteredEvent {
  readonly model: string;
  readonly version: string;
  readonly metrics: Readonly<Record<string, number>>;
}

/**
 * One line of the training pod's log, read: the training entry point prints the JSON Lines of
 * `mlops train --local --json`; whatever else the container prints (a stack trace, npm's notices) is a
 * plain log line.
 */
export type PodLine =
  | { readonly kind: 'epoch'; readonly data: EpochEvent }
  | { readonly kind: 'dataset'; readonly data: DatasetEvent }
  | { readonly kind: 'trained'; readonly data: { readonly metrics: Readonly<Record<string, number>> } }
  | { readonly kind: 'registered'; readonly data: RegisteredEvent }
  | { readonly kind: 'log'; readonly text: string };

type Json = Record<string, unknown>;

const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isMetrics = (value: unknown): value is Record<string, number> =>
  isRecord(value) && Object.values(value).every(isNumber);

function parseJson(line: string): Json | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return isRecord(value) && typeof value.event === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

export function parsePodLine(line: string): PodLine {
  const json = parseJson(line);
  if (!json) return { kind: 'log', text: line };
  const { event, ...data } = json;
  switch (event) {
    case 'epoch':
      if ([data.epoch, data.epochs, data.loss, data.valLoss].every(isNumber))
        return { kind: 'epoch', data: data as unknown as EpochEvent };
      break;
    case 'dataset':
      if (typeof data.source === 'string' && isNumber(data.rows) && Array.isArray(data.features))
        return { kind: 'dataset', data: data as unknown as DatasetEvent };
      break;
    case 'trained':
      if (isMetrics(data.metrics)) return { kind: 'trained', data: { metrics: data.metrics } };
      break;
    case 'registered':
      if (typeof data.model === 'string' && typeof data.version === 'string' && isMetrics(data.metrics))
        return {
          kind: 'registered',
          data: { model: data.model, version: data.version, metrics: data.metrics },
        };
      break;
    case 'failed': {
      const error = isRecord(data.error) ? data.error : {};
      const words = [error.message, error.hint].filter((w) => typeof w === 'string').join(' — ');
      return { kind: 'log', text: words ? `error: ${words}` : line };
    }
  }
  return { kind: 'log', text: line };
}
