import type { Cluster } from '../cluster.js';
import { mustKind } from '../kinds.js';
import type { KubeObject } from '../objects.js';
import { at, isObject } from '../objects.js';

interface KeyRef {
  name: string;
  key: string;
  optional?: boolean;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: KeyRef; configMapKeyRef?: KeyRef };
}

export interface EnvFrom {
  prefix?: string;
  configMapRef?: { name: string; optional?: boolean };
  secretRef?: { name: string; optional?: boolean };
}

/** The kubelet's CreateContainerConfigError: the container cannot start (a secret or config map is missing). */
export class ConfigError extends Error {}

function source(
  cluster: Cluster,
  pod: KubeObject,
  kindName: 'Secret' | 'ConfigMap',
  name: string,
  optional: boolean | undefined,
): Record<string, string> | undefined {
  const object = cluster.find(mustKind(kindName), pod.metadata.namespace, name);
  if (!object) {
    if (optional) return undefined;
    throw new ConfigError(`${kindName === 'Secret' ? 'secret' : 'configmap'} "${name}" not found`);
  }
  const data = (isObject(object.data) ? object.data : {}) as Record<string, string>;
  if (kindName === 'ConfigMap') return data;
  const decoded = Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
  );
  return {
    ...decoded,
    ...((isObject(object.stringData) ? object.stringData : {}) as Record<string, string>),
  };
}

function fieldValue(pod: KubeObject, fieldPath: string): string {
  const label = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (label) return String(at(pod, ['metadata', label[1] ?? '', label[2] ?? '']) ?? '');
  if (fieldPath === 'status.podIP') return String(at(pod, ['status', 'podIP']) ?? '10.244.0.10');
  return String(at(pod, fieldPath.split('.')) ?? '');
}

/** `$(VAR)` in command and args, from the container's env, as the kubelet expands it. */
export const expand = (text: string, env: Readonly<Record<string, string>>): string =>
  text.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole);

/** A container's environment from its pod spec: values, field refs, secret and config map keys, envFrom. */
export function containerEnv(
  cluster: Cluster,
  pod: KubeObject,
  env: readonly EnvVar[] = [],
  envFrom: readonly EnvFrom[] = [],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const from of envFrom) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref) continue;
    const data = source(cluster, pod, from.secretRef ? 'Secret' : 'ConfigMap', ref.name, ref.optional);
    for (const [k, v] of Object.entries(data ?? {})) out[`${from.prefix ?? ''}${k}`] = v;
  }
  for (const variable of env) {
    const from = variable.valueFrom;
    if (variable.value !== undefined) out[variable.name] = expand(variable.value, out);
    else if (from?.fieldRef) out[variable.name] = fieldValue(pod, from.fieldRef.fieldPath);
    else if (from?.secretKeyRef || from?.configMapKeyRef) {
      const ref = (from.secretKeyRef ?? from.configMapKeyRef) as KeyRef;
      const data = source(cluster, pod, from.secretKeyRef ? 'Secret' : 'ConfigMap', ref.name, ref.optional);
      const value = data?.[ref.key];
      if (value !== undefined) out[variable.name] = value;
      else if (data && !ref.optional)
        throw new ConfigError(
          `couldn't find key ${ref.key} in ${from.secretKeyRef ? 'Secret' : 'ConfigMap'} ${pod.metadata.namespace}/${ref.name}`,
        );
    } else out[variable.name] = '';
  }
  return out;
}
