import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { openCluster } from '../../providers/kubernetes/cluster-factory.js';
import { ensureWorkloadIdentities } from '../../src/core/cluster-namespaces.js';
import type { ClusterClient, KubeObject, LogLine, WatchEvent } from '../../src/core/ports/cluster.js';
import { makeConfig } from '../infra/fixtures.js';
import { rejectionOf } from '../support/error-code.js';
import { freePort } from '../support/free-port.js';
import { startKubeServer, type KubeServer } from '../support/kube/index.js';
import { generateTls } from '../support/kube/tls.js';
import { tempDir } from '../support/temp-dir.js';

const dir = tempDir('mlops-cluster-client-');
let server: KubeServer;
let cluster: ClusterClient;
let env: Record<string, string>;

const configMap = (name: string, data: Record<string, string>, labels = { app: 'demo' }): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'work', labels },
  data,
});

/** A kubeconfig like the server's, edited: another token, server, CA or user. */
function variant(name: string, edit: (config: KubeconfigDoc) => void): Record<string, string> {
  const config = parse(readFileSync(env.KUBECONFIG!, 'utf8')) as KubeconfigDoc;
  edit(config);
  const file = path.join(dir, name);
  writeFileSync(file, stringify(config));
  return { ...env, KUBECONFIG: file };
}

interface KubeconfigDoc {
  clusters: { cluster: Record<string, unknown> }[];
  users: { user: Record<string, unknown> }[];
}

beforeAll(async () => {
  server = await startKubeServer();
  const kubeconfig = path.join(dir, 'config');
  await server.writeKubeconfig(kubeconfig, { context: 'test' });
  env = { KUBECONFIG: kubeconfig, HOME: dir, PATH: process.env.PATH ?? '' };
  cluster = await openCluster({ cluster: {}, env });
  await cluster.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'work' } });
});

afterAll(async () => {
  await server?.close();
});

describe('the cluster client against the Kubernetes API test server', () => {
  it('knows its context and server, and reads the server version', async () => {
    expect(cluster.context).toBe('test');
    expect(cluster.server).toBe(server.url.replace(/\/$/, ''));
    expect(await cluster.serverVersion()).toMatch(/^v1\.\d+/);
  });

  it('applies server-side as field manager mlops: creates, and a re-apply changes nothing', async () => {
    const created = await cluster.apply(configMap('settings', { a: '1' }));
    expect(created.metadata.uid).toBeTruthy();
    expect(
      (created.metadata as { managedFields?: { manager: string; operation: string }[] }).managedFields,
    ).toEqual([expect.objectContaining({ manager: 'mlops', operation: 'Apply' })]);
    const again = await cluster.apply(configMap('settings', { a: '1' }));
    expect(again.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    const dry = await cluster.apply(configMap('settings', { a: 'dry' }), { dryRun: true });
    expect(dry.data).toEqual({ a: 'dry' });
    expect(
      (
        await cluster.get<KubeObject>({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          namespace: 'work',
          name: 'settings',
        })
      )?.data,
    ).toEqual({ a: '1' });
  });

  it('a field another manager owns is a conflict naming field and manager; --force-conflicts takes it', async () => {
    await cluster.apply(configMap('shared', { owner: 'mlops' }));
    await server.apply(configMap('shared', { owner: 'someone' }), { manager: 'kubectl-edit', force: true });
    const conflict = await rejectionOf(cluster.apply(configMap('shared', { owner: 'mlops' })));
    expect(conflict.code).toBe('MLOPS_CLUSTER_E7110');
    expect(conflict.message).toContain('ConfigMap work/shared');
    expect(conflict.message).toContain('.data.owner (owned by kubectl-edit)');
    expect(conflict.hint).toContain('--force-conflicts');
    const forced = await cluster.apply(configMap('shared', { owner: 'mlops' }), { forceConflicts: true });
    expect(forced.data).toEqual({ owner: 'mlops' });
  });

  it('refuses an invalid object with the fields the server named', async () => {
    const error = await rejectionOf(
      cluster.apply({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'Not_A_Name', namespace: 'work' },
      }),
    );
    expect(error.code).toBe('MLOPS_CLUSTER_E7111');
    expect(error.message).toContain('metadata.name');
  });

  it('gets, lists by label, and deletes (Foreground); a missing object is undefined / false', async () => {
    await cluster.apply(configMap('one', { n: '1' }, { app: 'listed' }));
    await cluster.apply(configMap('two', { n: '2' }, { app: 'listed' }));
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'work' } as const;
    const list = await cluster.list<KubeObject>(ref, { labelSelector: 'app=listed' });
    expect(list.items.map((i) => [i.kind, i.metadata.name])).toEqual([
      ['ConfigMap', 'one'],
      ['ConfigMap', 'two'],
    ]);
    expect(list.resourceVersion).toMatch(/^\d+$/);
    expect(await cluster.delete({ ...ref, name: 'one' }, { propagationPolicy: 'Foreground' })).toBe(true);
    expect(await cluster.get({ ...ref, name: 'one' })).toBeUndefined();
    expect(await cluster.delete({ ...ref, name: 'one' })).toBe(false);
  });

  it('a dropped watch resumes from the last resourceVersion without losing or repeating an event', async () => {
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'work' } as const;
    const start = await cluster.list(ref, { labelSelector: 'app=watched' });
    const abort = new AbortController();
    const watch = cluster.watch<KubeObject>(ref, {
      labelSelector: 'app=watched',
      resourceVersion: start.resourceVersion,
      signal: abort.signal,
    });
    const events = watch[Symbol.asyncIterator]();
    const seen: string[] = [];
    const next = async () => {
      const { type, object } = (await events.next()).value as WatchEvent<KubeObject>;
      seen.push(`${type} ${object.metadata.name} ${(object.data as { v: string }).v}`);
    };
    await cluster.apply(configMap('w1', { v: '1' }, { app: 'watched' }));
    await next();
    server.dropWatches();
    // changes while no stream is open: the resumed watch replays them from the last resourceVersion
    await cluster.apply(configMap('w1', { v: '2' }, { app: 'watched' }));
    await cluster.apply(configMap('w2', { v: '1' }, { app: 'watched' }));
    await next();
    await next();
    server.dropWatches();
    await cluster.delete({ ...ref, name: 'w2' });
    await next();
    abort.abort();
    expect((await events.next()).done).toBe(true);
    expect(seen).toEqual(['ADDED w1 1', 'MODIFIED w1 2', 'ADDED w2 1', 'DELETED w2 1']);
  });

  it('after 410 Gone, lists again: current objects as MODIFIED, vanished ones as DELETED', async () => {
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'work' } as const;
    const start = await cluster.list(ref, { labelSelector: 'app=gone' });
    const abort = new AbortController();
    const watch = cluster.watch<KubeObject>(ref, {
      labelSelector: 'app=gone',
      resourceVersion: start.resourceVersion,
      signal: abort.signal,
    });
    const events = watch[Symbol.asyncIterator]();
    const next = async () => {
      const { type, object } = (await events.next()).value as WatchEvent<KubeObject>;
      return `${type} ${object.metadata.name} ${(object.data as { v: string }).v}`;
    };
    await cluster.apply(configMap('g1', { v: '1' }, { app: 'gone' }));
    await cluster.apply(configMap('g2', { v: '1' }, { app: 'gone' }));
    expect([await next(), await next()]).toEqual(['ADDED g1 1', 'ADDED g2 1']);
    server.dropWatches();
    // while the watch is away g1 changes, g2 goes, and the history it would resume from is compacted
    await cluster.apply(configMap('g1', { v: '2' }, { app: 'gone' }));
    await cluster.delete({ ...ref, name: 'g2' });
    server.compact();
    expect([await next(), await next()]).toEqual(['MODIFIED g1 2', 'DELETED g2 1']);
    abort.abort();
  });

  it('follows a pod log across dropped streams without losing or repeating a line', async () => {
    // the container prints what the test sends it over a socket: lines appear exactly when the test says
    const socketPath = path.join(dir, 'log.sock');
    let feed: Socket | undefined;
    const connected = new Promise<Socket>((resolve) => {
      createServer((socket) => resolve((feed = socket))).listen(socketPath);
    });
    await cluster.apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'talker', namespace: 'work' },
      spec: {
        restartPolicy: 'Never',
        containers: [
          {
            name: 'main',
            image: 'node:22',
            command: [
              'node',
              '-e',
              `require('net').connect(${JSON.stringify(socketPath)}).pipe(process.stdout)`,
            ],
          },
        ],
      },
    });
    const socket = await connected;
    const lines = cluster.logs('work', 'talker', { follow: true })[Symbol.asyncIterator]();
    const got: LogLine[] = [];
    const take = async (n: number) => {
      for (let i = 0; i < n; i += 1) got.push((await lines.next()).value as LogLine);
    };
    // many lines in one write share timestamps: told apart by their order
    socket.write(Array.from({ length: 50 }, (_, i) => `a${i}\n`).join(''));
    await take(50);
    server.dropLogStreams();
    socket.write(Array.from({ length: 50 }, (_, i) => `b${i}\n`).join(''));
    await take(25);
    server.dropLogStreams();
    await take(25);
    socket.end('last\n');
    await take(1);
    expect((await lines.next()).done).toBe(true);
    expect(got.map((l) => l.line)).toEqual([
      ...Array.from({ length: 50 }, (_, i) => `a${i}`),
      ...Array.from({ length: 50 }, (_, i) => `b${i}`),
      'last',
    ]);
    expect(got.every((l) => /^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(l.time))).toBe(true);
    feed?.destroy();
  });

  it('creates the namespace and service account of a workload once; re-running changes nothing', async () => {
    const config = makeConfig({
      name: 'iris',
      cluster: { trainingNamespace: 'iris-train', servingNamespace: 'iris-serve' },
    });
    expect(await ensureWorkloadIdentities(cluster, config, ['training', 'serving'])).toEqual([
      { namespace: 'iris-train', serviceAccount: 'iris-training', createdNamespace: true },
      { namespace: 'iris-serve', serviceAccount: 'iris-serving', createdNamespace: true },
    ]);
    const account = await cluster.get<KubeObject>({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      namespace: 'iris-train',
      name: 'iris-training',
    });
    expect(account?.metadata.labels).toMatchObject({ 'mlops.dev/model': 'iris' });
    expect(await ensureWorkloadIdentities(cluster, config, 'training')).toEqual([
      { namespace: 'iris-train', serviceAccount: 'iris-training', createdNamespace: false },
    ]);
  });
});

describe('cluster errors a user can act on', () => {
  it('unreachable: a closed port, named in the message', async () => {
    const port = await freePort();
    const closed = variant('closed', (config) => {
      config.clusters[0]!.cluster.server = `https://127.0.0.1:${port}`;
    });
    const error = await rejectionOf((await openCluster({ cluster: {}, env: closed })).serverVersion());
    expect(error.code).toBe('MLOPS_CLUSTER_E7105');
    expect(error.message).toContain(`https://127.0.0.1:${port}`);
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('401: a wrong token, never echoed', async () => {
    const wrong = variant('wrong-token', (config) => {
      config.users[0]!.user.token = 'not-the-token';
    });
    const error = await rejectionOf((await openCluster({ cluster: {}, env: wrong })).serverVersion());
    expect(error.code).toBe('MLOPS_CLUSTER_E7107');
    expect(`${error.message} ${error.hint}`).not.toContain('not-the-token');
  });

  it('403: the verb, resource and namespace that are forbidden, and the RBAC rule that allows them', async () => {
    server.forbid({ verb: 'list', resource: 'pods', namespace: 'work' });
    const error = await rejectionOf(cluster.list({ apiVersion: 'v1', kind: 'Pod', namespace: 'work' }));
    expect(error.code).toBe('MLOPS_CLUSTER_E7108');
    expect(error.message).toContain('may not list pods in namespace work');
    expect(error.hint).toContain('verbs: ["list"]');
  });

  it('TLS: a kubeconfig with another CA names the server and what to check', async () => {
    const other = await generateTls();
    const foreign = variant('other-ca', (config) => {
      config.clusters[0]!.cluster['certificate-authority-data'] = Buffer.from(other.caPem).toString('base64');
    });
    const error = await rejectionOf((await openCluster({ cluster: {}, env: foreign })).serverVersion());
    expect(error.code).toBe('MLOPS_CLUSTER_E7106');
    expect(error.message).toContain(server.url.replace(/\/$/, ''));
    expect(error.hint).toContain('certificate-authority-data');
  });

  it('authenticates through an exec plugin, run with the env given to openCluster', async () => {
    const plugin = path.join(dir, 'token-plugin.mjs');
    writeFileSync(
      plugin,
      `process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: process.env.PLUGIN_TOKEN } }));\n`,
    );
    const viaExec = variant('exec', (config) => {
      config.users[0]!.user = {
        exec: { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: [plugin] },
      };
    });
    const client = await openCluster({ cluster: {}, env: { ...viaExec, PLUGIN_TOKEN: server.token } });
    expect(await client.serverVersion()).toMatch(/^v1\./);
    const refused = await openCluster({ cluster: {}, env: { ...viaExec, PLUGIN_TOKEN: 'expired' } });
    const error = await rejectionOf(refused.serverVersion());
    expect(error.code).toBe('MLOPS_CLUSTER_E7107');
    expect(error.hint).toContain('credential plugin');
  });
});
