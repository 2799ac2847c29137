import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCluster } from '../../providers/kubernetes/cluster-factory.js';
import { ensureWorkloadIdentities } from '../../src/core/cluster-namespaces.js';
import { makeConfig } from '../infra/fixtures.js';
import { runMlops } from '../support/run-mlops.js';
import { startKubeServer, type KubeServer } from '../support/kube/index.js';
import { tempDir } from '../support/temp-dir.js';

interface Check {
  readonly name: string;
  readonly status: string;
  readonly detail: string;
  readonly fix?: string;
}

const dir = tempDir('mlops-doctor-cluster-');
let server: KubeServer;
let env: Record<string, string>;

const kubernetesCheck = async (runEnv: Record<string, string>) => {
  const res = await runMlops('doctor --json', { cwd: dir, env: runEnv });
  const body = res.json<{ checks: Check[] }>();
  return { code: res.code, check: body.checks.find((c) => c.name === 'kubernetes')! };
};

beforeAll(async () => {
  server = await startKubeServer();
  writeFileSync(path.join(dir, 'mlops.config.json'), JSON.stringify({ name: 'iris' }));
  const kubeconfig = path.join(dir, 'kubeconfig');
  await server.writeKubeconfig(kubeconfig, { context: 'test' });
  env = { KUBECONFIG: kubeconfig, HOME: dir, PATH: process.env.PATH ?? '' };
});

afterAll(async () => {
  await server?.close();
});

describe('mlops doctor reports the cluster', () => {
  it('context, server, version, and namespaces and service account still to be created', async () => {
    const { check } = await kubernetesCheck(env);
    expect(check.status).toBe('ok');
    expect(check.detail).toMatch(
      new RegExp(
        `^context test \\(${server.url.replace(/\/$/, '').replace(/[.]/g, '\\.')}\\), Kubernetes v1\\.`,
      ),
    );
    expect(check.detail).toContain(
      'namespaces training created on first use, serving created on first use; service account iris-training created on first use',
    );
  });

  it('says present once train has created them', async () => {
    const cluster = await openCluster({ cluster: {}, env });
    await ensureWorkloadIdentities(cluster, makeConfig({ name: 'iris' }), 'training');
    const { check } = await kubernetesCheck(env);
    expect(check.detail).toContain(
      'namespaces training present, serving created on first use; service account iris-training present',
    );
  });

  it('warns, without failing, when there is no kubeconfig at all', async () => {
    const { code, check } = await kubernetesCheck({ HOME: dir, PATH: env.PATH! });
    expect(check).toMatchObject({ status: 'warn', detail: expect.stringContaining('no kubeconfig') });
    expect(check.fix).toContain('mlops infra kubeconfig');
    expect(code).toBe(0);
  });

  it('fails with the 403 message when the namespaces may not be read', async () => {
    server.forbid({ verb: 'get', resource: 'namespaces' });
    const { code, check } = await kubernetesCheck(env);
    expect(check.status).toBe('fail');
    expect(check.detail).toContain('may not get namespaces at the cluster scope');
    expect(check.fix).toContain('kubectl create clusterrole');
    expect(code).toBe(1);
  });
});
