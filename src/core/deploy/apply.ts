import type { IoHost } from '../../kernel/io-host.js';
import type { ClusterClient, KubeObject, ObjectRef } from '../ports/cluster.js';

/** How a deploy left one object: created, changed (configured) or exactly as it was. */
export interface AppliedObject {
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly action: 'created' | 'configured' | 'unchanged';
}

export const refOf = (o: KubeObject): ObjectRef => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  name: o.metadata.name,
  ...(o.metadata.namespace === undefined ? {} : { namespace: o.metadata.namespace }),
});

export const keyOf = (o: {
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
}) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/**
 * The resourceVersion of each object as the cluster has it now (undefined: absent). Read before anything
 * is applied: server-side apply of identical content leaves the resourceVersion as it was, so comparing
 * after apply tells exactly what a deploy changed.
 */
export async function currentVersions(
  cluster: ClusterClient,
  objects: readonly KubeObject[],
  signal?: AbortSignal,
): Promise<Map<string, string | undefined>> {
  const versions = await Promise.all(
    objects.map(
      async (o) => [keyOf(o), (await cluster.get(refOf(o), signal))?.metadata.resourceVersion] as const,
    ),
  );
  return new Map(versions);
}

/** Server-side applies the objects in order (field manager mlops) and says what each one became. */
export async function applyObjects(
  cluster: ClusterClient,
  objects: readonly KubeObject[],
  options: {
    readonly before: ReadonlyMap<string, string | undefined>;
    readonly io: IoHost;
    readonly forceConflicts?: boolean;
    readonly signal?: AbortSignal;
  },
): Promise<AppliedObject[]> {
  const applied: AppliedObject[] = [];
  for (const object of objects) {
    const stored = await cluster.apply(object, {
      forceConflicts: options.forceConflicts,
      signal: options.signal,
    });
    const was = options.before.get(keyOf(object));
    const action =
      was === undefined ? 'created' : was === stored.metadata.resourceVersion ? 'unchanged' : 'configured';
    const { kind, metadata } = object;
    const result = { kind, name: metadata.name, namespace: metadata.namespace, action } as const;
    applied.push(result);
    options.io.notify({
      level: action === 'unchanged' ? 'debug' : 'info',
      event: 'applied',
      message: `${kind} ${metadata.name} ${action}`,
      data: { ...result, changed: action !== 'unchanged' },
    });
  }
  return applied;
}
