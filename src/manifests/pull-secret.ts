import { canonical, MANAGED_BY } from './labels.js';

/** A kubernetes.io/dockerconfigjson Secret as plain JSON (structurally a KubeObject). */
export interface PullSecretObject {
  readonly apiVersion: 'v1';
  readonly kind: 'Secret';
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly type: 'kubernetes.io/dockerconfigjson';
  readonly data: { readonly '.dockerconfigjson': string };
  readonly [field: string]: unknown;
}

export interface PullSecretInput {
  readonly name: string;
  readonly namespace: string;
  /** The model: the Secret carries the model's labels but no component, so no stack's prune takes it. */
  readonly model: string;
}

/** The annotation of a redacted pull secret: the command that creates the real one. */
export const CREATE_WITH_ANNOTATION = 'mlops.dev/create-with';

const DOCKER_CONFIG_KEY = '.dockerconfigjson';

/**
 * The pull secret the pods of a private registry's images reference: `dockerConfigJson` is the
 * `{"auths": {…}}` document (the credential: the caller never logs it or prints it).
 */
export function pullSecret(input: PullSecretInput & { readonly dockerConfigJson: string }): PullSecretObject {
  return secret(input, Buffer.from(input.dockerConfigJson, 'utf8').toString('base64'));
}

/**
 * The pull secret as `--dry-run` prints it: a placeholder that holds no credential (valid for
 * `kubectl apply`, which only checks that it is JSON), and an annotation with the command that creates
 * the real one.
 */
export function redactedPullSecret(input: PullSecretInput & { readonly registry: string }): PullSecretObject {
  const placeholder = JSON.stringify({ auths: { [input.registry]: { auth: 'REDACTED' } } });
  const command =
    `kubectl create secret docker-registry ${input.name} --namespace ${input.namespace}` +
    ` --docker-server=${input.registry} --docker-username=USER --docker-password=TOKEN`;
  return secret(input, Buffer.from(placeholder, 'utf8').toString('base64'), {
    [CREATE_WITH_ANNOTATION]: command,
  });
}

function secret(
  input: PullSecretInput,
  data: string,
  annotations?: Record<string, string>,
): PullSecretObject {
  return canonical({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: input.name,
      namespace: input.namespace,
      labels: {
        'app.kubernetes.io/managed-by': MANAGED_BY,
        'app.kubernetes.io/part-of': input.model,
        'mlops.dev/model': input.model,
      },
      annotations,
    },
    type: 'kubernetes.io/dockerconfigjson',
    data: { [DOCKER_CONFIG_KEY]: data },
  });
}
