import { MlopsError } from '../../kernel/errors.js';
import { info, outcome, type IoHost, type Progress } from '../../kernel/io-host.js';
import { TRAINING_CONTAINER } from '../../manifests/training-job.js';
import { listThenWatch } from '../list-then-watch.js';
import type { ClusterClient, LogLine, WatchEvent } from '../ports/cluster.js';
import { datasetMessage, epochDetail, trainedMessage } from '../train.js';
import { compareLogTimes } from '../log-time.js';
import { LAST_LINES } from '../pod-problems.js';
import { blockingProblem, failureDiagnosis, pendingReason, type JobSnapshot } from './diagnose.js';
import { jobNotFound } from './list.js';
import {
  byCreation,
  containerStatus,
  eventKind,
  hasStarted,
  jobKind,
  jobPodSelector,
  jobResult,
  podKind,
  type EventObject,
  type JobObject,
  type PodObject,
} from './objects.js';
import { parsePodLine, type RegisteredEvent } from './pod-line.js';

export interface FollowOptions {
  readonly cluster: ClusterClient;
  readonly namespace: string;
  readonly job: string;
  /** The model whose Jobs an unknown name is compared with. */
  readonly model: string;
  readonly io: IoHost;
  /** Ctrl-C: stop following and detach; the Job runs on. */
  readonly signal?: AbortSignal;
  /** Show only log lines after this kubelet time (`--attach JOB --since TIME`). */
  readonly since?: string;
  /**
   * Creates the Job (`train --watch`) once the lists are read: the watches start from their
   * resourceVersions, so every state of the new Job and its pods is seen, the first ones included.
   */
  readonly submit?: () => Promise<unknown>;
}

export type FollowOutcome =
  | {
      readonly state: 'complete';
      readonly job: string;
      readonly namespace: string;
      /** The container's `registered` event; absent when its line was before `since` or the log is gone. */
      readonly registered?: RegisteredEvent;
    }
  | {
      readonly state: 'detached';
      readonly job: string;
      readonly namespace: string;
      /** The time of the last log line shown: `--since` for a reattach that repeats nothing. */
      readonly since?: string;
    };

/**
 * Follows a training Job to its end with the watch API, never a polling loop: one watch on the Job, one
 * on its pods and one on its events (each after a list, from the list's resourceVersion; the client
 * resumes a dropped watch), and one log follow per pod, pods in the order the Job made them. The pod's
 * JSON lines become our events (epoch → the progress bar, registered → the result); pod phases and the
 * scheduler's complaints become `pod` events. Resolves when the Job is Complete and its log is read,
 * or detached on `signal`; throws the diagnosis (an MlopsError) when it fails or cannot go on.
 */
export function followJob(options: FollowOptions): Promise<FollowOutcome> {
  return new JobFollower(options).run();
}

class JobFollower {
  private job: JobObject | undefined;
  private readonly pods = new Map<string, PodObject>();
  private readonly deleted = new Set<string>();
  private readonly events: EventObject[] = [];
  private readonly announced = new Map<string, string>();
  /** Pods whose log is queued, being read, or read (in that order). */
  private readonly logQueue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly logsRead = new Set<string>();
  private reading = false;
  private readonly lastLines = new Map<string, string[]>();
  private lastShown: string | undefined;
  private registered: RegisteredEvent | undefined;
  private progress: Progress | undefined;
  private diagnosing = false;
  /** Until `submit` returns, changes are recorded but not reported (its `submitted` event comes first). */
  private submitting = false;
  private settled = false;
  /** Every kind is listed and watched: events may now decide the outcome. */
  private watching = false;
  private resolve!: (outcome: FollowOutcome) => void;
  private reject!: (error: unknown) => void;
  private readonly stop = new AbortController();
  private readonly signal: AbortSignal;

  constructor(private readonly options: FollowOptions) {
    this.signal = options.signal ? AbortSignal.any([this.stop.signal, options.signal]) : this.stop.signal;
  }

  async run(): Promise<FollowOutcome> {
    const { cluster, namespace, job } = this.options;
    const done = new Promise<FollowOutcome>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    const onDetach = () => this.finish({ state: 'detached', job, namespace, since: this.lastShown });
    this.options.signal?.addEventListener('abort', onDetach, { once: true });
    try {
      const signal = this.signal;
      const jobSelector = { fieldSelector: `metadata.name=${job}`, signal };
      const podSelector = { labelSelector: jobPodSelector(job), signal };
      const eventSelector = { fieldSelector: `involvedObject.name=${job}`, signal };
      const fail = (error: unknown) => this.fail(error);
      let found = false;
      await Promise.all([
        listThenWatch<JobObject>(cluster, jobKind(namespace), jobSelector, {
          listed: (items) => {
            this.job = items[0];
            found = this.job !== undefined;
          },
          event: (e) => this.react(() => this.onJob(e)),
          error: fail,
        }),
        listThenWatch<PodObject>(cluster, podKind(namespace), podSelector, {
          listed: (items) => items.forEach((pod) => this.pods.set(pod.metadata.name, pod)),
          event: (e) => this.react(() => this.onPod(e)),
          error: fail,
        }),
        listThenWatch<EventObject>(cluster, eventKind(namespace), eventSelector, {
          listed: (items) => this.events.push(...items),
          event: (e) => this.react(() => e.type !== 'DELETED' && this.events.push(e.object)),
          error: fail,
        }),
      ]);
      if (!found && !this.options.submit) {
        throw await jobNotFound({ cluster, namespace, model: this.options.model, job, signal });
      }
      this.watching = true;
      if (this.options.submit) {
        this.submitting = true;
        await this.options.submit();
        this.submitting = false;
      }
      this.update();
      return await done;
    } catch (error) {
      if (this.options.signal?.aborted) return await done;
      throw error;
    } finally {
      this.options.signal?.removeEventListener('abort', onDetach);
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

  private onJob(event: WatchEvent<JobObject>): void {
    if (event.type === 'DELETED') {
      const { job, namespace } = this.options;
      this.fail(
        new MlopsError(`The training Job ${namespace}/${job} was deleted while it was followed.`, {
          code: 'MLOPS_TRAIN_E5113',
          hint: 'Someone ran mlops train --cancel (or kubectl delete); mlops train --list shows what remains.',
        }),
      );
      return;
    }
    this.job = event.object;
  }

  private onPod(event: WatchEvent<PodObject>): void {
    const name = event.object.metadata.name;
    if (event.type === 'DELETED') this.deleted.add(name);
    this.pods.set(name, event.object);
  }

  /** After every change: tell what the pods do, read the logs of those that started, and decide. */
  private update(): void {
    if (this.settled || this.submitting || !this.job) return;
    const pods = this.sortedPods();
    for (const pod of pods) this.announce(pod);
    for (const pod of pods) {
      const name = pod.metadata.name;
      if (!this.queued.has(name) && !this.deleted.has(name) && hasStarted(pod, TRAINING_CONTAINER)) {
        this.queued.add(name);
        this.logQueue.push(name);
      }
    }
    void this.readLogs();
    if (!this.diagnosing) {
      const problem = blockingProblem(this.snapshot());
      if (problem) {
        this.diagnosing = true;
        void this.failWithLines(
          problem.code === 'MLOPS_TRAIN_E5108',
          (snapshot) => blockingProblem(snapshot) ?? problem,
        );
        return;
      }
    }
    const result = jobResult(this.job);
    // Failed comes once the pods have ended: read their logs to the end (a deleted pod's says no more)
    if (result === 'Failed' && !this.diagnosing && this.logQueue.every((p) => this.deleted.has(p))) {
      this.diagnosing = true;
      void this.failWithLines(false, failureDiagnosis);
    }
    if (result !== 'Complete' || this.reading || this.logQueue.length > 0) return;
    // Complete: the succeeded pod's log (with the `registered` line) must be read to the end first.
    const succeeded = pods.some((p) => p.status?.phase === 'Succeeded' && this.logsRead.has(p.metadata.name));
    if (succeeded || this.deleted.size === this.pods.size) {
      const { job, namespace } = this.options;
      this.finish({ state: 'complete', job, namespace, registered: this.registered });
    }
  }

  private sortedPods(): PodObject[] {
    return [...this.pods.values()].sort(byCreation);
  }

  private snapshot(lastLines?: readonly string[]): JobSnapshot {
    const pods = this.sortedPods();
    const ran = pods.filter((p) => this.lastLines.has(p.metadata.name)).at(-1);
    return {
      job: this.job!,
      pods,
      events: this.events,
      container: TRAINING_CONTAINER,
      lastLines: lastLines ?? (ran ? (this.lastLines.get(ran.metadata.name) ?? []) : []),
    };
  }

  /**
   * Fails with a diagnosis that quotes the last log lines: those read, else (a crash loop's previous
   * container, a log never followed) the tail the API still has.
   */
  private async failWithLines(
    previous: boolean,
    diagnose: (snapshot: JobSnapshot) => MlopsError,
  ): Promise<void> {
    let lines: readonly string[] | undefined;
    const snapshot = this.snapshot();
    if (previous || snapshot.lastLines.length === 0) {
      const pod = snapshot.pods.filter((p) => hasStarted(p, TRAINING_CONTAINER) || previous).at(-1);
      if (pod) lines = await this.tail(pod.metadata.name, previous);
    }
    this.fail(diagnose(this.snapshot(lines)));
  }

  private async tail(pod: string, previous: boolean): Promise<string[]> {
    const lines: string[] = [];
    try {
      for await (const l of this.options.cluster.logs(this.options.namespace, pod, {
        container: TRAINING_CONTAINER,
        tailLines: LAST_LINES,
        previous,
        signal: this.signal,
      }))
        lines.push(l.line);
    } catch {
      // the pod or its previous container is gone: the diagnosis says so without lines
    }
    return lines.slice(-LAST_LINES);
  }

  /** One follow at a time, pods in creation order, so a retry's lines come after its predecessor's. */
  private async readLogs(): Promise<void> {
    if (this.reading || this.logQueue.length === 0) return;
    this.reading = true;
    try {
      for (let pod = this.logQueue[0]; pod !== undefined && !this.settled; pod = this.logQueue[0]) {
        try {
          for await (const line of this.options.cluster.logs(this.options.namespace, pod, {
            container: TRAINING_CONTAINER,
            follow: true,
            signal: this.signal,
          })) {
            if (this.settled) return;
            this.onLine(pod, line);
          }
        } catch (error) {
          if (this.signal.aborted) return;
          // a pod deleted under the follow (deadline, cancel) has no more to say; anything else is ours
          if (!this.deleted.has(pod) && !(this.job && jobResult(this.job))) throw error;
        }
        this.logsRead.add(pod);
        this.logQueue.shift();
      }
    } catch (error) {
      this.fail(error);
    } finally {
      this.reading = false;
    }
    this.update();
  }

  private onLine(pod: string, { time, line }: LogLine): void {
    const read = parsePodLine(line);
    // what a failure message quotes: the words of a `failed` event rather than its JSON
    const lines = this.lastLines.get(pod) ?? [];
    lines.push(read.kind === 'log' ? read.text : line);
    if (lines.length > LAST_LINES) lines.shift();
    this.lastLines.set(pod, lines);
    if (this.options.since && compareLogTimes(time, this.options.since) <= 0) return;
    this.lastShown = time;
    const { io } = this.options;
    switch (read.kind) {
      case 'epoch':
        io.notify(info('epoch', '', read.data));
        this.progress ??= io.progress('Training', read.data.epochs);
        this.progress.update(read.data.epoch, epochDetail(read.data));
        return;
      case 'dataset':
        io.notify(info('dataset', datasetMessage(read.data), read.data));
        return;
      case 'trained':
        this.endProgress();
        io.notify(info('trained', trainedMessage(read.data.metrics), read.data));
        return;
      case 'registered':
        // reported when following ends: `registered` is the last line of train (DESIGN.md §1)
        this.endProgress();
        this.registered = read.data;
        return;
      case 'log':
        // a plain line would land on the bar's line: clear it; the next epoch draws it again
        this.endProgress();
        io.notify(info('log', read.text, { pod, time, line }));
    }
  }

  private endProgress(): void {
    this.progress?.done();
    this.progress = undefined;
  }

  /** A `pod` event when a pod's phase or state changes: scheduling, pulling, running, its end. */
  private announce(pod: PodObject): void {
    const name = pod.metadata.name;
    if (this.deleted.has(name)) return;
    const status = containerStatus(pod, TRAINING_CONTAINER);
    const phase = pod.status?.phase ?? 'Pending';
    const unschedulable = pendingReason(pod, this.events);
    const state = status?.state;
    const reason = unschedulable
      ? 'Unschedulable'
      : (state?.waiting?.reason ?? state?.terminated?.reason ?? (state?.running ? 'Started' : undefined));
    const key = `${phase}/${reason ?? ''}`;
    if (this.announced.get(name) === key) return;
    this.announced.set(name, key);
    const message = unschedulable ?? state?.waiting?.message ?? state?.terminated?.message;
    const exitCode = state?.terminated?.exitCode;
    const data = { pod: name, phase, reason, message, exitCode };
    const words =
      reason === 'Unschedulable'
        ? `not scheduled yet: ${unschedulable}`
        : phase === 'Pending'
          ? reason === undefined
            ? 'waiting to be scheduled'
            : reason === 'ContainerCreating'
              ? 'scheduled; pulling the image and starting the container'
              : `waiting (${reason}${message ? `: ${message}` : ''})`
          : phase === 'Running'
            ? 'training container started'
            : phase === 'Succeeded'
              ? 'succeeded'
              : phase === 'Failed'
                ? `failed${exitCode === undefined ? '' : ` (exit code ${exitCode})`}${reason ? `: ${reason}` : ''}`
                : phase;
    const level = reason === 'Unschedulable' ? 'warn' : 'info';
    this.options.io.notify({ level, event: 'pod', message: `Pod ${name}: ${words}`, data });
  }

  private finish(result: FollowOutcome): void {
    if (this.settled) return;
    this.settled = true;
    this.stop.abort();
    const { registered } = this;
    if (registered) {
      this.options.io.notify(
        outcome('registered', `Registered ${registered.model} ${registered.version}.`, {
          ...registered,
          job: this.options.job,
        }),
      );
    }
    this.resolve(result);
  }

  private fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.stop.abort();
    this.reject(error);
  }
}
