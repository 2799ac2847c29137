import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeServer } from '../support/kube/index.js';
import { startKubeServer } from '../support/kube/index.js';
import { tempDir } from '../support/temp-dir.js';
import type { ApiClient } from './api.js';
import { apiClient, byName, nodeJob, ofJob, phase } from './api.js';

const dir = tempDir('mlops-kube-api-');
let server: KubeServer;
let api: ApiClient;

const CM = '/api/v1/namespaces/work/configmaps';
const JOBS = '/apis/batch/v1/namespaces/work/jobs';
const PODS = '/api/v1/namespaces/work/pods';
const APPLY = 'application/apply-patch+yaml';

const configMap = (name: string, data: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'work' },
  data,
});

interface Meta {
  metadata: {
    resourceVersion: string;
    managedFields: { manager: string; operation: string; fieldsV1: object }[];
  };
  data: Record<string, string>;
}

beforeAll(async () => {
  server = await startKubeServer({ projectDir: dir, watchHistory: 5, backoffMs: 20 });
  api = apiClient(server);
  await api.call('POST', '/api/v1/namespaces', {
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'work' } },
  });
});

afterAll(async () => {
  await api?.close();
  await server?.close();
});

describe('the Kubernetes API test server speaks the API', () => {
  it('answers 401 Unauthorized without the bearer token, and 403 with the RBAC text for a forbidden verb', async () => {
    const none = await api.call('GET', CM, { token: null });
    expect(none).toMatchObject({
      status: 401,
      body: { kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401 },
    });
    expect((await api.call('GET', CM, { token: 'wrong' })).status).toBe(401);

    server.forbid({ verb: 'list', resource: 'secrets', namespace: 'work' });
    const denied = await api.call('GET', '/api/v1/namespaces/work/secrets');
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({
      reason: 'Forbidden',
      message:
        'secrets is forbidden: User "system:serviceaccount:default:mlops-test" cannot list resource "secrets" in API group "" in the namespace "work"',
      details: { kind: 'secrets', group: '' },
    });
    expect((await api.call('GET', '/api/v1/namespaces/default/secrets')).status).toBe(200);
  });

  it('refuses a create in a namespace that does not exist, and a duplicate name', async () => {
    const missing = await api.call('POST', '/api/v1/namespaces/nowhere/configmaps', {
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } },
    });
    expect(missing).toMatchObject({
      status: 404,
      body: { reason: 'NotFound', message: 'namespaces "nowhere" not found' },
    });
    expect((await api.call('POST', CM, { body: configMap('dup', {}) })).status).toBe(201);
    const again = await api.call('POST', CM, { body: configMap('dup', {}) });
    expect(again).toMatchObject({
      status: 409,
      body: { reason: 'AlreadyExists', message: 'configmaps "dup" already exists' },
    });
  });

  it('server-side apply: identical re-apply changes nothing; another manager conflicts (409) until force', async () => {
    const created = await api.call<Meta>('PATCH', `${CM}/settings?fieldManager=mlops`, {
      body: configMap('settings', { a: '1', b: '2' }),
      contentType: APPLY,
    });
    expect(created.status).toBe(201);
    expect(created.body.metadata.managedFields).toEqual([
      expect.objectContaining({
        manager: 'mlops',
        operation: 'Apply',
        fieldsV1: { 'f:data': { 'f:a': {}, 'f:b': {} } },
      }),
    ]);
    const same = await api.call<Meta>('PATCH', `${CM}/settings?fieldManager=mlops`, {
      body: configMap('settings', { a: '1', b: '2' }),
      contentType: APPLY,
    });
    expect(same.body.metadata.resourceVersion).toBe(created.body.metadata.resourceVersion);

    const conflict = await api.call('PATCH', `${CM}/settings?fieldManager=kubectl-edit`, {
      body: configMap('settings', { a: 'mine' }),
      contentType: APPLY,
    });
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({
      reason: 'Conflict',
      message: 'Apply failed with 1 conflict: conflict with "mlops" using v1: .data.a',
      details: {
        causes: [
          { reason: 'FieldManagerConflict', field: '.data.a', message: 'conflict with "mlops" using v1' },
        ],
      },
    });
    const forced = await api.call<Meta>('PATCH', `${CM}/settings?fieldManager=kubectl-edit&force=true`, {
      body: configMap('settings', { a: 'mine' }),
      contentType: APPLY,
    });
    expect(forced.body.data).toEqual({ a: 'mine', b: '2' });
    const owners = Object.fromEntries(forced.body.metadata.managedFields.map((e) => [e.manager, e.fieldsV1]));
    expect(owners).toEqual({
      mlops: { 'f:data': { 'f:b': {} } },
      'kubectl-edit': { 'f:data': { 'f:a': {} } },
    });

    // a field its manager stops applying is removed
    const dropped = await api.call<Meta>('PATCH', `${CM}/settings?fieldManager=mlops`, {
      body: configMap('settings', {}),
      contentType: APPLY,
    });
    expect(dropped.body.data).toEqual({ a: 'mine' });
  });

  it('server-side apply replaces a keyed list item whose key changed, and drops one no longer applied, whole', async () => {
    const SERVICES = '/api/v1/namespaces/work/services';
    const service = (ports: readonly { port: number; name: string }[]) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'work' },
      spec: { selector: { app: 'web' }, ports: ports.map((p) => ({ ...p, protocol: 'TCP' })) },
    });
    const first = await api.call<Meta & { spec: { ports: unknown[] } }>(
      'PATCH',
      `${SERVICES}/web?fieldManager=mlops`,
      {
        body: service([
          { port: 8080, name: 'http' },
          { port: 9090, name: 'metrics' },
        ]),
        contentType: APPLY,
      },
    );
    expect(first.status).toBe(201);
    // the port (part of the item's key, with protocol) changes, and the metrics port is no longer applied
    const next = await api.call<Meta & { spec: { ports: { port: number; name: string }[] } }>(
      'PATCH',
      `${SERVICES}/web?fieldManager=mlops`,
      { body: service([{ port: 80, name: 'http' }]), contentType: APPLY },
    );
    expect(next.status).toBe(200);
    expect(next.body.spec.ports.map((p) => [p.port, p.name])).toEqual([[80, 'http']]);
  });

  it('JSON merge and strategic merge patches; containers merge by name', async () => {
    const job = nodeJob('patched', 'work', 'process.exit(0)', { suspend: true });
    expect((await api.call('POST', `${JOBS}?dryRun=All`, { body: job })).status).toBe(201);
    expect((await api.call('GET', `${JOBS}/patched`)).status).toBe(404);
    const merged = await api.call<{ metadata: { labels: object } }>(
      'PATCH',
      `/api/v1/namespaces/work/configmaps/dup`,
      {
        body: { metadata: { labels: { team: 'ml' } } },
        contentType: 'application/merge-patch+json',
      },
    );
    expect(merged.body.metadata.labels).toEqual({ team: 'ml' });
    const deploy = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'smp', namespace: 'work' },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'smp' } },
        template: {
          metadata: { labels: { app: 'smp' } },
          spec: {
            containers: [
              { name: 'a', image: 'a:1' },
              { name: 'b', image: 'b:1' },
            ],
          },
        },
      },
    };
    expect(
      (await api.call('POST', '/apis/apps/v1/namespaces/work/deployments', { body: deploy })).status,
    ).toBe(201);
    const patched = await api.call<{
      metadata: { generation: number };
      spec: { template: { spec: { containers: { name: string; image: string }[] } } };
    }>('PATCH', '/apis/apps/v1/namespaces/work/deployments/smp', {
      body: { spec: { template: { spec: { containers: [{ name: 'b', image: 'b:2' }] } } } },
      contentType: 'application/strategic-merge-patch+json',
    });
    expect(patched.body.spec.template.spec.containers.map((c) => `${c.name}=${c.image}`)).toEqual([
      'a=a:1',
      'b=b:2',
    ]);
    expect(patched.body.metadata.generation).toBe(2);
  });

  it('rejects unknown fields (422 naming the path) unless fieldValidation=Ignore; schema errors name the field', async () => {
    const job = nodeJob('strict', 'work', 'process.exit(0)') as {
      spec: { template: { spec: { containers: Record<string, unknown>[] } } };
    };
    job.spec.template.spec.containers[0]!.foo = 1;
    const refused = await api.call<{ message: string; details: { causes: { field: string }[] } }>(
      'POST',
      JOBS,
      { body: job },
    );
    expect(refused).toMatchObject({
      status: 422,
      body: { reason: 'Invalid', details: { kind: 'Job', group: 'batch', name: 'strict' } },
    });
    expect(refused.body.message).toBe(
      'Job.batch "strict" is invalid: strict decoding error: unknown field "spec.template.spec.containers[0].foo"',
    );
    expect(refused.body.details.causes.map((c) => c.field)).toEqual(['spec.template.spec.containers[0].foo']);

    const ignored = await api.call<{ spec: { template: { spec: { containers: object[] } } } }>(
      'POST',
      `${JOBS}?fieldValidation=Ignore&dryRun=All`,
      { body: job },
    );
    expect(ignored.status).toBe(201);
    expect(ignored.body.spec.template.spec.containers[0]).not.toHaveProperty('foo');

    const typed = await api.call('POST', JOBS, {
      body: {
        ...nodeJob('typed', 'work', ''),
        spec: { ...nodeJob('typed', 'work', '').spec, backoffLimit: 'six' },
      },
    });
    expect(typed).toMatchObject({
      status: 422,
      body: { details: { causes: [{ field: 'spec.backoffLimit', reason: 'FieldValueInvalid' }] } },
    });
  });

  it('a watch resumes from a resourceVersion; one older than the kept history gets a 410 Expired ERROR event', async () => {
    const created = await api.call<Meta>('POST', CM, { body: configMap('watched', { v: '0' }) });
    const from = created.body.metadata.resourceVersion;
    for (const v of ['1', '2']) {
      await api.call('PATCH', `${CM}/watched`, {
        body: { data: { v } },
        contentType: 'application/merge-patch+json',
      });
    }
    const replay = api.watch(`${CM}?fieldSelector=metadata.name%3Dwatched&resourceVersion=${from}`);
    const seen = [(await replay.next()).value, (await replay.next()).value];
    await replay.return(undefined);
    expect(seen.map((e) => `${e?.type} ${e?.object.data?.v as string}`)).toEqual([
      'MODIFIED 1',
      'MODIFIED 2',
    ]);

    for (let i = 0; i < 6; i++) await api.call('POST', CM, { body: configMap(`filler-${i}`, {}) }); // history keeps 5
    const stale = api.watch(`${CM}?resourceVersion=${from}`);
    const error = (await stale.next()).value;
    expect(error).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
    expect((await stale.next()).done).toBe(true);
  });

  it('serves a pod log with kubelet timestamps; sinceTime cuts it; a follow ends when the container ends', async () => {
    const script =
      'let i = 0; const t = setInterval(() => { console.log(`line ${++i}`); if (i === 3) clearInterval(t); }, 30);';
    await api.call('POST', JOBS, { body: nodeJob('logger', 'work', script) });
    const pod = await api.until(
      `${PODS}?${ofJob('logger')}`,
      (p) => phase(p) === 'Running' || phase(p) === 'Succeeded',
    );
    const name = pod.metadata.name;
    const followed: string[] = [];
    for await (const line of api.lines(
      `/api/v1/namespaces/work/pods/${name}/log?follow=true&timestamps=true`,
    ))
      followed.push(line);
    expect(followed.map((l) => l.replace(/^\S+ /, ''))).toEqual(['line 1', 'line 2', 'line 3']);
    for (const line of followed) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z line \d$/);
    const second = followed[1]!.split(' ')[0]!;
    const since = await api.call<string>(
      'GET',
      `/api/v1/namespaces/work/pods/${name}/log?sinceTime=${second}`,
    );
    expect(since.body).toBe('line 2\nline 3\n');
    expect((await api.call<string>('GET', `/api/v1/namespaces/work/pods/${name}/log?tailLines=1`)).body).toBe(
      'line 3\n',
    );
  });

  it('deletes Foreground: the owner waits with its finalizer until its pods are gone, then goes', async () => {
    server.faults.set({ kind: 'deadlineExceeded', image: 'sleeper:1' }); // a container that runs until stopped
    const job = nodeJob('held', 'work', '');
    job.spec.template.spec.containers[0]!.image = 'sleeper:1';
    await api.call('POST', JOBS, { body: job });
    const podName = (await api.until(`${PODS}?${ofJob('held')}`, (p) => phase(p) === 'Running')).metadata
      .name;
    const deleting = await api.call<{
      metadata: { deletionTimestamp?: string; finalizers?: string[]; resourceVersion: string };
    }>('DELETE', `${JOBS}/held`, {
      body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground' },
    });
    expect(deleting.body.metadata.deletionTimestamp).toBeTruthy();
    expect(deleting.body.metadata.finalizers).toEqual(['foregroundDeletion']);
    // from the deletion's resourceVersion on: the DELETED event cannot be missed
    const rv = deleting.body.metadata.resourceVersion;
    await api.until(`${JOBS}?${byName('held')}&resourceVersion=${rv}`, (_job, type) => type === 'DELETED');
    expect((await api.call('GET', `${PODS}/${podName}`)).status).toBe(404);
    server.faults.clear();
  });
});
