import { randomUUID } from 'node:crypto';
import { applyDefaults } from './defaults.js';
import type { Kind } from './kinds.js';
import { groupVersion, mustKind } from './kinds.js';
import { recordUpdate, serverSideApply } from './managed-fields.js';
import type { JsonObject, KubeObject } from './objects.js';
import { clone, deepEqual, isObject, now, randomSuffix } from './objects.js';
import { mergePatch, strategicMergePatch } from './patch.js';
import type { ObjectStore } from './store.js';
import {
  KubeError,
  alreadyExists,
  badRequest,
  invalid,
  notFound,
  staleWrite,
  unsupportedMediaType,
} from './status.js';
import { fieldPath, prune, validateObject } from './validate.js';

export interface WriteOptions {
  readonly manager: string;
  readonly subresource?: 'status';
  readonly dryRun?: boolean;
  /** Strict (the default here, as DESIGN.md §10 asks), Warn or Ignore. */
  readonly fieldValidation?: string;
  /** Warning headers for the answer (`unknown field "spec.foo"` under Warn). */
  readonly warnings?: string[];
}

export type PropagationPolicy = 'Foreground' | 'Background' | 'Orphan';

export interface DeleteOptions {
  readonly propagationPolicy?: PropagationPolicy;
  readonly gracePeriodSeconds?: number;
  readonly dryRun?: boolean;
}

export const PATCH_TYPES = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

/** The parts of an object the server owns: a write never changes them. */
const SERVER_FIELDS = [
  'uid',
  'creationTimestamp',
  'generation',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'resourceVersion',
] as const;

/** Equality for "did this write change anything": managedFields times and resourceVersion aside. */
function sameContent(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject): unknown => ({
    ...o,
    metadata: {
      ...o.metadata,
      resourceVersion: undefined,
      managedFields: o.metadata.managedFields?.map((e) => ({ ...e, time: undefined })),
    },
  });
  return deepEqual(strip(a), strip(b));
}

const specOf = (o: KubeObject): unknown => ({ ...o, metadata: undefined, status: undefined });

/**
 * The API server's semantics over the store: create/update/patch/apply/delete with defaults, validation,
 * generation, managedFields, status subresources and finalizers. The HTTP routes and the controllers
 * both write through it, so what a controller does looks to a watcher as it would on a real cluster.
 */
export class Cluster {
  constructor(readonly store: ObjectStore) {}

  find(kind: Kind, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.store.get(kind, namespace, name);
  }

  get(kind: Kind, namespace: string | undefined, name: string): KubeObject {
    const found = this.find(kind, namespace, name);
    if (!found) throw notFound(kind, name);
    return found;
  }

  list(kind: Kind, namespace?: string): KubeObject[] {
    return this.store.list(kind, namespace);
  }

  create(kind: Kind, namespace: string | undefined, body: unknown, options: WriteOptions): KubeObject {
    const object = this.checkBody(kind, namespace, body);
    const meta = object.metadata;
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${randomSuffix()}`;
    if (kind.namespaced && !this.find(mustKind('Namespace'), undefined, namespace ?? '')) {
      throw notFound({ group: '', resource: 'namespaces' }, namespace ?? '');
    }
    if (meta.name && this.find(kind, namespace, meta.name)) throw alreadyExists(kind, meta.name);
    Object.assign(meta, { uid: randomUUID(), creationTimestamp: now(), generation: 1 });
    delete meta.deletionTimestamp;
    if (kind.subresources.includes('status') && kind.kind !== 'Namespace') delete object.status;
    return this.commit(kind, undefined, object, options, 'Update');
  }

  /** PUT: the whole object (optimistic concurrency on metadata.resourceVersion when given). */
  update(
    kind: Kind,
    namespace: string | undefined,
    name: string,
    body: unknown,
    options: WriteOptions,
  ): KubeObject {
    const object = this.checkBody(kind, namespace, body, name);
    const live = this.get(kind, namespace, name);
    const rv = object.metadata.resourceVersion;
    if (rv && rv !== live.metadata.resourceVersion) throw staleWrite(kind, name);
    return this.commit(kind, live, object, options, 'Update');
  }

  patch(
    kind: Kind,
    namespace: string | undefined,
    name: string,
    type: string,
    patch: unknown,
    options: WriteOptions & { force?: boolean },
  ): KubeObject {
    if (!isObject(patch)) throw badRequest('the patch must be a JSON object');
    if (type === PATCH_TYPES.apply)
      return this.apply(kind, namespace, name, patch, options, options.force ?? false);
    const live = this.get(kind, namespace, name);
    let next: unknown;
    if (type === PATCH_TYPES.merge) next = mergePatch(live, patch);
    else if (type === PATCH_TYPES.strategic) {
      if (!kind.model)
        throw new KubeError(
          415,
          'UnsupportedMediaType',
          `strategic merge patch is not supported for ${kind.kind} (a custom resource); use a JSON merge patch`,
        );
      next = strategicMergePatch(live, patch);
    } else throw unsupportedMediaType(type);
    const candidate = this.checkBody(kind, namespace, next, name);
    const rv = isObject(patch.metadata) ? patch.metadata.resourceVersion : undefined;
    if (rv && rv !== live.metadata.resourceVersion) throw staleWrite(kind, name);
    return this.commit(kind, live, candidate, options, 'Update');
  }

  private apply(
    kind: Kind,
    namespace: string | undefined,
    name: string,
    applied: JsonObject,
    options: WriteOptions,
    force: boolean,
  ): KubeObject {
    if (!options.manager)
      throw badRequest('PATCH, application/apply-patch+yaml requires fieldManager to be set');
    const config = this.checkBody(kind, namespace, applied, name);
    const live = this.find(kind, namespace, name);
    const base: KubeObject = live ?? {
      apiVersion: config.apiVersion,
      kind: config.kind,
      metadata: { ...config.metadata, managedFields: [] },
    };
    const configuration = { ...config, metadata: { ...config.metadata } } as JsonObject;
    const merged = serverSideApply(
      base,
      configuration,
      {
        manager: options.manager,
        apiVersion: groupVersion(kind),
        ...(options.subresource ? { subresource: options.subresource } : {}),
      },
      force,
    );
    if (live) return this.commit(kind, live, merged, options, 'Apply');
    if (options.subresource) throw notFound(kind, name);
    const created = this.create(kind, namespace, merged, { ...options, dryRun: true });
    return options.dryRun
      ? created
      : this.store.put(kind, {
          ...created,
          metadata: { ...created.metadata, managedFields: merged.metadata.managedFields ?? [] },
        });
  }

  delete(kind: Kind, namespace: string | undefined, name: string, options: DeleteOptions = {}): KubeObject {
    const live = this.get(kind, namespace, name);
    if (options.dryRun) return live;
    const policy = options.propagationPolicy ?? (kind.kind === 'Job' ? 'Orphan' : 'Background');
    const finalizers = new Set(live.metadata.finalizers ?? []);
    if (policy === 'Foreground') finalizers.add('foregroundDeletion');
    if (policy === 'Orphan') for (const dependent of this.dependents(live)) this.orphan(dependent, live);
    const graceful = kind.kind === 'Pod' && options.gracePeriodSeconds !== 0 && isRunning(live);
    if (finalizers.size === 0 && !graceful) return this.store.remove(kind, live) ?? live;
    if (live.metadata.deletionTimestamp) return live;
    const grace =
      options.gracePeriodSeconds ??
      (kind.kind === 'Pod' ? Number((live.spec as JsonObject).terminationGracePeriodSeconds ?? 30) : 0);
    const marked = clone(live);
    Object.assign(marked.metadata, {
      deletionTimestamp: now(),
      deletionGracePeriodSeconds: grace,
      finalizers: [...finalizers],
    });
    if (marked.metadata.finalizers?.length === 0) delete marked.metadata.finalizers;
    return this.store.put(kind, marked);
  }

  /** Removes an object whose finalizers and grace period are done (the last step of a deletion). */
  finishDeletion(kind: Kind, object: KubeObject): void {
    const live = this.find(kind, object.metadata.namespace, object.metadata.name);
    if (live && live.metadata.uid === object.metadata.uid) this.store.remove(kind, live);
  }

  /** Every object with an ownerReference to `owner`. */
  dependents(owner: KubeObject): { kind: Kind; object: KubeObject }[] {
    return ['Pod', 'ReplicaSet', 'Event', 'ConfigMap', 'Secret', 'Service'].flatMap((name) => {
      const kind = mustKind(name);
      return this.list(kind, owner.metadata.namespace)
        .filter((o) => (o.metadata.ownerReferences ?? []).some((r) => r.uid === owner.metadata.uid))
        .map((object) => ({ kind, object }));
    });
  }

  private orphan(dependent: { kind: Kind; object: KubeObject }, owner: KubeObject): void {
    const next = clone(dependent.object);
    next.metadata.ownerReferences = next.metadata.ownerReferences?.filter(
      (r) => r.uid !== owner.metadata.uid,
    );
    if (next.metadata.ownerReferences?.length === 0) delete next.metadata.ownerReferences;
    this.commit(dependent.kind, dependent.object, next, { manager: 'kube-controller-manager' }, 'Update');
  }

  private checkBody(kind: Kind, namespace: string | undefined, body: unknown, name?: string): KubeObject {
    if (!isObject(body) || !isObject(body.metadata))
      throw badRequest("Object 'metadata' is missing in the request body");
    const object = clone(body) as KubeObject;
    object.apiVersion ??= groupVersion(kind);
    object.kind ??= kind.kind;
    if (object.apiVersion !== groupVersion(kind) || object.kind !== kind.kind) {
      throw badRequest(
        `the API version in the data (${object.apiVersion}) does not match the expected API version (${groupVersion(kind)})`,
      );
    }
    if (name !== undefined && object.metadata.name !== undefined && object.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${object.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    if (name !== undefined) object.metadata.name = name;
    const bodyNamespace = object.metadata.namespace;
    if (kind.namespaced && bodyNamespace && namespace && bodyNamespace !== namespace) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    if (kind.namespaced) object.metadata.namespace = namespace ?? bodyNamespace ?? 'default';
    else delete object.metadata.namespace;
    return object;
  }

  /** The common tail of every write: status/spec separation, defaults, validation, generation, managedFields. */
  commit(
    kind: Kind,
    live: KubeObject | undefined,
    candidate: KubeObject,
    options: WriteOptions,
    operation: 'Apply' | 'Update',
  ): KubeObject {
    let next = clone(candidate);
    if (live) {
      if (options.subresource === 'status')
        next = {
          ...clone(live),
          status: next.status,
          metadata: { ...clone(live).metadata, managedFields: next.metadata.managedFields ?? [] },
        };
      else if (kind.subresources.includes('status') && kind.kind !== 'Namespace')
        next.status = clone(live.status);
      if (next.status === undefined) delete next.status;
      for (const field of SERVER_FIELDS) {
        if (live.metadata[field] === undefined) delete next.metadata[field];
        else (next.metadata as unknown as JsonObject)[field] = live.metadata[field];
      }
    }
    applyDefaults(next);
    this.validate(kind, next, options);
    if (live && !deepEqual(specOf(live), specOf(next)))
      next.metadata.generation = (live.metadata.generation ?? 0) + 1;
    if (operation === 'Update') {
      next.metadata.managedFields = recordUpdate(live, next, {
        manager: options.manager,
        apiVersion: groupVersion(kind),
        ...(options.subresource ? { subresource: options.subresource } : {}),
      });
    }
    if (live && sameContent(live, next)) return live;
    if (options.dryRun) return next;
    if (
      live?.metadata.deletionTimestamp &&
      !next.metadata.finalizers?.length &&
      !(kind.kind === 'Pod' && isRunning(next))
    ) {
      return this.store.remove(kind, next) ?? next;
    }
    return this.store.put(kind, next);
  }

  private validate(kind: Kind, object: KubeObject, options: WriteOptions): void {
    const { causes, unknown } = validateObject(kind, object);
    const mode = options.fieldValidation ?? 'Strict';
    if (unknown.length && mode === 'Strict') {
      const unknownCauses = unknown.map((p) => ({
        reason: 'FieldValueInvalid',
        message: `unknown field "${fieldPath(p)}"`,
        field: fieldPath(p),
      }));
      const error = invalid(kind.kind, kind.group, object.metadata.name, [...unknownCauses, ...causes]);
      throw new KubeError(
        422,
        'Invalid',
        `${error.message.split(' is invalid: ')[0]} is invalid: strict decoding error: ${unknownCauses.map((c) => c.message).join(', ')}`,
        error.details,
      );
    }
    if (unknown.length) {
      if (mode === 'Warn') options.warnings?.push(...unknown.map((p) => `unknown field "${fieldPath(p)}"`));
      prune(object, unknown);
    }
    if (causes.length) throw invalid(kind.kind, kind.group, object.metadata.name, causes);
  }
}

/** A pod whose containers may still be running: its deletion waits for the kubelet to stop them. */
export function isRunning(pod: KubeObject): boolean {
  const phase = isObject(pod.status) ? pod.status.phase : undefined;
  return phase === 'Running' || (phase === 'Pending' && Boolean(isObject(pod.spec) && pod.spec.nodeName));
}
