import { configError } from '../kernel/errors.js';
import type { Origin } from './diagnostics.js';

type EnvType = 'string' | 'number' | 'number-or-auto' | 'boolean';

/** MLOPS_* variables and the config field each sets. Documented in the README. */
export const ENV_VARS: Readonly<Record<string, { path: string; type: EnvType }>> = {
  MLOPS_REGISTRY: { path: 'registry', type: 'string' },
  MLOPS_REGION: { path: 'region', type: 'string' },
  MLOPS_DATA: { path: 'data.source', type: 'string' },
  MLOPS_LABEL: { path: 'data.label', type: 'string' },
  MLOPS_BACKEND: { path: 'train.backend', type: 'string' },
  MLOPS_SEED: { path: 'train.seed', type: 'number' },
  MLOPS_SERVE_HOST: { path: 'serve.host', type: 'string' },
  MLOPS_SERVE_PORT: { path: 'serve.port', type: 'number' },
  MLOPS_SERVE_WORKERS: { path: 'serve.workers', type: 'number-or-auto' },
  MLOPS_ALIAS: { path: 'serve.alias', type: 'string' },
  MLOPS_KUBE_CONTEXT: { path: 'cluster.context', type: 'string' },
};

export interface EnvOverride {
  readonly path: string;
  readonly value: unknown;
  readonly origin: Origin;
}

export function envOverrides(env: Readonly<Record<string, string | undefined>>): EnvOverride[] {
  const out: EnvOverride[] = [];
  for (const [name, spec] of Object.entries(ENV_VARS)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    out.push({ path: spec.path, value: coerce(name, raw, spec.type), origin: name });
  }
  return out;
}

function coerce(name: string, raw: string, type: EnvType): unknown {
  if (type === 'string') return raw;
  if (type === 'number-or-auto' && raw === 'auto') return raw;
  if (type === 'number' || type === 'number-or-auto') {
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value)) {
      throw configError(
        `${name}="${raw}" is not a number.`,
        'MLOPS_CONFIG_E2005',
        `Set ${name} to a number${type === 'number-or-auto' ? ' or "auto"' : ''} or unset it.`,
      );
    }
    return value;
  }
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw configError(
    `${name}="${raw}" is not a boolean.`,
    'MLOPS_CONFIG_E2005',
    `Set ${name} to true or false.`,
  );
}
