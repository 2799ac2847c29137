import { canonical } from '../labels.js';
import { workloadIdentities } from '../workload-identities.js';
import { containerSecurityContext, podSecurityContext, TMP_VOLUME } from '../hardening.js';
import type { ManifestObject, ServedModel, ServingConfig } from './input.js';
import { podLabels, servingNames, trackSelector, type Track } from './names.js';

export const SERVING_CONTAINER = 'serve';
export const HTTP_PORT_NAME = 'http';

/**
 * After SIGTERM the server closes every connection still open after this long (drainTimeoutMs of
 * src/serving/server.ts): the longest a stopping pod needs once the preStop sleep is over.
 */
export const SERVER_DRAIN_TIMEOUT_SECONDS = 30;

/** Slack for the process to free the model and exit after the connections are closed. */
const EXIT_SLACK_SECONDS = 5;

/**
 * How a pod stops. The kubelet runs the preStop sleep first: the pod is already out of the Service's
 * endpoints but kube-proxy, Istio and the NLB learn it a few seconds late, so it keeps serving. Then
 * SIGTERM: readiness 503, in-flight requests finish (at most the server's drain timeout), exit 0. The
 * grace period counts from the preStop, so it must cover both and some slack, or the pod is killed.
 */
export function drainTiming(drainSeconds: number): {
  readonly preStopSeconds: number;
  readonly terminationGracePeriodSeconds: number;
} {
  return {
    preStopSeconds: drainSeconds,
    terminationGracePeriodSeconds: drainSeconds + SERVER_DRAIN_TIMEOUT_SECONDS + EXIT_SLACK_SECONDS,
  };
}

export interface ServingDeploymentInput {
  readonly config: ServingConfig;
  readonly track: Track;
  readonly image: string;
  readonly model: ServedModel;
  readonly replicas: number;
  readonly pullSecretName?: string;
  readonly env?: string;
  /** Annotations for annotation-based Prometheus scraping (when there is no ServiceMonitor). */
  readonly scrapeAnnotations: boolean;
}

/** The stable Deployment (`<name>-serving`) or the canary (`<name>-serving-canary`) of DESIGN.md §10. */
export function servingDeployment(input: ServingDeploymentInput): ManifestObject {
  const { config, track, model } = input;
  const { deploy, serve } = config;
  const identity = workloadIdentities(config).serving;
  const names = servingNames(config);
  const labels = podLabels(config, track, model);
  const selector = trackSelector(config, track);
  const timing = drainTiming(deploy.drainSeconds);
  const env: Record<string, string | undefined> = {
    AWS_REGION: config.region,
    // server.mjs binds HOST:PORT; the preStop sleep already covers the routing delay, so no extra one.
    HOST: '0.0.0.0',
    PORT: String(serve.port),
    DRAIN_DELAY_SECONDS: '0',
    MLOPS_ALIAS: 'alias' in model ? model.alias : undefined,
    MLOPS_ENV: input.env,
  };
  const httpGet = (path: string) => ({ httpGet: { path, port: HTTP_PORT_NAME } });
  const spread = (topologyKey: string) => ({
    maxSkew: 1,
    topologyKey,
    // A zone or node short of capacity must not leave pods pending: spread as well as the cluster can.
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: { matchLabels: selector },
    // Count the pods of the new ReplicaSet only, so that a rollout spreads the new pods too.
    matchLabelKeys: ['pod-template-hash'],
  });
  return canonical({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: track === 'stable' ? names.stable : names.canary,
      namespace: identity.namespace,
      labels,
    },
    spec: {
      replicas: input.replicas,
      progressDeadlineSeconds: deploy.progressDeadlineSeconds,
      // A new pod must be ready before an old one goes: capacity never drops during a rollout.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      selector: { matchLabels: selector },
      template: {
        metadata: {
          labels,
          annotations: input.scrapeAnnotations
            ? {
                'prometheus.io/scrape': 'true',
                'prometheus.io/port': String(serve.port),
                'prometheus.io/path': '/metrics',
              }
            : undefined,
        },
        spec: {
          serviceAccountName: identity.serviceAccount,
          // The server never calls the Kubernetes API; the IRSA token is a separate projected volume.
          automountServiceAccountToken: false,
          imagePullSecrets: input.pullSecretName ? [{ name: input.pullSecretName }] : undefined,
          securityContext: podSecurityContext(),
          terminationGracePeriodSeconds: timing.terminationGracePeriodSeconds,
          topologySpreadConstraints: [
            spread('topology.kubernetes.io/zone'),
            spread('kubernetes.io/hostname'),
          ],
          containers: [
            {
              name: SERVING_CONTAINER,
              image: input.image,
              // server.mjs passes extra arguments on to `mlops serve`.
              args: 'version' in model ? ['--version', model.version] : undefined,
              env: Object.entries(env)
                .filter((entry): entry is [string, string] => entry[1] !== undefined)
                .sort(([a], [b]) => (a < b ? -1 : 1))
                .map(([name, value]) => ({ name, value })),
              // Outside EKS there is no IRSA: registry credentials come from a Secret, by name only.
              envFrom: deploy.secretEnv ? [{ secretRef: { name: deploy.secretEnv } }] : undefined,
              ports: [{ name: HTTP_PORT_NAME, containerPort: serve.port, protocol: 'TCP' }],
              // Loading a model from the registry can take a while: liveness waits until the process answers.
              startupProbe: {
                ...httpGet('/health'),
                periodSeconds: 2,
                timeoutSeconds: 2,
                failureThreshold: 90,
              },
              livenessProbe: {
                ...httpGet('/health'),
                periodSeconds: 10,
                timeoutSeconds: 2,
                failureThreshold: 3,
              },
              // 503 until the model is loaded and warmed up, and again while draining.
              readinessProbe: {
                ...httpGet('/ready'),
                periodSeconds: 5,
                timeoutSeconds: 2,
                failureThreshold: 2,
              },
              lifecycle:
                timing.preStopSeconds > 0
                  ? { preStop: { exec: { command: ['sleep', String(timing.preStopSeconds)] } } }
                  : undefined,
              resources: {
                requests: { ...deploy.resources.requests },
                limits: { ...deploy.resources.limits },
              },
              securityContext: containerSecurityContext(),
              // A crash's last lines reach the pod status even when the log is gone (failure messages).
              terminationMessagePolicy: 'FallbackToLogsOnError',
              volumeMounts: [{ name: TMP_VOLUME, mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: TMP_VOLUME, emptyDir: {} }],
        },
      },
    },
  });
}
