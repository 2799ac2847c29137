import { describe, expect, it } from 'vitest';
import {
  statusError,
  transportError,
  type ClusterTarget,
  type RequestSubject,
} from '../../providers/kubernetes/errors.js';
import { compareLogTimes, wholeSecond } from '../../src/core/log-time.js';

const target: ClusterTarget = {
  context: 'prod',
  server: 'https://10.0.0.1:6443',
  cluster: 'prod-eks',
  user: 'ci',
  auth: 'exec',
  execCommand: 'mlops',
};
const listPods: RequestSubject = { verb: 'list', resource: 'pods', group: '', namespace: 'training' };
const applyDeployment: RequestSubject = {
  verb: 'patch',
  resource: 'deployments',
  group: 'apps',
  namespace: 'serving',
  object: 'Deployment serving/iris',
};

describe('API server answers as MlopsErrors', () => {
  it('403: names the user, verb, resource and namespace, and the RBAC rule and commands that allow it', () => {
    const error = statusError(
      403,
      {
        kind: 'Status',
        reason: 'Forbidden',
        code: 403,
        message:
          'jobs.batch is forbidden: User "system:serviceaccount:ci:deployer" cannot create resource "jobs" in API group "batch" in the namespace "training"',
      },
      listPods,
      target,
    );
    expect(error.code).toBe('MLOPS_CLUSTER_E7108');
    expect(error.message).toBe(
      'Forbidden: "system:serviceaccount:ci:deployer" may not create jobs.batch in namespace training (403, context prod).',
    );
    expect(error.hint).toContain('{apiGroups: ["batch"], resources: ["jobs"], verbs: ["create"]}');
    expect(error.hint).toContain(
      'kubectl create role mlops-create-jobs --verb=create --resource=jobs.batch -n training',
    );
    expect(error.hint).toContain('--serviceaccount=ci:deployer -n training');
  });

  it('403 at the cluster scope asks for a ClusterRole; without a parseable message it uses the request', () => {
    const clusterScope = statusError(
      403,
      {
        kind: 'Status',
        message:
          'namespaces "training" is forbidden: User "alice" cannot get resource "namespaces" in API group "" at the cluster scope',
      },
      listPods,
      target,
    );
    expect(clusterScope.message).toContain('"alice" may not get namespaces at the cluster scope');
    expect(clusterScope.hint).toContain(
      'kubectl create clusterrole mlops-get-namespaces --verb=get --resource=namespaces',
    );
    expect(clusterScope.hint).toContain('--clusterrole=mlops-get-namespaces --user=alice');
    const bare = statusError(403, undefined, listPods, target);
    expect(bare.message).toBe('Forbidden: "ci" may not list pods in namespace training (403, context prod).');
  });

  it('401: the credentials were rejected, with what to check for the way the user authenticates', () => {
    const exec = statusError(401, { kind: 'Status', code: 401, message: 'Unauthorized' }, listPods, target);
    expect(exec.code).toBe('MLOPS_CLUSTER_E7107');
    expect(exec.message).toContain('https://10.0.0.1:6443');
    expect(exec.hint).toContain('credential plugin (mlops)');
    const token = statusError(401, undefined, listPods, { ...target, auth: 'token' });
    expect(token.hint).toContain('token of user "ci"');
  });

  it('409 on apply: the conflicting fields and their managers, and --force-conflicts', () => {
    const error = statusError(
      409,
      {
        kind: 'Status',
        reason: 'Conflict',
        message: 'Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1: .spec.replicas',
        details: {
          name: 'iris',
          causes: [
            {
              type: 'FieldManagerConflict',
              message: 'conflict with "kubectl-edit" using apps/v1',
              field: '.spec.replicas',
            },
          ],
        },
      },
      applyDeployment,
      target,
    );
    expect(error.code).toBe('MLOPS_CLUSTER_E7110');
    expect(error.message).toContain('Deployment serving/iris');
    expect(error.message).toContain('.spec.replicas (owned by kubectl-edit)');
    expect(error.hint).toContain('--force-conflicts');
  });

  it('422: the fields the server refused', () => {
    const error = statusError(
      422,
      {
        kind: 'Status',
        reason: 'Invalid',
        message: 'Deployment.apps "iris" is invalid',
        details: {
          name: 'iris',
          causes: [
            {
              reason: 'FieldValueInvalid',
              message: 'Invalid value: -1: must be >= 0',
              field: 'spec.replicas',
            },
          ],
        },
      },
      applyDeployment,
      target,
    );
    expect(error.code).toBe('MLOPS_CLUSTER_E7111');
    expect(error.message).toBe(
      'The API server refused Deployment serving/iris as invalid: spec.replicas: Invalid value: -1: must be >= 0.',
    );
  });

  it('404 without an object name: the kind is not served (a missing CRD); 5xx: the server failed', () => {
    const crd = statusError(
      404,
      { kind: 'Status', message: 'the server could not find the requested resource' },
      {
        verb: 'patch',
        resource: 'servicemonitors',
        group: 'monitoring.coreos.com',
        namespace: 'serving',
      },
      target,
    );
    expect(crd.code).toBe('MLOPS_CLUSTER_E7112');
    expect(crd.message).toContain('servicemonitors.monitoring.coreos.com');
    const failing = statusError(503, { kind: 'Status', reason: 'ServiceUnavailable' }, listPods, target);
    expect(failing.code).toBe('MLOPS_CLUSTER_E7113');
    expect(failing.message).toContain('503 ServiceUnavailable to list pods in namespace training');
  });
});

describe('transport failures as MlopsErrors', () => {
  const withCode = (code: string) => Object.assign(new Error(code), { code });

  it('unreachable: the address and the network error', () => {
    for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT']) {
      const error = transportError(withCode(code), target);
      expect(error?.code).toBe('MLOPS_CLUSTER_E7105');
      expect(error?.message).toBe(
        `Cannot reach the Kubernetes API server at https://10.0.0.1:6443 (context prod): ${code}.`,
      );
    }
  });

  it('TLS: which server, and the CA of which cluster to check (or tls-server-name on a name mismatch)', () => {
    const unknownCa = transportError(withCode('SELF_SIGNED_CERT_IN_CHAIN'), target);
    expect(unknownCa?.code).toBe('MLOPS_CLUSTER_E7106');
    expect(unknownCa?.message).toContain('https://10.0.0.1:6443');
    expect(unknownCa?.hint).toContain('certificate-authority-data');
    expect(unknownCa?.hint).toContain('"prod-eks"');
    const mismatch = transportError(withCode('ERR_TLS_CERT_ALTNAME_INVALID'), target);
    expect(mismatch?.hint).toContain('tls-server-name');
  });

  it('leaves other errors alone (they are not the network)', () => {
    expect(transportError(new Error('boom'), target)).toBeUndefined();
    expect(transportError(withCode('ABORT_ERR'), target)).toBeUndefined();
  });
});

describe('kubelet log timestamps', () => {
  it('compare as times, whatever their number of fractional digits', () => {
    expect(compareLogTimes('2026-01-01T00:00:05.1Z', '2026-01-01T00:00:05.099Z')).toBeGreaterThan(0);
    expect(compareLogTimes('2026-01-01T00:00:05Z', '2026-01-01T00:00:05.000000000Z')).toBe(0);
    expect(compareLogTimes('2026-01-01T00:00:04.999999999Z', '2026-01-01T00:00:05Z')).toBeLessThan(0);
  });

  it('resume from the whole second, so that no line of that second is cut off', () => {
    expect(wholeSecond('2026-01-01T00:00:05.123456789Z')).toBe('2026-01-01T00:00:05Z');
  });
});
