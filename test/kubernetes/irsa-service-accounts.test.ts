import { describe, expect, it } from 'vitest';
import { synthStacks } from '../../providers/aws/infra/synth.js';
import { namespaceObject } from '../../src/manifests/namespace.js';
import { IRSA_ROLE_ANNOTATION, serviceAccountObject } from '../../src/manifests/service-account.js';
import { makeConfig, parsePolicy, StackJson } from '../infra/fixtures.js';
import { tempDir } from '../support/temp-dir.js';

const ROLE_OF = { training: 'training-role', serving: 'serving-role' } as const;

describe('the service accounts mlops creates are the ones the IRSA roles trust', () => {
  const config = makeConfig({
    name: 'fraud',
    registry: 's3://acme-ml-registry',
    cluster: { trainingNamespace: 'ml-train', servingNamespace: 'ml-serve' },
    infra: { state: { backend: 'local' } },
  });
  const outDir = tempDir('mlops-irsa-');
  synthStacks({ config, outDir, purpose: 'deploy', projectDir: outDir, stack: 'cluster' });
  const cluster = new StackJson(outDir, 'cluster');

  for (const component of ['training', 'serving'] as const) {
    it(`${component}: system:serviceaccount:<namespace>:<name> of the trust policy is the ServiceAccount`, () => {
      const trust = parsePolicy(cluster.resource(`aws_iam_role.${ROLE_OF[component]}`).assume_role_policy);
      const subjects = trust.Statement.flatMap((statement) => {
        const equals = (statement.Condition as { StringEquals: Record<string, string> }).StringEquals;
        return Object.entries(equals)
          .filter(([key]) => key.endsWith(':sub'))
          .map(([, value]) => value);
      });
      const account = serviceAccountObject(config, component);
      expect(subjects).toEqual([
        `system:serviceaccount:${account.metadata.namespace}:${account.metadata.name}`,
      ]);
      expect(account.metadata.namespace).toBe(component === 'training' ? 'ml-train' : 'ml-serve');
      expect(cluster.output(`${component}_role_arn`)).toBe(`\${aws_iam_role.${ROLE_OF[component]}.arn}`);
    });
  }

  it('annotates the role ARN when it is configured, and only then', () => {
    const arn = 'arn:aws:iam::123456789012:role/fraud-training';
    const annotated = serviceAccountObject(
      { ...config, cluster: { ...config.cluster, trainingRoleArn: arn } },
      'training',
    );
    expect(annotated.metadata.annotations).toEqual({ [IRSA_ROLE_ANNOTATION]: arn });
    expect(serviceAccountObject(config, 'serving').metadata.annotations).toBeUndefined();
  });

  it('builds deterministic objects: sorted keys, mlops labels, no API token mounted', () => {
    const account = serviceAccountObject(config, 'serving');
    expect(JSON.stringify(account)).toBe(JSON.stringify(serviceAccountObject(config, 'serving')));
    expect(Object.keys(account)).toEqual(['apiVersion', 'kind', 'metadata', 'automountServiceAccountToken']);
    expect(account.automountServiceAccountToken).toBe(false);
    expect(account.metadata.labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'mlops',
      'app.kubernetes.io/part-of': 'fraud',
      'mlops.dev/model': 'fraud',
    });
    expect(namespaceObject('ml-train', 'fraud')).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'ml-train',
        labels: {
          'app.kubernetes.io/managed-by': 'mlops',
          'app.kubernetes.io/part-of': 'fraud',
          'mlops.dev/model': 'fraud',
        },
      },
    });
  });
});
