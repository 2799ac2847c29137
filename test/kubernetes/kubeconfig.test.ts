import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCluster } from '../../providers/kubernetes/cluster-factory.js';
import { kubeconfigPaths, resolveKubeconfig } from '../../providers/kubernetes/kubeconfig.js';
import { rejectionOf } from '../support/error-code.js';
import { tempDir } from '../support/temp-dir.js';
import { missingTool } from '../support/tools.js';

const root = tempDir('mlops-kubeconfig-');

interface Entry {
  readonly name: string;
  readonly server?: string;
  readonly cluster?: string;
  readonly user?: string;
  readonly token?: string;
}

/** A kubeconfig file with contexts named after their cluster and user. */
function kubeconfig(
  file: string,
  entries: { contexts?: Entry[]; clusters?: Entry[]; users?: Entry[]; current?: string },
): string {
  const full = path.join(root, file);
  mkdirSync(path.dirname(full), { recursive: true });
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    ...(entries.current ? { 'current-context': entries.current } : {}),
    clusters: (entries.clusters ?? []).map((c) => ({ name: c.name, cluster: { server: c.server } })),
    users: (entries.users ?? []).map((u) => ({ name: u.name, user: { token: u.token } })),
    contexts: (entries.contexts ?? []).map((c) => ({
      name: c.name,
      context: { cluster: c.cluster, user: c.user },
    })),
  };
  // JSON is YAML: kubeconfig files are read by the YAML parser either way
  writeFileSync(full, JSON.stringify(config));
  return full;
}

describe('kubeconfig resolution', () => {
  const first = kubeconfig('merge/first', {
    current: 'dev',
    clusters: [{ name: 'dev', server: 'https://first.example:6443' }],
    users: [{ name: 'alice', token: 'first-token' }],
    contexts: [{ name: 'dev', cluster: 'dev', user: 'alice' }],
  });
  const second = kubeconfig('merge/second', {
    current: 'prod',
    clusters: [
      { name: 'dev', server: 'https://second.example:6443' },
      { name: 'prod', server: 'https://prod.example' },
    ],
    users: [
      { name: 'alice', token: 'second-token' },
      { name: 'bob', token: 'bob-token' },
    ],
    contexts: [
      { name: 'dev', cluster: 'prod', user: 'bob' },
      { name: 'prod', cluster: 'prod', user: 'bob' },
    ],
  });
  const missing = path.join(root, 'merge', 'absent');
  const env = { KUBECONFIG: [missing, first, second].join(path.delimiter), HOME: root };

  it('merges KUBECONFIG files as kubectl does: the first file wins each name and the current-context', async () => {
    const dev = await resolveKubeconfig(env);
    expect(dev.context).toBe('dev');
    expect(dev.cluster.server).toBe('https://first.example:6443');
    expect(dev.user.token).toBe('first-token');
    expect(dev.files).toEqual([first, second]);
    // a name only the second file has is still there
    const prod = await resolveKubeconfig(env, 'prod');
    expect(prod.cluster.server).toBe('https://prod.example');
    expect(prod.user.name).toBe('bob');
  });

  it.skipIf(missingTool('kubectl', ['version', '--client']))(
    "agrees with kubectl on the merged view (current-context, and each context's server and user)",
    async () => {
      const view = JSON.parse(
        execFileSync('kubectl', ['config', 'view', '--raw', '-o', 'json'], {
          env: { ...env, PATH: process.env.PATH },
        }).toString(),
      ) as {
        'current-context': string;
        contexts: { name: string; context: { cluster: string; user: string } }[];
        clusters: { name: string; cluster: { server: string } }[];
        users: { name: string; user: { token: string } }[];
      };
      expect((await resolveKubeconfig(env)).context).toBe(view['current-context']);
      for (const { name, context } of view.contexts) {
        const resolved = await resolveKubeconfig(env, name);
        expect(resolved.cluster.server).toBe(
          view.clusters.find((c) => c.name === context.cluster)?.cluster.server,
        );
        expect(resolved.user.token).toBe(view.users.find((u) => u.name === context.user)?.user.token);
      }
    },
  );

  it('reads HOME/.kube/config when KUBECONFIG is not set (the env given, not the process)', async () => {
    const home = path.join(root, 'home');
    kubeconfig('home/.kube/config', {
      current: 'home',
      clusters: [{ name: 'c', server: 'https://home.example' }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'home', cluster: 'c', user: 'u' }],
    });
    expect(kubeconfigPaths({ HOME: home })).toEqual({
      paths: [path.join(home, '.kube', 'config')],
      fromEnv: false,
    });
    expect((await resolveKubeconfig({ HOME: home })).cluster.server).toBe('https://home.example');
  });

  it('picks the context: --context, else cluster.context, else the current-context', async () => {
    expect((await openCluster({ cluster: {}, env })).context).toBe('dev');
    expect((await openCluster({ cluster: { context: 'prod' }, env })).context).toBe('prod');
    const chosen = await openCluster({ cluster: { context: 'prod' }, env, context: 'dev' });
    expect(chosen.context).toBe('dev');
    expect(chosen.server).toBe('https://first.example:6443');
  });

  it('says where it looked when there is no kubeconfig, and how to get one', async () => {
    const error = await rejectionOf(resolveKubeconfig({ HOME: path.join(root, 'nobody') }));
    expect(error.code).toBe('MLOPS_CLUSTER_E7101');
    expect(error.message).toContain(path.join(root, 'nobody', '.kube', 'config'));
    expect(error.hint).toContain('mlops infra kubeconfig');
    const listed = await rejectionOf(resolveKubeconfig({ KUBECONFIG: missing }));
    expect(listed.message).toContain(`${missing}, from KUBECONFIG`);
  });

  it('names an unknown context, lists the available ones and suggests the closest', async () => {
    const error = await rejectionOf(resolveKubeconfig(env, 'prd'));
    expect(error.code).toBe('MLOPS_CLUSTER_E7103');
    expect(error.message).toContain('"prd"');
    expect(error.hint).toContain('Did you mean "prod"?');
    expect(error.hint).toContain('Available: dev, prod');
  });

  it('asks for a context when none is current and none is chosen', async () => {
    const file = kubeconfig('no-current', {
      clusters: [{ name: 'c', server: 'https://x.example' }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'only', cluster: 'c', user: 'u' }],
    });
    const error = await rejectionOf(resolveKubeconfig({ KUBECONFIG: file }));
    expect(error.code).toBe('MLOPS_CLUSTER_E7104');
    expect(error.hint).toContain('available: only');
  });

  it('reports a file that is not a kubeconfig, or a context that names a missing cluster', async () => {
    const broken = path.join(root, 'broken');
    writeFileSync(broken, 'clusters: [ {name: a, cluster: {}} ]\n');
    const invalid = await rejectionOf(resolveKubeconfig({ KUBECONFIG: broken }));
    expect(invalid.code).toBe('MLOPS_CLUSTER_E7102');
    expect(invalid.message).toContain(broken);
    const dangling = kubeconfig('dangling', {
      current: 'x',
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'x', cluster: 'gone', user: 'u' }],
    });
    const error = await rejectionOf(resolveKubeconfig({ KUBECONFIG: dangling }));
    expect(error.code).toBe('MLOPS_CLUSTER_E7102');
    expect(error.message).toContain('cluster "gone"');
  });
});
