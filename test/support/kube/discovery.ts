import type { KubeObject } from './objects.js';
import { at } from './objects.js';
import { KINDS, apiResources, groupVersion } from './kinds.js';

/** `/version`: a 1.32 server, the kubectl on this machine's minor. */
export const VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2024-12-11T00:00:00Z',
  goVersion: 'go1.23.3',
  compiler: 'gc',
  platform: 'linux/amd64',
};

export const apiVersions = (address: string): Record<string, unknown> => ({
  kind: 'APIVersions',
  versions: ['v1'],
  serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: address }],
});

export function apiGroupList(): Record<string, unknown> {
  const groups = [...new Set(KINDS.filter((k) => k.group).map((k) => groupVersion(k)))].map((gv) => {
    const [name = '', version = ''] = gv.split('/');
    return {
      name,
      versions: [{ groupVersion: gv, version }],
      preferredVersion: { groupVersion: gv, version },
    };
  });
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

export function apiResourceList(group: string, version: string): Record<string, unknown> | undefined {
  const resources = apiResources(group, version);
  if (!resources.length) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources,
  };
}

const age = (created: string): string => {
  const seconds = Math.max(0, Math.floor((Date.now() - Date.parse(created)) / 1000));
  return seconds < 120
    ? `${seconds}s`
    : seconds < 7200
      ? `${Math.floor(seconds / 60)}m`
      : `${Math.floor(seconds / 3600)}h`;
};

type Cell = (o: KubeObject) => string | number;
const n = (o: KubeObject, ...path: string[]): number => Number(at(o, path) ?? 0);

const podStatus = (o: KubeObject): string => {
  const states = (at(o, ['status', 'containerStatuses']) ?? []) as {
    state: Record<string, { reason?: string }>;
  }[];
  const reasons = states.map((s) => Object.values(s.state)[0]?.reason);
  const shown =
    reasons.find((r) => r && r !== 'Completed') ??
    (reasons.length && reasons.every((r) => r === 'Completed') ? 'Completed' : undefined);
  return o.metadata.deletionTimestamp
    ? 'Terminating'
    : (shown ?? String(at(o, ['status', 'phase']) ?? 'Pending'));
};

const conditionTrue = (o: KubeObject, type: string): boolean =>
  ((at(o, ['status', 'conditions']) ?? []) as { type: string; status: string }[]).some(
    (c) => c.type === type && c.status === 'True',
  );

/** The columns `kubectl get` shows for the kinds people look at by hand; Name and Age for the rest. */
const COLUMNS: Record<string, [string, Cell][]> = {
  Pod: [
    [
      'Ready',
      (o) =>
        `${((at(o, ['status', 'containerStatuses']) ?? []) as { ready: boolean }[]).filter((s) => s.ready).length}/${((at(o, ['spec', 'containers']) ?? []) as unknown[]).length}`,
    ],
    ['Status', podStatus],
    [
      'Restarts',
      (o) =>
        ((at(o, ['status', 'containerStatuses']) ?? []) as { restartCount: number }[]).reduce(
          (sum, s) => sum + s.restartCount,
          0,
        ),
    ],
  ],
  Job: [
    [
      'Status',
      (o) => (conditionTrue(o, 'Complete') ? 'Complete' : conditionTrue(o, 'Failed') ? 'Failed' : 'Running'),
    ],
    ['Completions', (o) => `${n(o, 'status', 'succeeded')}/${n(o, 'spec', 'completions')}`],
  ],
  Deployment: [
    ['Ready', (o) => `${n(o, 'status', 'readyReplicas')}/${n(o, 'spec', 'replicas')}`],
    ['Up-to-date', (o) => n(o, 'status', 'updatedReplicas')],
    ['Available', (o) => n(o, 'status', 'availableReplicas')],
  ],
  ReplicaSet: [
    ['Desired', (o) => n(o, 'spec', 'replicas')],
    ['Current', (o) => n(o, 'status', 'replicas')],
    ['Ready', (o) => n(o, 'status', 'readyReplicas')],
  ],
};

/** The meta.k8s.io Table `kubectl get` asks for, each row with its object's metadata. */
export function table(
  kindName: string,
  items: readonly KubeObject[],
  resourceVersion: string,
): Record<string, unknown> {
  const columns: [string, Cell][] = [
    ['Name', (o) => o.metadata.name],
    ...(COLUMNS[kindName] ?? []),
    ['Age', (o) => age(o.metadata.creationTimestamp)],
  ];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: columns.map(([name], i) => ({
      name,
      type: 'string',
      format: i === 0 ? 'name' : '',
      description: name,
      priority: 0,
    })),
    rows: items.map((o) => ({
      cells: columns.map(([, cell]) => cell(o)),
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}
