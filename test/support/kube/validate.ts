import type { Kind } from './kinds.js';
import type { KubeObject } from './objects.js';
import { at, isObject } from './objects.js';
import type { StatusCause } from './status.js';

type Segment = string | number;

/** `['spec', 'containers', 0, 'foo']` → `spec.containers[0].foo`, the API server's field path. */
export const fieldPath = (segments: readonly Segment[]): string =>
  segments.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');

/**
 * Wraps a value so that every property the schema validator reads is recorded. The JSON schemas of
 * kubernetes-models do not reject unknown fields; what the compiled validator never looks at, inside an
 * object it did look into, is a field the schema does not declare. Objects it never looks into are
 * free-form (`fieldsV1`, IntOrString) and are left alone.
 */
function tracked(value: unknown, path: string, read: Set<string>, inspected: Set<string>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  return new Proxy(value, {
    get(target, prop, receiver) {
      if (typeof prop !== 'string') return Reflect.get(target, prop, receiver) as unknown;
      inspected.add(path);
      const child = `${path}/${prop}`;
      read.add(child);
      return tracked(Reflect.get(target, prop, receiver), child, read, inspected);
    },
  });
}

function unknownFields(
  value: unknown,
  path: Segment[],
  read: Set<string>,
  inspected: Set<string>,
): Segment[][] {
  const key = path.map((s) => `/${s}`).join('');
  if (Array.isArray(value))
    return value.flatMap((item, i) => unknownFields(item, [...path, i], read, inspected));
  if (!isObject(value) || !inspected.has(key)) return [];
  return Object.keys(value).flatMap((name) =>
    read.has(`${key}/${name}`)
      ? unknownFields(value[name], [...path, name], read, inspected)
      : [[...path, name]],
  );
}

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: { missingProperty?: string };
}

const segmentsOf = (pointer: string): Segment[] =>
  pointer
    .split('/')
    .slice(1)
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));

function schemaCauses(object: KubeObject, errors: readonly AjvError[]): StatusCause[] {
  return errors.map((e) => {
    const segments = segmentsOf(e.instancePath);
    if (e.keyword === 'required' && e.params.missingProperty) {
      return {
        reason: 'FieldValueRequired',
        message: 'Required value',
        field: fieldPath([...segments, e.params.missingProperty]),
      };
    }
    const value = at(object, segments.map(String));
    return {
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${JSON.stringify(value)}: ${fieldPath(segments)} in body ${e.message ?? 'is invalid'}`,
      field: fieldPath(segments),
    };
  });
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The checks beyond the JSON schema that the real API server makes and mlops' objects meet. */
function semanticCauses(kind: Kind, object: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const { name } = object.metadata;
  if (!name)
    causes.push({
      reason: 'FieldValueRequired',
      message: 'Required value: name or generateName is required',
      field: 'metadata.name',
    });
  else if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    causes.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
      field: 'metadata.name',
    });
  }
  const podSpecPath = kind.kind === 'Pod' ? ['spec'] : ['spec', 'template', 'spec'];
  if (['Pod', 'Job', 'Deployment', 'ReplicaSet'].includes(kind.kind)) {
    const containers = at(object, [...podSpecPath, 'containers']);
    (Array.isArray(containers) ? containers : []).forEach((c: unknown, i) => {
      if (isObject(c) && !c.image) {
        causes.push({
          reason: 'FieldValueRequired',
          message: 'Required value',
          field: fieldPath([...podSpecPath, 'containers', i, 'image']),
        });
      }
    });
  }
  if (kind.kind === 'Job') {
    const policy = at(object, ['spec', 'template', 'spec', 'restartPolicy']);
    if (policy !== 'Never' && policy !== 'OnFailure') {
      causes.push({
        reason: policy === undefined ? 'FieldValueRequired' : 'FieldValueNotSupported',
        message: `${policy === undefined ? 'Required value' : `Unsupported value: "${String(policy)}"`}: supported values: "OnFailure", "Never"`,
        field: 'spec.template.spec.restartPolicy',
      });
    }
  }
  if (kind.kind === 'Deployment' || kind.kind === 'ReplicaSet') {
    const selector = at(object, ['spec', 'selector', 'matchLabels']);
    const labels = at(object, ['spec', 'template', 'metadata', 'labels']);
    const matches =
      isObject(selector) && isObject(labels) && Object.entries(selector).every(([k, v]) => labels[k] === v);
    if (!matches) {
      causes.push({
        reason: 'FieldValueInvalid',
        message: 'Invalid value: `selector` does not match template `labels`',
        field: 'spec.template.metadata.labels',
      });
    }
  }
  return causes;
}

/** The monitoring.coreos.com and Istio kinds have no kubernetes-models class here: their spec must be an object. */
function lightCauses(object: KubeObject): StatusCause[] {
  return object.spec === undefined || isObject(object.spec)
    ? []
    : [{ reason: 'FieldValueInvalid', message: 'Invalid value: must be of type object', field: 'spec' }];
}

export interface Verdict {
  readonly causes: StatusCause[];
  /** Fields the schema does not declare, as paths; rejected under fieldValidation=Strict. */
  readonly unknown: Segment[][];
}

/** Checks an object as the API server would: its kind's JSON schema, unknown fields, and a few semantic rules. */
export function validateObject(kind: Kind, object: KubeObject): Verdict {
  const { managedFields: _ignored, ...metadata } = object.metadata;
  const subject = { ...object, metadata };
  if (!kind.model) return { causes: [...semanticCauses(kind, object), ...lightCauses(object)], unknown: [] };
  const read = new Set<string>();
  const inspected = new Set<string>();
  let errors: AjvError[] = [];
  try {
    kind.model.prototype.validate.call(tracked(subject, '', read, inspected));
  } catch (error) {
    errors = (error as { errors?: AjvError[] }).errors ?? [];
  }
  return {
    causes: [...schemaCauses(object, errors), ...semanticCauses(kind, object)],
    unknown: unknownFields(subject, [], read, inspected),
  };
}

/** Drops the given fields (fieldValidation=Ignore/Warn: the real server prunes them silently). */
export function prune(object: KubeObject, paths: readonly Segment[][]): void {
  for (const path of paths) {
    let parent: unknown = object;
    for (const segment of path.slice(0, -1))
      parent = (parent as Record<string | number, unknown> | undefined)?.[segment];
    const last = path[path.length - 1];
    if (isObject(parent) && typeof last === 'string') delete parent[last];
  }
}
