import type { JsonObject, KubeObject } from './objects.js';
import { isObject } from './objects.js';

const obj = (parent: JsonObject, key: string): JsonObject => {
  if (!isObject(parent[key])) parent[key] = {};
  return parent[key] as JsonObject;
};

const setDefault = (target: JsonObject, key: string, value: unknown): void => {
  if (target[key] === undefined) target[key] = value;
};

/** The pod spec defaults the real API server fills in and the controllers read. */
function defaultPodSpec(spec: JsonObject): void {
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'schedulerName', 'default-scheduler');
  setDefault(spec, 'serviceAccountName', spec.serviceAccount ?? 'default');
  setDefault(spec, 'serviceAccount', spec.serviceAccountName);
  setDefault(spec, 'securityContext', {});
  for (const c of Array.isArray(spec.containers) ? spec.containers : []) {
    if (!isObject(c)) continue;
    setDefault(c, 'terminationMessagePath', '/dev/termination-log');
    setDefault(c, 'terminationMessagePolicy', 'File');
    setDefault(
      c,
      'imagePullPolicy',
      String(c.image ?? '').endsWith(':latest') || !String(c.image ?? '').includes(':')
        ? 'Always'
        : 'IfNotPresent',
    );
    setDefault(c, 'resources', {});
    for (const p of Array.isArray(c.ports) ? c.ports : []) if (isObject(p)) setDefault(p, 'protocol', 'TCP');
  }
}

/** Job defaults, including the selector on the Job's own uid and the labels it puts on its pods. */
function defaultJob(job: KubeObject): void {
  const spec = obj(job, 'spec');
  for (const [key, value] of Object.entries({
    completions: 1,
    parallelism: 1,
    backoffLimit: 6,
    completionMode: 'NonIndexed',
    suspend: false,
    podReplacementPolicy: 'TerminatingOrFailed',
    manualSelector: undefined,
  })) {
    if (value !== undefined) setDefault(spec, key, value);
  }
  const { uid, name } = job.metadata;
  const labels = {
    'batch.kubernetes.io/controller-uid': uid,
    'batch.kubernetes.io/job-name': name,
    'controller-uid': uid,
    'job-name': name,
  };
  if (!spec.manualSelector)
    setDefault(spec, 'selector', { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
  const template = obj(spec, 'template');
  const meta = obj(template, 'metadata');
  meta.labels = { ...(isObject(meta.labels) ? meta.labels : {}), ...labels };
  defaultPodSpec(obj(template, 'spec'));
}

function defaultDeployment(deploy: KubeObject): void {
  const spec = obj(deploy, 'spec');
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  const strategy = obj(spec, 'strategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const rolling = obj(strategy, 'rollingUpdate');
    setDefault(rolling, 'maxSurge', '25%');
    setDefault(rolling, 'maxUnavailable', '25%');
  }
  defaultPodSpec(obj(obj(spec, 'template'), 'spec'));
}

function defaultService(svc: KubeObject): void {
  const spec = obj(svc, 'spec');
  setDefault(spec, 'type', 'ClusterIP');
  setDefault(spec, 'sessionAffinity', 'None');
  const octet = (parseInt(svc.metadata.uid.slice(0, 4), 16) % 250) + 2;
  setDefault(spec, 'clusterIP', `10.96.${octet >> 4}.${octet}`);
  setDefault(spec, 'clusterIPs', [spec.clusterIP]);
  for (const p of Array.isArray(spec.ports) ? spec.ports : []) {
    if (!isObject(p)) continue;
    setDefault(p, 'protocol', 'TCP');
    setDefault(p, 'targetPort', p.port);
  }
}

/** Fills the defaults of the real API server for the fields the controllers and clients read. */
export function applyDefaults(object: KubeObject): void {
  switch (object.kind) {
    case 'Job':
      return defaultJob(object);
    case 'Deployment':
      return defaultDeployment(object);
    case 'ReplicaSet':
      setDefault(obj(object, 'spec'), 'replicas', 1);
      return defaultPodSpec(obj(obj(obj(object, 'spec'), 'template'), 'spec'));
    case 'Pod':
      return defaultPodSpec(obj(object, 'spec'));
    case 'Service':
      return defaultService(object);
    case 'Namespace':
      object.metadata.labels = {
        ...object.metadata.labels,
        'kubernetes.io/metadata.name': object.metadata.name,
      };
      obj(object, 'spec').finalizers ??= ['kubernetes'];
      setDefault(obj(object, 'status'), 'phase', 'Active');
      return;
    case 'Secret':
      setDefault(object, 'type', 'Opaque');
      return;
  }
}
