import os from 'node:os';
import type { EventType } from '../events.js';
import { mustKind } from '../kinds.js';
import type { KubeObject } from '../objects.js';
import { clone, now } from '../objects.js';
import type { Change } from '../store.js';
import type { ContainerProcess, Exit } from './container-process.js';
import { resolveCommand, startErrorMessage, startProcess } from './container-process.js';
import type { ControllerContext } from './context.js';
import { WorkQueue, objectKey, splitKey } from './context.js';
import { ConfigError, containerEnv, expand } from './pod-env.js';
import { freePort } from '../../free-port.js';
import { httpProbe } from './pod-ports.js';
import type { Container, ContainerState, ContainerStatus, PodSpec, PodStatus } from './pod-status.js';
import { initialContainerStatus, phaseOf, readiness, setCondition } from './pod-status.js';

const NODE = 'mlops-node-1';
const UNSCHEDULABLE =
  '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.';

type Say = (type: EventType, reason: string, message: string) => void;
type SetState = (state: ContainerState, extra?: Partial<ContainerStatus>) => void;

/** What the kubelet holds for one pod it runs: its containers' processes, timers, and whether it is stopping. */
class PodRuntime {
  readonly processes = new Map<string, ContainerProcess>();
  readonly loops: Promise<void>[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly wakers = new Set<() => void>();
  stopping = false;
  started = false;
  reportedUnschedulable = false;

  constructor(readonly uid: string) {}

  /** Waits, unless the pod is stopped first. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.wakers.delete(resolve);
        resolve();
      }, ms);
      this.timers.add(timer);
      this.wakers.add(resolve);
    });
  }

  stop(graceSeconds: number): void {
    this.stopping = true;
    for (const timer of this.timers) clearTimeout(timer);
    for (const wake of this.wakers) wake();
    for (const proc of this.processes.values()) proc.stop(graceSeconds);
  }
}

/** `registry:5000/app:tag` or `app@sha256:…` → `registry:5000/app`. */
const repository = (image: string): string => image.replace(/@.*$/, '').replace(/:[^:/]*$/, '');

/** A container that is not run as a process (Deployment pods by default, a hanging fault): running until stopped. */
function idleProcess(exitCode: number): ContainerProcess & { wake(): void } {
  let wake = (): void => undefined;
  const exited = new Promise<Exit>((resolve) => (wake = () => resolve({ exitCode })));
  return { exited, stop: () => wake(), wake };
}

/**
 * The scheduler and the kubelet of a one-node cluster. Pods of Jobs (restartPolicy Never/OnFailure) run
 * their container's command as a local process in the project directory with the pod's env, and its
 * output is the pod log. Pods with restartPolicy Always (Deployments) are not run as processes by default:
 * their containers are reported running, and ready unless the readinessNever fault is set. With
 * `runDeploymentPods` they run too, each container on its own local port (PORT and HOST in its env, the
 * mapping in ctx.ports), their readiness is their HTTP readiness probe's real answer, a crash restarts
 * with back-off, and a deletion stops them with SIGTERM, then SIGKILL after the grace period.
 */
export class Kubelet {
  private readonly pods = mustKind('Pod');
  private readonly runtimes = new Map<string, PodRuntime>();
  private readonly queue: WorkQueue;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue(
      (key) => this.sync(key),
      (error) => this.ctx.onError(error),
    );
    ctx.cluster.store.subscribe((change) => this.observe(change));
  }

  private observe(change: Change): void {
    if (change.kind !== this.pods) return;
    const { uid, namespace, name } = change.object.metadata;
    if (change.type === 'DELETED') {
      this.runtimes.get(uid)?.stop(0);
      this.runtimes.delete(uid);
      this.ctx.logs.forget(namespace ?? '', name);
      this.ctx.ports.forget(namespace ?? '', name);
    } else this.queue.add(objectKey(namespace, name));
  }

  private sync(key: string): void {
    const pod = this.ctx.cluster.find(this.pods, ...splitKey(key));
    if (!pod) return;
    const runtime = this.runtimes.get(pod.metadata.uid) ?? new PodRuntime(pod.metadata.uid);
    this.runtimes.set(pod.metadata.uid, runtime);
    const spec = pod.spec as PodSpec;
    if (pod.metadata.deletionTimestamp) return this.terminate(pod, runtime);
    if (!spec.nodeName) return this.schedule(pod, runtime);
    if (runtime.started) return;
    runtime.started = true;
    this.status(pod, (status) => {
      status.phase = 'Pending';
      status.hostIP = '10.0.0.1';
      // pods that really run share the host's network: the API server's pod proxy reaches them there
      status.podIP = this.runs(spec)
        ? '127.0.0.1'
        : `10.244.0.${(parseInt(pod.metadata.uid.slice(0, 2), 16) % 250) + 2}`;
      status.podIPs = [{ ip: status.podIP }];
      status.startTime = now();
      status.qosClass = 'BestEffort';
      status.containerStatuses = spec.containers.map(initialContainerStatus);
      for (const type of ['PodReadyToStartContainers', 'Initialized'])
        status.conditions = setCondition(status.conditions ?? [], type, 'True');
      status.conditions = readiness(status);
    });
    for (const container of spec.containers)
      runtime.loops.push(this.runContainer(pod, spec, container, runtime));
  }

  private schedule(pod: KubeObject, runtime: PodRuntime): void {
    const images = (pod.spec as PodSpec).containers.map((c) => c.image);
    if (images.some((image) => this.ctx.faults.affecting('unschedulable', image))) {
      if (runtime.reportedUnschedulable) return;
      runtime.reportedUnschedulable = true;
      this.status(pod, (status) => {
        status.phase = 'Pending';
        status.conditions = setCondition(
          status.conditions ?? [],
          'PodScheduled',
          'False',
          'Unschedulable',
          UNSCHEDULABLE,
        );
      });
      return this.event(pod, 'Warning', 'FailedScheduling', UNSCHEDULABLE, 'default-scheduler');
    }
    const bound = clone(pod);
    (bound.spec as PodSpec).nodeName = NODE;
    const scheduled = this.ctx.cluster.commit(this.pods, pod, bound, { manager: 'kube-scheduler' }, 'Update');
    this.status(scheduled, (status) => {
      status.phase = 'Pending';
      status.conditions = setCondition(status.conditions ?? [], 'PodScheduled', 'True');
    });
    this.event(
      pod,
      'Normal',
      'Scheduled',
      `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${NODE}`,
      'default-scheduler',
    );
  }

  private async runContainer(
    pod: KubeObject,
    spec: PodSpec,
    c: Container,
    runtime: PodRuntime,
  ): Promise<void> {
    const { faults, options } = this.ctx;
    const ref = `spec.containers{${c.name}}`;
    const say: Say = (type, reason, message) => this.event(pod, type, reason, message, 'kubelet', ref);
    const set: SetState = (state, extra = {}) => {
      const exitCode = 'terminated' in state ? state.terminated.exitCode : 0;
      const restarting =
        !runtime.stopping &&
        (spec.restartPolicy === 'Always' || (spec.restartPolicy === 'OnFailure' && exitCode !== 0));
      this.container(
        pod,
        spec,
        c.name,
        state,
        extra,
        'waiting' in state
          ? state.waiting.reason === 'CrashLoopBackOff'
          : 'terminated' in state && restarting,
      );
    };
    say('Normal', 'Pulling', `Pulling image "${c.image}"`);
    if (faults.affecting('imagePull', c.image)) {
      const message = `failed to pull and unpack image "${c.image}": failed to resolve reference "${c.image}": ${c.image}: not found`;
      set({ waiting: { reason: 'ErrImagePull', message } });
      say(
        'Warning',
        'Failed',
        `Failed to pull image "${c.image}": rpc error: code = NotFound desc = ${message}`,
      );
      say('Warning', 'Failed', 'Error: ErrImagePull');
      await runtime.sleep(options.backoffMs);
      if (runtime.stopping) return;
      set({ waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${c.image}"` } });
      say('Normal', 'BackOff', `Back-off pulling image "${c.image}"`);
      return say('Warning', 'Failed', 'Error: ImagePullBackOff');
    }
    say(
      'Normal',
      'Pulled',
      `Successfully pulled image "${c.image}" in 1ms (1ms including waiting). Image size: 1024 bytes.`,
    );
    for (let restarts = 0; !runtime.stopping; restarts++) {
      const exit = await this.runOnce(pod, spec, c, runtime, say, set);
      if (!exit || runtime.stopping) return;
      const restart =
        spec.restartPolicy === 'Always' || (spec.restartPolicy === 'OnFailure' && exit.exitCode !== 0);
      if (!restart) return;
      const delay = Math.min(options.backoffMs * 2 ** restarts, options.backoffMs * 10);
      set(
        {
          waiting: {
            reason: 'CrashLoopBackOff',
            message: `back-off ${delay}ms restarting failed container=${c.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`,
          },
        },
        { restartCount: restarts + 1 },
      );
      say(
        'Warning',
        'BackOff',
        `Back-off restarting failed container ${c.name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`,
      );
      await runtime.sleep(delay);
    }
  }

  /** One run of a container: config, start (a process, an idle stand-in, or a fault's exit), and its end. */
  private async runOnce(
    pod: KubeObject,
    spec: PodSpec,
    c: Container,
    runtime: PodRuntime,
    say: Say,
    set: SetState,
  ): Promise<Exit | undefined> {
    const { faults, options, cluster, logs } = this.ctx;
    let env: Record<string, string>;
    try {
      env = containerEnv(cluster, pod, c.env, c.envFrom);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      set({ waiting: { reason: 'CreateContainerConfigError', message: error.message } });
      say('Warning', 'Failed', `Error: ${error.message}`);
      return undefined;
    }
    const crash = faults.affecting('crashLoop', c.image) ?? faults.affecting('jobFailed', c.image);
    const hang = faults.affecting('deadlineExceeded', c.image);
    const log = logs.start(pod.metadata.namespace ?? '', pod.metadata.name, c.name);
    const command = c.command ?? options.entrypoints[repository(c.image)] ?? [];
    const argv = [...command, ...(c.args ?? [])].map((a) => expand(a, env));
    const runs = !crash && !hang && this.runs(spec);
    const file = runs ? resolveCommand(argv[0] ?? '', process.env.PATH ?? '') : undefined;
    const containerID = `containerd://${pod.metadata.uid.replace(/-/g, '')}${c.name.length}`;
    say('Normal', 'Created', `Created container ${c.name}`);
    if (runs && !file) {
      const message = argv.length
        ? startErrorMessage(argv[0] ?? '')
        : 'failed to create containerd task: no command specified: unknown';
      log.end();
      say('Warning', 'Failed', `Error: ${message}`);
      set(
        { terminated: { exitCode: 128, reason: 'StartError', message, finishedAt: now(), containerID } },
        { ready: false, started: false },
      );
      return { exitCode: 128 };
    }
    const port = file && spec.restartPolicy === 'Always' ? await this.mapPort(pod, c) : undefined;
    if (runtime.stopping) return undefined;
    const proc = crash
      ? undefined
      : file
        ? startProcess(
            file,
            argv.slice(1),
            options.projectDir,
            {
              PATH: process.env.PATH ?? '',
              HOSTNAME: pod.metadata.name,
              HOME: os.tmpdir(),
              ...options.podEnv,
              ...env,
              // the server's own port variables: where this container's port really listens
              ...(port === undefined ? {} : { PORT: String(port), HOST: '127.0.0.1' }),
            },
            log,
          )
        : idleProcess(143);
    if (proc) runtime.processes.set(c.name, proc);
    const startedAt = now();
    say('Normal', 'Started', `Started container ${c.name}`);
    const never = faults.affecting('readinessNever', c.image) !== undefined;
    const probe = port !== undefined && !never ? c.readinessProbe : undefined;
    const ready = !probe && !never;
    set({ running: { startedAt } }, { ready, started: true, containerID });
    if (never) say('Warning', 'Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503');
    const run = { alive: true };
    if (probe && port !== undefined) runtime.loops.push(this.probeReadiness(pod, c, port, runtime, run, say));
    const exit = proc ? await proc.exited : { exitCode: crash?.exitCode ?? 1 };
    run.alive = false;
    if (!proc) log.end();
    runtime.processes.delete(c.name);
    const reason = exit.exitCode === 0 ? 'Completed' : 'Error';
    set(
      { terminated: { exitCode: exit.exitCode, reason, startedAt, finishedAt: now(), containerID } },
      { ready: false, started: false },
    );
    return exit;
  }

  /** Whether a pod's containers run as processes: Job pods always, Deployment pods when asked. */
  private runs(spec: PodSpec): boolean {
    return spec.restartPolicy !== 'Always' || this.ctx.options.runDeploymentPods;
  }

  /** The container's (first) container port on a free local port, recorded for the pod proxy. */
  private async mapPort(pod: KubeObject, c: Container): Promise<number> {
    const containerPort = c.ports?.[0]?.containerPort ?? 8080;
    const namespace = pod.metadata.namespace ?? '';
    const port = this.ctx.ports.get(namespace, pod.metadata.name, containerPort) ?? (await freePort());
    this.ctx.ports.set(namespace, pod.metadata.name, containerPort, port);
    return port;
  }

  /**
   * The readiness probe of one run of a container, every period until it ends: ready after a success,
   * unready after failureThreshold failures in a row, an Unhealthy event with the answer for each failure.
   */
  private async probeReadiness(
    pod: KubeObject,
    c: Container,
    port: number,
    runtime: PodRuntime,
    run: { alive: boolean },
    say: Say,
  ): Promise<void> {
    const probe = c.readinessProbe ?? {};
    const path = probe.httpGet?.path ?? '/';
    const period = this.ctx.options.probePeriodMs ?? (probe.periodSeconds ?? 10) * 1000;
    // The probe's own timeout, as the kubelet has it, however short the test's period: a server slowed
    // by a loaded machine answering in 300 ms is ready, not flapping (a CI flake in status.test.ts).
    const timeout = (probe.timeoutSeconds ?? 1) * 1000;
    let ready = false;
    let failures = 0;
    while (run.alive && !runtime.stopping) {
      const answer = await httpProbe(port, path, timeout);
      if (!run.alive || runtime.stopping) return;
      failures = answer.ok ? 0 : failures + 1;
      if (!answer.ok) say('Warning', 'Unhealthy', `Readiness probe failed: ${answer.message}`);
      const next: boolean = answer.ok || (ready && failures < (probe.failureThreshold ?? 3));
      if (next !== ready) this.setReady(pod, c.name, next);
      ready = next;
      await runtime.sleep(period);
    }
  }

  private setReady(pod: KubeObject, name: string, ready: boolean): void {
    this.status(pod, (status) => {
      status.containerStatuses = (status.containerStatuses ?? []).map((s) =>
        s.name === name && 'running' in s.state ? { ...s, ready } : s,
      );
      status.conditions = readiness(status);
    });
  }

  /** Sets one container's state and derives the pod's phase and readiness from all of them. */
  private container(
    pod: KubeObject,
    spec: PodSpec,
    name: string,
    state: ContainerState,
    extra: Partial<ContainerStatus>,
    restarting: boolean,
  ): void {
    this.status(pod, (status) => {
      status.containerStatuses = (status.containerStatuses ?? []).map((s) => {
        if (s.name !== name) return s;
        const lastState =
          'terminated' in s.state && !('terminated' in state)
            ? { terminated: s.state.terminated }
            : s.lastState;
        return { ...s, ...extra, state, lastState };
      });
      status.phase = phaseOf(status.containerStatuses, spec.restartPolicy, restarting);
      status.conditions = readiness(status);
    });
  }

  private terminate(pod: KubeObject, runtime: PodRuntime): void {
    if (runtime.stopping) return;
    const grace =
      pod.metadata.deletionGracePeriodSeconds ?? (pod.spec as PodSpec).terminationGracePeriodSeconds ?? 30;
    for (const name of runtime.processes.keys())
      this.event(
        pod,
        'Normal',
        'Killing',
        `Stopping container ${name}`,
        'kubelet',
        `spec.containers{${name}}`,
      );
    runtime.stop(grace);
    void Promise.all(runtime.loops).then(() => {
      const live = this.ctx.cluster.find(this.pods, pod.metadata.namespace, pod.metadata.name);
      if (!live || live.metadata.uid !== pod.metadata.uid) return;
      this.status(live, (status) => {
        if (status.phase !== 'Succeeded') status.phase = 'Failed';
      });
      this.ctx.cluster.finishDeletion(this.pods, live);
    });
  }

  private status(pod: KubeObject, mutate: (status: PodStatus) => void): void {
    const live = this.ctx.cluster.find(this.pods, pod.metadata.namespace, pod.metadata.name);
    if (!live || live.metadata.uid !== pod.metadata.uid) return;
    const next = clone(live);
    next.status = (next.status ?? {}) as PodStatus;
    mutate(next.status as PodStatus);
    this.ctx.cluster.commit(this.pods, live, next, { manager: 'kubelet', subresource: 'status' }, 'Update');
  }

  private event(
    pod: KubeObject,
    type: EventType,
    reason: string,
    message: string,
    component: string,
    fieldPath?: string,
  ): void {
    this.ctx.events.record(pod, type, reason, message, component, fieldPath);
  }

  /** Stops every pod's containers at once (the server is closing). */
  async close(): Promise<void> {
    const loops = [...this.runtimes.values()].flatMap((r) => {
      r.stop(0);
      return r.loops;
    });
    this.runtimes.clear();
    await Promise.all(loops);
  }
}
