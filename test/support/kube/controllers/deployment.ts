import { createHash } from 'node:crypto';
import { mustKind } from '../kinds.js';
import type { JsonObject, KubeObject } from '../objects.js';
import { clone, deepEqual, isOwnedBy, now, ownerRef } from '../objects.js';
import type { ControllerContext } from './context.js';
import { ownerQueue, splitKey, type WorkQueue } from './context.js';

interface DeploymentSpec {
  replicas: number;
  progressDeadlineSeconds: number;
  selector: { matchLabels?: Record<string, string> };
  strategy: {
    type: 'RollingUpdate' | 'Recreate';
    rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string };
  };
  template: { metadata?: { labels?: Record<string, string> }; spec: unknown };
}

interface ReplicaCounts {
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
}

interface DeploymentCondition {
  type: string;
  status: 'True' | 'False';
  lastUpdateTime: string;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

/** The pod-template-hash label: a stable hash of the template, in the API's safe alphabet. */
export const templateHash = (template: unknown): string =>
  [...createHash('sha256').update(JSON.stringify(template)).digest().subarray(0, 10)]
    .map((b) => SAFE[b % SAFE.length])
    .join('');

/** maxSurge rounds up, maxUnavailable down, as the deployment controller resolves percentages. */
function resolve(value: number | string | undefined, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const percent = Number(String(value ?? '25%').replace('%', '')) / 100;
  return roundUp ? Math.ceil(percent * total) : Math.floor(percent * total);
}

const counts = (rs: KubeObject): ReplicaCounts => (rs.status ?? {}) as ReplicaCounts;
const desired = (rs: KubeObject): number => Number((rs.spec as { replicas?: number }).replicas ?? 0);
const sum = (sets: readonly KubeObject[], field: (rs: KubeObject) => number): number =>
  sets.reduce((n, rs) => n + field(rs), 0);

/**
 * The Deployment controller: a ReplicaSet per pod template (label pod-template-hash), rolled by maxSurge
 * and maxUnavailable as pods become available, and the status `kubectl rollout status` reads:
 * observedGeneration, replica counts, Available and Progressing (ProgressDeadlineExceeded after
 * progressDeadlineSeconds without progress).
 */
export class DeploymentController {
  private readonly deployments = mustKind('Deployment');
  private readonly sets = mustKind('ReplicaSet');
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly queue: WorkQueue;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = ownerQueue(ctx, this.deployments, this.sets, (key) => this.sync(key));
  }

  private sync(key: string): void {
    const { cluster } = this.ctx;
    const deploy = cluster.find(this.deployments, ...splitKey(key));
    if (!deploy || deploy.metadata.deletionTimestamp) return;
    const spec = deploy.spec as DeploymentSpec;
    const hash = templateHash(spec.template);
    let sets = cluster.list(this.sets, deploy.metadata.namespace).filter((rs) => isOwnedBy(rs, deploy));
    let fresh = sets.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
    const created = !fresh;
    if (!fresh) {
      fresh = this.createReplicaSet(deploy, spec, hash, sets);
      sets = [...sets, fresh];
    }
    const old = sets.filter((rs) => rs !== fresh);
    for (const [rs, replicas] of this.targets(spec, fresh, old)) this.scale(deploy, rs, replicas);
    this.updateStatus(deploy, spec, key, fresh.metadata.name, created);
  }

  private createReplicaSet(
    deploy: KubeObject,
    spec: DeploymentSpec,
    hash: string,
    existing: readonly KubeObject[],
  ): KubeObject {
    const revision =
      Math.max(
        0,
        ...existing.map((rs) => Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0)),
      ) + 1;
    const template = clone(spec.template);
    const labels = { ...template.metadata?.labels, 'pod-template-hash': hash };
    return this.ctx.cluster.create(
      this.sets,
      deploy.metadata.namespace,
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: `${deploy.metadata.name}-${hash}`,
          labels,
          annotations: {
            'deployment.kubernetes.io/revision': String(revision),
            'deployment.kubernetes.io/desired-replicas': String(spec.replicas),
          },
          ownerReferences: [ownerRef(deploy)],
        },
        spec: {
          replicas: 0,
          selector: { matchLabels: { ...spec.selector.matchLabels, 'pod-template-hash': hash } },
          template: { ...template, metadata: { ...template.metadata, labels } },
        },
      },
      { manager: 'kube-controller-manager' },
    );
  }

  /** The replica counts the rolling update (or Recreate) wants now, for the ReplicaSets that change. */
  private targets(
    spec: DeploymentSpec,
    fresh: KubeObject,
    old: readonly KubeObject[],
  ): [KubeObject, number][] {
    const want = spec.replicas;
    if (spec.strategy.type === 'Recreate') {
      const oldLeft = sum(old, (rs) => desired(rs) + (counts(rs).replicas ?? 0));
      return [
        ...old.map((rs): [KubeObject, number] => [rs, 0]),
        ...(oldLeft === 0 ? [[fresh, want] as [KubeObject, number]] : []),
      ];
    }
    const surge = resolve(spec.strategy.rollingUpdate?.maxSurge, want, true);
    const unavailable = Math.max(
      resolve(spec.strategy.rollingUpdate?.maxUnavailable, want, false),
      surge === 0 ? 1 : 0,
    );
    const total = sum([fresh, ...old], desired);
    const freshTarget =
      desired(fresh) > want ? want : Math.min(want, desired(fresh) + Math.max(0, want + surge - total));
    let budget = Math.max(
      0,
      sum([fresh, ...old], (rs) => counts(rs).availableReplicas ?? 0) - (want - unavailable),
    );
    const out: [KubeObject, number][] = [[fresh, freshTarget]];
    for (const rs of old) {
      const unhealthy = desired(rs) - (counts(rs).availableReplicas ?? 0);
      const cut = Math.min(desired(rs), unhealthy + budget);
      budget -= Math.max(0, cut - unhealthy);
      out.push([rs, desired(rs) - cut]);
    }
    return out.filter(([rs, n]) => n !== desired(rs));
  }

  private scale(deploy: KubeObject, rs: KubeObject, replicas: number): void {
    const from = desired(rs);
    const next = clone(rs);
    (next.spec as JsonObject).replicas = replicas;
    next.metadata.annotations = {
      ...next.metadata.annotations,
      'deployment.kubernetes.io/desired-replicas': String((deploy.spec as DeploymentSpec).replicas),
    };
    this.ctx.cluster.commit(this.sets, rs, next, { manager: 'kube-controller-manager' }, 'Update');
    const verb = replicas > from ? 'up' : 'down';
    this.ctx.events.record(
      deploy,
      'Normal',
      'ScalingReplicaSet',
      `Scaled ${verb} replica set ${rs.metadata.name} from ${from} to ${replicas}`,
      'deployment-controller',
    );
  }

  private updateStatus(
    deploy: KubeObject,
    spec: DeploymentSpec,
    key: string,
    freshName: string,
    created: boolean,
  ): void {
    const { cluster } = this.ctx;
    const sets = cluster.list(this.sets, deploy.metadata.namespace).filter((rs) => isOwnedBy(rs, deploy));
    const fresh = sets.find((rs) => rs.metadata.name === freshName);
    const replicas = sum(sets, (rs) => counts(rs).replicas ?? 0);
    const updated = fresh ? (counts(fresh).replicas ?? 0) : 0;
    const ready = sum(sets, (rs) => counts(rs).readyReplicas ?? 0);
    const available = sum(sets, (rs) => counts(rs).availableReplicas ?? 0);
    const unavailable = Math.max(0, sum(sets, desired) - available);
    const previous = (deploy.status ?? {}) as ReplicaCounts & { conditions?: DeploymentCondition[] };
    const conditions = previous.conditions ?? [];
    const time = now();
    const condition = (
      type: string,
      status: 'True' | 'False',
      reason: string,
      message: string,
      progressed = true,
    ): DeploymentCondition => {
      const before = conditions.find((c) => c.type === type);
      const same = before?.status === status && before.reason === reason;
      return {
        type,
        status,
        lastUpdateTime: same && !progressed ? before.lastUpdateTime : time,
        lastTransitionTime: before?.status === status ? before.lastTransitionTime : time,
        reason,
        message,
      };
    };
    const maxUnavailable =
      spec.strategy.type === 'Recreate'
        ? spec.replicas
        : resolve(spec.strategy.rollingUpdate?.maxUnavailable, spec.replicas, false);
    const availableCondition =
      available >= spec.replicas - maxUnavailable
        ? condition(
            'Available',
            'True',
            'MinimumReplicasAvailable',
            'Deployment has minimum availability.',
            false,
          )
        : condition(
            'Available',
            'False',
            'MinimumReplicasUnavailable',
            'Deployment does not have minimum availability.',
            false,
          );
    const complete = updated === spec.replicas && replicas === spec.replicas && available === spec.replicas;
    // status leaves zero counts out: an absent count is 0, not a change
    const changed = (before: number | undefined, after: number): boolean => (before ?? 0) !== after;
    const progressed =
      created ||
      changed(previous.replicas, replicas) ||
      changed(previous.updatedReplicas, updated) ||
      changed(previous.availableReplicas, available) ||
      changed(previous.readyReplicas, ready);
    const before = conditions.find((c) => c.type === 'Progressing');
    let progressing: DeploymentCondition;
    if (complete)
      progressing = condition(
        'Progressing',
        'True',
        'NewReplicaSetAvailable',
        `ReplicaSet "${freshName}" has successfully progressed.`,
        before?.reason !== 'NewReplicaSetAvailable',
      );
    else if (created)
      progressing = condition(
        'Progressing',
        'True',
        'NewReplicaSetCreated',
        `Created new replica set "${freshName}"`,
      );
    else if (progressed || !before || before.reason === 'NewReplicaSetAvailable')
      progressing = condition(
        'Progressing',
        'True',
        'ReplicaSetUpdated',
        `ReplicaSet "${freshName}" is progressing.`,
      );
    else if (
      before.status === 'True' &&
      Date.parse(before.lastUpdateTime) + spec.progressDeadlineSeconds * 1000 <= Date.now()
    ) {
      progressing = condition(
        'Progressing',
        'False',
        'ProgressDeadlineExceeded',
        `ReplicaSet "${freshName}" has timed out progressing.`,
      );
    } else progressing = before;
    clearTimeout(this.timers.get(key));
    if (!complete && progressing.status === 'True') {
      const due = Date.parse(progressing.lastUpdateTime) + spec.progressDeadlineSeconds * 1000 - Date.now();
      this.timers.set(
        key,
        setTimeout(() => this.queue.add(key), Math.max(0, due) + 10),
      );
    }
    const status = {
      observedGeneration: deploy.metadata.generation,
      ...(replicas ? { replicas } : {}),
      ...(updated ? { updatedReplicas: updated } : {}),
      ...(ready ? { readyReplicas: ready } : {}),
      ...(available ? { availableReplicas: available } : {}),
      ...(unavailable ? { unavailableReplicas: unavailable } : {}),
      conditions: [availableCondition, progressing],
    };
    if (deepEqual(status, deploy.status)) return;
    cluster.commit(
      this.deployments,
      deploy,
      { ...clone(deploy), status },
      { manager: 'kube-controller-manager', subresource: 'status' },
      'Update',
    );
  }

  close(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
