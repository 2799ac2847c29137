import { describe, expect, it } from 'vitest';
import { CREATE_WITH_ANNOTATION, pullSecret, redactedPullSecret } from '../../src/manifests/serving/index.js';
import { validate } from './serving-fixtures.js';

const TOKEN = 'ghp_s3cretT0kenValue0123456789abcdef';
const AUTH = Buffer.from(`octocat:${TOKEN}`).toString('base64');
const DOCKER_CONFIG = JSON.stringify({
  auths: { 'ghcr.io': { username: 'octocat', password: TOKEN, auth: AUTH } },
});
const target = { name: 'iris-pull', namespace: 'ml-serve', model: 'iris' };

describe('pullSecret', () => {
  it('is a kubernetes.io/dockerconfigjson Secret holding the docker config, labelled without a component', () => {
    const secret = pullSecret({ ...target, dockerConfigJson: DOCKER_CONFIG });
    expect(secret.type).toBe('kubernetes.io/dockerconfigjson');
    expect(Buffer.from(secret.data['.dockerconfigjson'], 'base64').toString('utf8')).toBe(DOCKER_CONFIG);
    expect(secret.metadata).toEqual({
      name: 'iris-pull',
      namespace: 'ml-serve',
      labels: {
        'app.kubernetes.io/managed-by': 'mlops',
        'app.kubernetes.io/part-of': 'iris',
        'mlops.dev/model': 'iris',
      },
    });
    expect(() => validate(secret)).not.toThrow();
  });
});

describe('redactedPullSecret (--dry-run)', () => {
  const redacted = redactedPullSecret({ ...target, registry: 'ghcr.io' });
  const printed = JSON.stringify(redacted);

  it('holds no credential, in clear or encoded', () => {
    for (const secret of [
      TOKEN,
      AUTH,
      Buffer.from(TOKEN).toString('base64'),
      Buffer.from(DOCKER_CONFIG).toString('base64'),
    ]) {
      expect(printed).not.toContain(secret);
    }
    const placeholder = JSON.parse(
      Buffer.from(redacted.data['.dockerconfigjson'], 'base64').toString('utf8'),
    ) as unknown;
    expect(placeholder).toEqual({ auths: { 'ghcr.io': { auth: 'REDACTED' } } });
  });

  it('says how to create the real one, and is still a valid Secret for kubectl apply', () => {
    expect(redacted.metadata.annotations?.[CREATE_WITH_ANNOTATION]).toBe(
      'kubectl create secret docker-registry iris-pull --namespace ml-serve --docker-server=ghcr.io --docker-username=USER --docker-password=TOKEN',
    );
    expect(redacted.type).toBe('kubernetes.io/dockerconfigjson');
    expect(() => validate(redacted)).not.toThrow();
  });
});
