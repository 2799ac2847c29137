import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { deployServing } from '../../src/core/deploy/deploy.js';
import { registryCredentials } from '../../src/core/pull-secret.js';
import { rolloutState, type DeploymentObject } from '../../src/core/deploy/rollout.js';
import type { KindRef, KubeObject, ListOptions, ObjectList } from '../../src/core/ports/cluster.js';
import { MlopsError } from '../../src/kernel/errors.js';
import { MemoryIoHost } from '../../src/kernel/io-host.js';
import { makeConfig } from '../infra/fixtures.js';
import { tempDir } from '../support/temp-dir.js';
import { FakeCluster } from './fake-cluster.js';

/** The pure rules of deploy: `kubectl rollout status`'s verdict, and where pull credentials come from. */

const deployment = (generation: number, status: DeploymentObject['status']): DeploymentObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'iris-serving', namespace: 'serving', generation },
  spec: { replicas: 3 },
  status,
});

describe('rolloutState (kubectl rollout status)', () => {
  const done = {
    observedGeneration: 2,
    replicas: 3,
    updatedReplicas: 3,
    readyReplicas: 3,
    availableReplicas: 3,
  };

  it('complete only when every rule holds', () => {
    expect(rolloutState(deployment(2, done))).toBe('complete');
    expect(rolloutState(deployment(3, done)), 'spec not observed yet').toBe('progressing');
    expect(rolloutState(deployment(2, { ...done, updatedReplicas: 2 })), 'not all updated').toBe(
      'progressing',
    );
    expect(rolloutState(deployment(2, { ...done, replicas: 4 })), 'an old replica left').toBe('progressing');
    expect(rolloutState(deployment(2, { ...done, availableReplicas: 2 })), 'not all available').toBe(
      'progressing',
    );
  });

  it('ProgressDeadlineExceeded fails it', () => {
    const conditions = [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }];
    expect(rolloutState(deployment(2, { ...done, availableReplicas: 0, conditions }))).toBe(
      'deadline-exceeded',
    );
  });
});

describe('registryCredentials', () => {
  const home = tempDir('mlops-docker-home-');
  mkdirSync(path.join(home, '.docker'), { recursive: true });
  writeFileSync(
    path.join(home, '.docker', 'config.json'),
    JSON.stringify({
      auths: { 'registry.acme.io': { auth: 'dXNlcjpwYXNz' }, 'ghcr.io': { auth: 'Z2g6ZG9ja2Vy' } },
    }),
  );

  it('ECR needs none, whatever else is set', async () => {
    const ecr = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/iris-serving:a';
    expect(await registryCredentials(ecr, { HOME: home, GITHUB_TOKEN: 't' })).toBeUndefined();
  });

  it('ghcr.io: GHCR_TOKEN before GITHUB_TOKEN (user GITHUB_ACTOR), else docker login', async () => {
    const image = 'ghcr.io/acme/iris-serving:a';
    const env = { HOME: home, GHCR_TOKEN: 'a', GITHUB_TOKEN: 'b', GITHUB_ACTOR: 'octo' };
    expect(await registryCredentials(image, env)).toEqual({
      host: 'ghcr.io',
      auth: Buffer.from('octo:a').toString('base64'),
      source: 'GHCR_TOKEN',
    });
    expect((await registryCredentials(image, { HOME: home }))?.auth).toBe('Z2g6ZG9ja2Vy');
  });

  it("another host: ~/.docker/config.json under HOME; none when docker login wasn't run for it", async () => {
    expect(await registryCredentials('registry.acme.io/iris:a', { HOME: home })).toMatchObject({
      host: 'registry.acme.io',
      auth: 'dXNlcjpwYXNz',
    });
    expect(await registryCredentials('quay.io/acme/iris:a', { HOME: home })).toBeUndefined();
  });
});

/** A cluster without the Prometheus operator's and Istio's CRDs: listing their kinds is "not served". */
class BareCluster extends FakeCluster {
  override async list<T extends KubeObject>(
    kind: KindRef,
    options: ListOptions = {},
  ): Promise<ObjectList<T>> {
    if (/monitoring\.coreos\.com|istio\.io/.test(kind.apiVersion)) {
      throw new MlopsError(`The API server does not serve ${kind.kind}.`, {
        code: 'MLOPS_CLUSTER_E7112',
        hint: 'Install the CRD.',
      });
    }
    return super.list<T>(kind, options);
  }
}

describe('deploy on a cluster without the optional CRDs', () => {
  it('says the monitoring objects are skipped, and refuses a canary before applying anything', async () => {
    const cluster = new BareCluster();
    const io = new MemoryIoHost();
    const attempt = deployServing({
      cluster,
      config: makeConfig({}),
      io,
      image: 'ghcr.io/acme/iris-serving:a',
      canary: { action: 'set', canary: { version: 'v1.0', weight: 10 } },
    });
    await expect(attempt).rejects.toMatchObject({ code: 'MLOPS_DEPLOY_E5206' });
    expect(io.events.map((e) => e.event)).toEqual(['monitoring-skipped']);
    expect(cluster.calls.some((c) => c.startsWith('apply'))).toBe(false);
  });
});
