import { MlopsError } from '../../kernel/errors.js';
import { info, type IoHost, type Progress } from '../../kernel/io-host.js';
import {
  byCreation,
  containerStatus,
  eventKind,
  podKind,
  type Condition,
  type EventObject,
  type PodObject,
} from '../cluster-train/objects.js';
import { LAST_LINES } from '../pod-problems.js';
import { listThenWatch } from '../list-then-watch.js';
import type { ClusterClient, KindRef, KubeObject } from '../ports/cluster.js';
import {
  blockingRolloutProblem,
  deadlineDiagnosis,
  recoveryHint,
  type Recovery,
  type RolloutSnapshot,
} from './diagnose.js';

/** The fields of a Deployment that the rollout rule and the diagnosis read. */
export interface DeploymentObject extends KubeObject {
  readonly spec?: {
    readonly replicas?: number;
    readonly progressDeadlineSeconds?: number;
    readonly selector?: { readonly matchLabels?: Readonly<Record<string, string>> };
    readonly template?: {
      readonly spec?: {
        readonly containers?: readonly { readonly name: string; readonly image?: string }[];
      };
    };
  };
  readonly status?: {
    readonly observedGeneration?: number;
    readonly replicas?: number;
    readonly updatedReplicas?: number;
    readonly readyReplicas?: number;
    readonly availableReplicas?: number;
    readonly conditions?: readonly Condition[];
  };
}

/** A ReplicaSet: the pod template of one revision and how many of its pods are available. */
export interface ReplicaSetObject extends KubeObject {
  readonly spec?: DeploymentObject['spec'];
  readonly status?: { readonly availableReplicas?: number };
}

export const deploymentKind = (namespace: string): KindRef => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  namespace,
});

export interface RolloutCounts {
  readonly desired: number;
  readonly updated: number;
  readonly ready: number;
  readonly available: number;
  /** All replicas, old ones included. */
  readonly replicas: number;
}

export type RolloutState = 'progressing' | 'complete' | 'deadline-exceeded';

export const rolloutCounts = (d: DeploymentObject): RolloutCounts => ({
  desired: d.spec?.replicas ?? 1,
  updated: d.status?.updatedReplicas ?? 0,
  ready: d.status?.readyReplicas ?? 0,
  available: d.status?.availableReplicas ?? 0,
  replicas: d.status?.replicas ?? 0,
});

/**
 * `kubectl rollout status`'s rule: the controller has seen the latest spec, every replica runs the new
 * template, no old replica is left, and all new ones are available; Progressing False with
 * ProgressDeadlineExceeded fails it.
 */
export function rolloutState(d: DeploymentObject): RolloutState {
  if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 1)) return 'progressing';
  const progressing = d.status?.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') return 'deadline-exceeded';
  const c = rolloutCounts(d);
  const done = c.updated >= c.desired && c.replicas <= c.updated && c.available >= c.updated;
  return done ? 'complete' : 'progressing';
}

/** `updated/ready/available of N`: what the progress line and the `rollout` events say. */
export const countsText = (c: RolloutCounts): string =>
  `${c.updated} updated, ${c.ready} ready, ${c.available} available of ${c.desired}`;

export interface RolloutOptions {
  readonly cluster: ClusterClient;
  readonly namespace: string;
  readonly name: string;
  readonly io: IoHost;
  readonly recovery: Recovery;
  /** `--timeout`: give up waiting after this many seconds (the rollout itself goes on). */
  readonly timeoutSeconds: number;
  readonly signal?: AbortSignal;
}

/**
 * Waits for a Deployment's rollout with the watch API (never polling): one watch on the Deployment, one
 * on its pods and one on the namespace's events, each from its list's resourceVersion. Replica counts go
 * to a progress line and `rollout` events; it resolves when the rule holds and throws the diagnosis (an
 * MlopsError) when the image cannot be pulled, the container crash-loops, the progress deadline passes
 * or `--timeout` does.
 */
export function waitForRollout(options: RolloutOptions): Promise<RolloutCounts> {
  return new RolloutWatcher(options).run();
}

class RolloutWatcher {
  private deployment: DeploymentObject | undefined;
  private readonly pods = new Map<string, PodObject>();
  private readonly events: EventObject[] = [];
  private progress: Progress | undefined;
  private lastCounts = '';
  private diagnosing = false;
  private settled = false;
  /** Every kind is listed and watched: events may now decide the outcome. */
  private watching = false;
  private resolve!: (counts: RolloutCounts) => void;
  private reject!: (error: unknown) => void;
  private readonly stop = new AbortController();
  private readonly signal: AbortSignal;

  constructor(private readonly options: RolloutOptions) {
    this.signal = options.signal ? AbortSignal.any([this.stop.signal, options.signal]) : this.stop.signal;
  }

  async run(): Promise<RolloutCounts> {
    const { cluster, namespace, name } = this.options;
    const done = new Promise<RolloutCounts>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    const timer = setTimeout(() => this.fail(this.timeout()), this.options.timeoutSeconds * 1000);
    const onAbort = () =>
      this.fail(
        new MlopsError(
          `Stopped waiting for the rollout of ${namespace}/${name}; it goes on in the cluster.`,
          {
            code: 'MLOPS_INTERRUPTED',
            hint: `kubectl rollout status deployment/${name} -n ${namespace} follows it.`,
          },
        ),
      );
    this.options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const signal = this.signal;
      const byName = { fieldSelector: `metadata.name=${name}`, signal };
      const fail = (error: unknown) => this.fail(error);
      await listThenWatch<DeploymentObject>(cluster, deploymentKind(namespace), byName, {
        listed: (items) => (this.deployment = items[0]),
        event: (e) =>
          this.react(() => {
            if (e.type === 'DELETED') this.fail(this.deleted());
            else this.deployment = e.object;
          }),
        error: fail,
      });
      if (!this.deployment) throw this.deleted();
      const labels = this.deployment.spec?.selector?.matchLabels ?? {};
      const podSelector = {
        labelSelector: Object.entries(labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(','),
        signal,
      };
      await Promise.all([
        listThenWatch<PodObject>(cluster, podKind(namespace), podSelector, {
          listed: (items) => items.forEach((pod) => this.pods.set(pod.metadata.name, pod)),
          event: (e) =>
            this.react(() => {
              if (e.type === 'DELETED') this.pods.delete(e.object.metadata.name);
              else this.pods.set(e.object.metadata.name, e.object);
            }),
          error: fail,
        }),
        listThenWatch<EventObject>(
          cluster,
          eventKind(namespace),
          { signal },
          {
            listed: (items) => this.events.push(...items),
            event: (e) => this.react(() => e.type !== 'DELETED' && this.events.push(e.object)),
            error: fail,
          },
        ),
      ]);
      this.watching = true;
      this.update();
      return await done;
    } catch (error) {
      this.fail(error);
      return await done;
    } finally {
      clearTimeout(timer);
      this.options.signal?.removeEventListener('abort', onAbort);
      this.stop.abort();
      this.progress?.done();
    }
  }

  /** One watch event: applied at once, the state re-read only once every list is in. */
  private react(apply: () => unknown): void {
    if (this.settled) return;
    apply();
    if (this.watching) this.update();
  }

  private update(): void {
    const deployment = this.deployment;
    if (this.settled || this.diagnosing || !deployment) return;
    const counts = rolloutCounts(deployment);
    const text = countsText(counts);
    if (text !== this.lastCounts) {
      this.lastCounts = text;
      const { namespace, name } = this.options;
      this.options.io.notify(
        info('rollout', `Rollout of ${name}: ${text}`, { deployment: name, namespace, ...counts }),
      );
      this.progress ??= this.options.io.progress(`Rolling out ${name}`, counts.desired);
      this.progress.update(counts.available, text);
    }
    const state = rolloutState(deployment);
    if (state === 'complete') return this.finish(counts);
    const problem = blockingRolloutProblem(this.snapshot([]));
    if (problem || state === 'deadline-exceeded') {
      this.diagnosing = true;
      void this.diagnose(problem?.code === 'MLOPS_DEPLOY_E5208');
    }
  }

  /** The pods of the Deployment's current template (an old ReplicaSet's pods are not the problem). */
  private currentPods(): PodObject[] {
    const image = this.deployment?.spec?.template?.spec?.containers?.[0]?.image;
    return [...this.pods.values()]
      .filter((p) => !p.metadata.deletionTimestamp && (!image || p.spec?.containers?.[0]?.image === image))
      .sort(byCreation);
  }

  private container(): string {
    return this.deployment?.spec?.template?.spec?.containers?.[0]?.name ?? '';
  }

  private snapshot(lastLines: readonly string[]): RolloutSnapshot {
    return {
      deployment: this.deployment!,
      pods: this.currentPods(),
      events: this.events,
      container: this.container(),
      lastLines,
      recovery: this.options.recovery,
    };
  }

  /** Fails with the diagnosis; a crash loop's quotes the last lines of the container that crashed. */
  private async diagnose(crashing: boolean): Promise<void> {
    let lines: string[] = [];
    const pod = crashing
      ? this.currentPods().find(
          (p) => containerStatus(p, this.container())?.state?.waiting?.reason === 'CrashLoopBackOff',
        )
      : undefined;
    if (pod) lines = await this.tail(pod.metadata.name);
    this.fail(deadlineDiagnosis(this.snapshot(lines)));
  }

  private async tail(pod: string): Promise<string[]> {
    const lines: string[] = [];
    try {
      for await (const l of this.options.cluster.logs(this.options.namespace, pod, {
        container: this.container(),
        tailLines: LAST_LINES,
        previous: true,
        signal: this.signal,
      }))
        lines.push(l.line);
    } catch {
      // the previous container's log is gone: the diagnosis says so without lines
    }
    return lines.slice(-LAST_LINES);
  }

  private timeout(): MlopsError {
    const { namespace, name, timeoutSeconds } = this.options;
    const counts = this.deployment ? ` (${countsText(rolloutCounts(this.deployment))})` : '';
    return new MlopsError(
      `The rollout of ${namespace}/${name} did not finish within --timeout ${timeoutSeconds} s${counts}; it goes on in the cluster.`,
      {
        code: 'MLOPS_DEPLOY_E5211',
        hint: `Wait longer (--timeout SECONDS) or follow it with kubectl rollout status deployment/${name} -n ${namespace}. ${recoveryHint(this.options.recovery)}`,
      },
    );
  }

  private deleted(): MlopsError {
    const { namespace, name } = this.options;
    return new MlopsError(`The Deployment ${namespace}/${name} was deleted while its rollout was followed.`, {
      code: 'MLOPS_DEPLOY_E5212',
      hint: 'Someone deleted it (kubectl delete, another deploy with --prune): run mlops deploy again.',
    });
  }

  private finish(counts: RolloutCounts): void {
    if (this.settled) return;
    this.settled = true;
    this.stop.abort();
    this.resolve(counts);
  }

  private fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.stop.abort();
    this.reject(error);
  }
}
