import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Cluster } from './cluster.js';
import type { ControllerContext } from './controllers/context.js';
import { DeploymentController } from './controllers/deployment.js';
import { GarbageCollector } from './controllers/garbage-collector.js';
import { JobController } from './controllers/job.js';
import { Kubelet } from './controllers/kubelet.js';
import { ReplicaSetController } from './controllers/replicaset.js';
import { PodPorts } from './controllers/pod-ports.js';
import { ServiceAccountController } from './controllers/service-accounts.js';
import { EventRecorder } from './events.js';
import { Faults } from './faults.js';
import type { KubeconfigOptions } from './kubeconfig.js';
import { kubeconfigYaml, writeKubeconfig } from './kubeconfig.js';
import type { Kind } from './kinds.js';
import { kindOf } from './kinds.js';
import { PodLogs } from './logs.js';
import type { KubeObject } from './objects.js';
import type { ForbidRule } from './rbac.js';
import type { RequestRecord } from './routes.js';
import { route } from './routes.js';
import { ObjectStore } from './store.js';
import { KubeError } from './status.js';
import { generateTls } from './tls.js';
import { Watches } from './watch.js';

export interface KubeServerOptions {
  /** Where pods' processes run (a container's workingDir, e.g. /app, maps here). @default process.cwd() */
  readonly projectDir?: string;
  /** Extra env every pod process gets (standing in for IRSA, the S3 endpoint…). @default {} */
  readonly podEnv?: Readonly<Record<string, string>>;
  /** How many changes are kept for watches to resume from; older resumes get 410. @default 1000 */
  readonly watchHistory?: number;
  /** @default 0 (a free port) */
  readonly port?: number;
  /** First back-off of restarts and Job retries, doubling up to 10×. @default 100 */
  readonly backoffMs?: number;
  /**
   * Run Deployment pods' container commands as local processes (as Job pods), each container port on a
   * free 127.0.0.1 port (PORT and HOST in the process env), readiness from the real HTTP readiness probe,
   * reachable through the pod proxy (`/api/v1/namespaces/NS/pods/NAME:PORT/proxy/PATH`). @default false
   */
  readonly runDeploymentPods?: boolean;
  /**
   * Image repository (without tag or digest) → the image's ENTRYPOINT, used when a container has no
   * `command`: the serving image's is `['node', 'serving/server.mjs']`. @default {}
   */
  readonly entrypoints?: Readonly<Record<string, readonly string[]>>;
  /** The readiness probes' period, instead of their periodSeconds. @default periodSeconds */
  readonly probePeriodMs?: number;
}

export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

/** What apply takes: any object with apiVersion, kind and a name (the port's KubeObject fits). */
export interface AppliedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly [field: string]: unknown;
}

export interface KubeServer {
  /** `https://127.0.0.1:PORT` */
  readonly url: string;
  readonly caPem: string;
  readonly token: string;
  /** A kubeconfig written at start (context `mlops-dev`), removed by close(). */
  readonly kubeconfigPath: string;
  /** Every request the server saw, in order (a benchmark uses it to prove there is no polling). */
  readonly requests: RequestRecord[];
  /** Inject and clear faults: see faults.ts. */
  readonly faults: Faults;
  writeKubeconfig(file: string, options?: KubeconfigOptions): Promise<string>;
  /** Answers matching requests 403 with the real RBAC message. */
  forbid(rule: ForbidRule): void;
  /** Ends every open watch / log follow, so that clients' resume can be tested. */
  dropWatches(): void;
  dropLogStreams(): void;
  /** Drops the watch history: any resume from an earlier resourceVersion gets 410 Expired. */
  compact(): void;
  get(ref: ObjectRef): KubeObject | undefined;
  list(ref: Omit<ObjectRef, 'name'>): KubeObject[];
  /** Server-side apply as another field manager (a person with kubectl, a controller). */
  apply(object: AppliedObject, options: { manager: string; force?: boolean }): KubeObject;
  /** Errors thrown inside the controllers (bugs of the test server); a test can assert there are none. */
  readonly controllerErrors: unknown[];
  close(): Promise<void>;
  /** Same as close(). */
  stop(): Promise<void>;
}

function kindFor(ref: { apiVersion: string; kind: string }): Kind {
  const kind = kindOf(ref.apiVersion, ref.kind);
  if (!kind) throw new Error(`the test server does not serve ${ref.apiVersion} ${ref.kind}`);
  return kind;
}

/** Starts the Kubernetes API test server (DESIGN.md §10) on 127.0.0.1 with a fresh CA. */
export async function startKubeServer(options: KubeServerOptions = {}): Promise<KubeServer> {
  const tls = await generateTls();
  const token = randomBytes(24).toString('hex');
  const store = new ObjectStore(options.watchHistory ?? 1000);
  const cluster = new Cluster(store);
  const logs = new PodLogs();
  const faults = new Faults();
  const watches = new Watches(store);
  const controllerErrors: unknown[] = [];
  const ports = new PodPorts();
  const ctx: ControllerContext = {
    cluster,
    events: new EventRecorder(cluster),
    logs,
    faults,
    ports,
    options: {
      projectDir: options.projectDir ?? process.cwd(),
      podEnv: options.podEnv ?? {},
      backoffMs: options.backoffMs ?? 100,
      runDeploymentPods: options.runDeploymentPods ?? false,
      entrypoints: options.entrypoints ?? {},
      ...(options.probePeriodMs !== undefined ? { probePeriodMs: options.probePeriodMs } : {}),
    },
    onError: (error) => {
      controllerErrors.push(error);
      console.error('kube test server: a controller failed:', error);
    },
  };
  const kubelet = new Kubelet(ctx);
  const jobs = new JobController(ctx);
  const deployments = new DeploymentController(ctx);
  new ReplicaSetController(ctx);
  new GarbageCollector(ctx);
  new ServiceAccountController(ctx);

  const rules: ForbidRule[] = [];
  const requests: RequestRecord[] = [];
  let address = '';
  const server = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    route({ cluster, watches, logs, ports, token, address: () => address, rules, requests }, req, res).catch(
      (error: unknown) => {
        const failure = new KubeError(
          500,
          'InternalError',
          `Internal error occurred: ${(error as Error).message}`,
        );
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(failure.toStatus()));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const url = `https://${address}`;

  const namespaces = kindFor({ apiVersion: 'v1', kind: 'Namespace' });
  for (const name of ['default', 'kube-system', 'kube-public']) {
    cluster.create(
      namespaces,
      undefined,
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
      { manager: 'kube-apiserver' },
    );
  }
  await new Promise((resolve) => setImmediate(resolve)); // their default service accounts

  const home = mkdtempSync(path.join(os.tmpdir(), 'mlops-kube-'));
  const kubeconfigPath = await writeKubeconfig(
    path.join(home, 'kubeconfig'),
    kubeconfigYaml(url, tls.caPem, token),
  );

  const close = async (): Promise<void> => {
    jobs.close();
    deployments.close();
    watches.dropAll();
    logs.dropStreams();
    await kubelet.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(home, { recursive: true, force: true });
  };

  return {
    url,
    caPem: tls.caPem,
    token,
    kubeconfigPath,
    requests,
    faults,
    controllerErrors,
    writeKubeconfig: (file, kubeconfig) =>
      writeKubeconfig(file, kubeconfigYaml(url, tls.caPem, token, kubeconfig)),
    forbid: (rule) => void rules.push(rule),
    dropWatches: () => watches.dropAll(),
    dropLogStreams: () => logs.dropStreams(),
    compact: () => store.compact(),
    get: (ref) => cluster.find(kindFor(ref), ref.namespace, ref.name),
    list: (ref) => cluster.list(kindFor(ref), ref.namespace),
    apply: (object, { manager, force }) =>
      cluster.patch(
        kindFor(object),
        object.metadata.namespace,
        object.metadata.name,
        'application/apply-patch+yaml',
        object,
        { manager, force: force ?? false },
      ),
    close,
    stop: close,
  };
}
