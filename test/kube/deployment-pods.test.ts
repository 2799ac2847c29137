import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeServer } from '../support/kube/index.js';
import { startKubeServer } from '../support/kube/index.js';
import { tempDir } from '../support/temp-dir.js';
import type { ApiClient } from './api.js';
import { apiClient, byName } from './api.js';

const dir = tempDir('mlops-kube-deployment-pods-');
let server: KubeServer;
let api: ApiClient;

const NS = '/api/v1/namespaces/web';
const DEPLOYMENTS = '/apis/apps/v1/namespaces/web/deployments';

/**
 * The container: a tiny HTTP server on $HOST:$PORT. /ready answers 503 twice, then 200 (unless it
 * drains); other paths echo who answered. On SIGTERM it records the drain in the project directory and
 * exits 0. With CRASH_ONCE it exits 1 the first time it starts (a marker file remembers).
 */
const SERVER = `
const http = require('node:http');
const fs = require('node:fs');
const me = process.env.HOSTNAME;
if (process.env.CRASH_ONCE && !fs.existsSync('crashed-' + me)) {
  fs.writeFileSync('crashed-' + me, '');
  console.log('crashing on purpose');
  process.exit(1);
}
let probes = 0;
let draining = false;
const server = http.createServer((req, res) => {
  if (req.url === '/ready') {
    probes += 1;
    res.writeHead(draining || probes <= 2 ? 503 : 200);
    return res.end();
  }
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ pod: me, method: req.method, url: req.url, body, port: process.env.PORT }));
  });
});
server.listen(Number(process.env.PORT), process.env.HOST);
process.on('SIGTERM', () => {
  draining = true;
  fs.writeFileSync('drained-' + me, 'SIGTERM');
  server.close(() => process.exit(0));
});
`;

const deployment = (name: string, env: { name: string; value: string }[] = []) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'web' },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        terminationGracePeriodSeconds: 5,
        containers: [
          {
            name: 'server',
            image: 'web:1',
            command: ['node', 'server.js'],
            env: [{ name: 'PORT', value: '8080' }, ...env],
            ports: [{ name: 'http', containerPort: 8080 }],
            readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 5 },
          },
        ],
      },
    },
  },
});

interface PodList {
  items: {
    metadata: { name: string };
    status: { podIP: string; containerStatuses: { ready: boolean; restartCount: number }[] };
  }[];
}

const podsOf = async (app: string) =>
  (await api.call<PodList>('GET', `${NS}/pods?labelSelector=app%3D${app}`)).body.items;

const readyDeployment = (name: string) =>
  api.until(
    `${DEPLOYMENTS}?${byName(name)}`,
    (d) => (d as { status?: { readyReplicas?: number } }).status?.readyReplicas === 2,
  );

beforeAll(async () => {
  writeFileSync(path.join(dir, 'server.js'), SERVER);
  server = await startKubeServer({
    projectDir: dir,
    backoffMs: 20,
    runDeploymentPods: true,
    probePeriodMs: 30,
  });
  api = apiClient(server);
  await api.call('POST', '/api/v1/namespaces', {
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web' } },
  });
});

afterAll(async () => {
  await api?.close();
  await server?.close();
});

describe('Deployment pods that really run (runDeploymentPods)', () => {
  it('readiness is the probe’s answer: Unhealthy with the status code first, then readyReplicas counts real servers', async () => {
    await api.call('POST', DEPLOYMENTS, { body: deployment('echo') });
    const unhealthy = await api.until(`${NS}/events?fieldSelector=reason%3DUnhealthy`, (e) =>
      String(e.message).includes('statuscode'),
    );
    expect(unhealthy.message).toBe('Readiness probe failed: HTTP probe failed with statuscode: 503');
    const done = await readyDeployment('echo');
    expect(done.status).toMatchObject({ readyReplicas: 2, availableReplicas: 2 });
    const pods = await podsOf('echo');
    expect(pods.map((p) => p.status.podIP)).toEqual(['127.0.0.1', '127.0.0.1']);
    expect(server.controllerErrors).toEqual([]);
  });

  it('the pod proxy forwards GET and POST to each pod’s own process, by port number or name', async () => {
    const pods = await podsOf('echo');
    const answers = await Promise.all(
      pods.map((p) =>
        api.call<{ pod: string; url: string; port: string }>(
          'GET',
          `${NS}/pods/${p.metadata.name}:8080/proxy/v2/models/iris?x=1`,
        ),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(answers.map((a) => a.body.pod)).toEqual(pods.map((p) => p.metadata.name));
    expect(answers[0]?.body.url).toBe('/v2/models/iris?x=1');
    // each pod listens on its own local port, not on the 8080 its spec asked for
    expect(new Set(answers.map((a) => a.body.port)).size).toBe(2);
    expect(answers.map((a) => a.body.port)).not.toContain('8080');
    const posted = await api.call<{ method: string; body: string }>(
      'POST',
      `${NS}/pods/${pods[0]?.metadata.name}:http/proxy/infer`,
      { body: { rows: [1] } },
    );
    expect(posted.body).toMatchObject({ method: 'POST', body: '{"rows":[1]}' });
  });

  it('the pod proxy answers as an API server: 503 where nothing listens, 404 for no pod, 403 when forbidden', async () => {
    const [pod] = await podsOf('echo');
    const closed = await api.call<{ reason: string; message: string }>(
      'GET',
      `${NS}/pods/${pod?.metadata.name}:9999/proxy/`,
    );
    expect(closed.status).toBe(503);
    expect(closed.body.message).toBe(
      'error trying to reach service: dial tcp 127.0.0.1:9999: connect: connection refused',
    );
    expect((await api.call('GET', `${NS}/pods/nope:8080/proxy/`)).status).toBe(404);
    server.forbid({ verb: 'get', resource: 'pods/proxy', namespace: 'web' });
    const denied = await api.call<{ message: string }>('GET', `${NS}/pods/${pod?.metadata.name}:8080/proxy/`);
    expect(denied.status).toBe(403);
    expect(denied.body.message).toContain('cannot get resource "pods/proxy"');
  });

  it('deleting a pod sends SIGTERM so the server drains; the pod goes once the process exits', async () => {
    const [pod] = await podsOf('echo');
    const name = pod?.metadata.name ?? '';
    const gone = api.until(`${NS}/pods?${byName(name)}`, (_p, type) => type === 'DELETED');
    expect((await api.call('DELETE', `${NS}/pods/${name}`)).status).toBe(200);
    await gone;
    expect(readFileSync(path.join(dir, `drained-${name}`), 'utf8')).toBe('SIGTERM');
  });

  it('a container that crashes restarts with back-off and then serves (restartCount 1)', async () => {
    await api.call('POST', DEPLOYMENTS, {
      body: deployment('flaky', [{ name: 'CRASH_ONCE', value: '1' }]),
    });
    await api.until(`${NS}/events?fieldSelector=reason%3DBackOff`, (e) =>
      String(e.message).startsWith('Back-off restarting failed container server'),
    );
    await readyDeployment('flaky');
    const pods = await podsOf('flaky');
    expect(pods.map((p) => p.status.containerStatuses[0]?.restartCount)).toEqual([1, 1]);
    for (const p of pods) expect(existsSync(path.join(dir, `crashed-${p.metadata.name}`))).toBe(true);
    expect(server.controllerErrors).toEqual([]);
  });
});
