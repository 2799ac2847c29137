import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type ClientRequest } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { parseCfsQuota, parseCpuMax, readCpuLimit, workersForCpus } from '../../src/serving/cpu-limit.js';
import { spawnJsonLines, type JsonLinesChild } from '../support/json-lines-child.js';
import { binPath, runMlops } from '../support/run-mlops.js';
import { childEnvironment } from '../support/sealed-env.js';
import { tempDir } from '../support/temp-dir.js';
import { irisProject, ok, parseMetrics, SETOSA } from './fixture.js';

describe('serve.workers "auto": the container CPU limit', () => {
  it('reads cgroup v2 cpu.max and v1 cfs quota/period; no limit means every CPU', () => {
    expect(parseCpuMax('200000 100000\n')).toBe(2);
    expect(parseCpuMax('150000 100000')).toBe(1.5);
    expect(parseCpuMax('max 100000')).toBeUndefined();
    expect(parseCpuMax('')).toBeUndefined();
    expect(parseCfsQuota('-1\n', '100000\n')).toBeUndefined();
    expect(parseCfsQuota('300000', '100000')).toBe(3);

    expect(workersForCpus(2, 8)).toBe(2);
    expect(workersForCpus(1.5, 8)).toBe(1); // rounded down
    expect(workersForCpus(0.5, 8)).toBe(1); // at least one
    expect(workersForCpus(16, 4)).toBe(4); // never more than the CPUs it can run on
    expect(workersForCpus(undefined, 4)).toBe(4);
  });

  it('prefers cgroup v2, falls back to v1, and reads no limit from a machine without cgroups', async () => {
    const v2 = tempDir();
    writeFileSync(path.join(v2, 'cpu.max'), '200000 100000\n');
    expect(await readCpuLimit(v2)).toBe(2);

    const v1 = tempDir();
    const cpu = path.join(v1, 'cpu,cpuacct');
    mkdirSync(cpu);
    writeFileSync(path.join(cpu, 'cpu.cfs_quota_us'), '400000\n');
    writeFileSync(path.join(cpu, 'cpu.cfs_period_us'), '100000\n');
    expect(await readCpuLimit(v1)).toBe(4);

    expect(await readCpuLimit(tempDir())).toBeUndefined();
  });
});

describe('serve.workers', () => {
  it('is 1 by default; the config file, MLOPS_SERVE_WORKERS and flags set a number or "auto"', () => {
    const cwd = tempDir();
    writeFileSync(path.join(cwd, 'mlops.config.json'), JSON.stringify({ name: 'iris' }));
    const workers = (env: Record<string, string>, overrides = {}) =>
      loadConfig({ cwd, env, overrides }).config.serve.workers;
    expect(workers({})).toBe(1);
    expect(workers({ MLOPS_SERVE_WORKERS: '3' })).toBe(3);
    expect(workers({ MLOPS_SERVE_WORKERS: 'auto' })).toBe('auto');
    expect(workers({ MLOPS_SERVE_WORKERS: '3' }, { 'serve.workers': 2 })).toBe(2);
    expect(() => workers({ MLOPS_SERVE_WORKERS: 'many' })).toThrow(/MLOPS_SERVE_WORKERS="many"/);
    expect(() => workers({ MLOPS_SERVE_WORKERS: '0' })).toThrow(/serve\.workers/);
  });
});

interface Answer {
  readonly status: number;
  /** The pid of the worker that answered (x-mlops-worker). */
  readonly worker: string;
  readonly body: string;
}

/**
 * A request on a connection of its own, so that the primary hands each one to the next worker; a POST
 * asks for `100 Continue`, so that the caller knows when the server has its headers.
 */
function send(url: string, post: boolean): { request: ClientRequest; answer: Promise<Answer> } {
  let request!: ClientRequest;
  const answer = new Promise<Answer>((resolve, reject) => {
    request = httpRequest(
      url,
      {
        agent: false,
        method: post ? 'POST' : 'GET',
        headers: post ? { 'content-type': 'application/json', expect: '100-continue' } : {},
      },
      (res) => {
        let received = '';
        res.setEncoding('utf8').on('data', (c: string) => (received += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            worker: String(res.headers['x-mlops-worker']),
            body: received,
          }),
        );
      },
    );
    request.on('error', reject);
  });
  return { request, answer };
}

async function call(url: string, body?: unknown): Promise<Answer> {
  const { request, answer } = send(url, body !== undefined);
  request.end(body === undefined ? undefined : JSON.stringify(body));
  return answer;
}

const predict = (url: string) => call(`${url}/predict`, { instances: [SETOSA] });
const versionOf = (answer: Answer) => (JSON.parse(answer.body) as { model_version: string }).model_version;
const metrics = async (url: string) => parseMetrics((await call(`${url}/metrics`)).body);
const PREDICT_200 = 'ml_requests_total{endpoint="/predict",status="200"}';

function pidIsGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

// One server for the whole sequence (each test starts where the previous one left it): the totals are
// read before a worker is killed, since a killed worker's counts go with it.
describe('mlops serve --workers 2 (the built bin)', () => {
  let dir: string;
  let server: JsonLinesChild;
  let url: string;
  const workers = new Set<string>();

  beforeAll(async () => {
    dir = await irisProject(tempDir(), 'iris', 2); // v1.0 (production), v1.1
    const configFile = path.join(dir, 'mlops.config.json');
    const config = JSON.parse(readFileSync(configFile, 'utf8')) as { serve?: Record<string, unknown> };
    config.serve = { ...config.serve, pollIntervalSeconds: 0.2 };
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    const sealed = childEnvironment();
    server = spawnJsonLines(
      process.execPath,
      [binPath, 'serve', '--port', '0', '--json', '--workers', '2', '--drain-delay', '1'],
      { cwd: dir, env: sealed.env, timeoutMs: 120_000 },
    );
    void server.exited.then(sealed.dispose);
    const serving = await server.next('serving');
    expect(serving).toMatchObject({ workers: 2, version: 'v1.0', model: 'iris' });
    url = serving.url as string;
  }, 120_000);
  afterAll(() => server?.child.kill('SIGKILL'));

  it('answers from both workers; /metrics from any worker counts every request once', async () => {
    const sent = 40;
    const answers = await Promise.all(Array.from({ length: sent }, () => predict(url)));
    expect(answers.map((a) => a.status)).toEqual(Array(sent).fill(200));
    for (const a of answers) workers.add(a.worker);
    expect(workers.size).toBe(2);

    const seen = new Set<string>();
    for (let i = 0; i < 6; i += 1) {
      const { body, worker } = await call(`${url}/metrics`);
      seen.add(worker);
      const m = parseMetrics(body);
      expect(m.get(PREDICT_200)).toBe(sent);
      expect(m.get('ml_model_info{model="iris",version="v1.0"}')).toBe(1);
      expect(m.get('ml_worker_restarts_total')).toBe(0);
    }
    expect(seen.size).toBe(2);
    // One start event for the whole server, not one per worker.
    expect(server.events().filter((e) => e.event === 'serving')).toHaveLength(1);
  });

  it('a killed worker is replaced and the server keeps answering', async () => {
    const [victim, survivor] = [...workers] as [string, string];
    process.kill(Number(victim), 'SIGKILL');
    // No requests until the primary has reaped it: a connection the primary hands over in the instant
    // the worker dies is lost with it (node:cluster), and only a client timeout ends it.
    while (!pidIsGone(Number(victim))) await new Promise((r) => setTimeout(r, 10));

    // From then on every answer comes from a live worker, until the replacement (a third pid) answers too.
    let replacement: string | undefined;
    while (replacement === undefined) {
      const answer = await predict(url);
      expect(answer.status).toBe(200);
      expect(answer.worker).not.toBe(victim);
      if (answer.worker !== survivor) replacement = answer.worker;
    }
    workers.clear();
    workers.add(survivor).add(replacement);
    expect((await metrics(url)).get('ml_worker_restarts_total')).toBe(1);
  }, 30_000);

  it('`mlops promote` reaches every worker: valid versions throughout, then only the new one', async () => {
    const log: { worker: string; version: string }[] = [];
    const streak = new Map<string, number>();
    const promoted = runMlops(['promote', 'v1.1'], { cwd: dir });
    // Until each worker has answered v1.1 five times in a row.
    while ([...workers].some((w) => (streak.get(w) ?? 0) < 5)) {
      const answer = await predict(url);
      expect(answer.status).toBe(200);
      const version = versionOf(answer);
      log.push({ worker: answer.worker, version });
      streak.set(answer.worker, version === 'v1.1' ? (streak.get(answer.worker) ?? 0) + 1 : 0);
    }
    ok(await promoted);

    for (const worker of workers) {
      const versions = log.filter((e) => e.worker === worker).map((e) => e.version);
      // v1.0 answers, then only v1.1: a worker never goes back to the old version.
      const firstNew = versions.indexOf('v1.1');
      expect(versions.slice(0, firstNew).every((v) => v === 'v1.0')).toBe(true);
      expect(versions.slice(firstNew).every((v) => v === 'v1.1')).toBe(true);
    }
    const m = await metrics(url);
    expect(m.get('ml_model_info{model="iris",version="v1.1"}')).toBe(1);
    expect(m.has('ml_model_info{model="iris",version="v1.0"}')).toBe(false);
  }, 30_000);

  it('SIGTERM drains both workers: requests in flight all answer 200, then exit 0', async () => {
    // Two requests in flight, one per worker: headers read (100 Continue), body not yet sent.
    const inFlight = [send(`${url}/predict`, true), send(`${url}/predict`, true)];
    await Promise.all(
      inFlight.map(
        ({ request }) =>
          new Promise<void>((resolve, reject) => {
            request.once('continue', resolve);
            request.once('error', reject);
            request.flushHeaders();
          }),
      ),
    );
    server.child.kill('SIGTERM');
    // Both workers have begun to drain once each has said 503 on /ready (the drain delay keeps accepting).
    const draining = new Set<string>();
    while (draining.size < 2) {
      const ready = await call(`${url}/ready`);
      if (ready.status === 503) draining.add(ready.worker);
    }
    const body = JSON.stringify({ instances: [SETOSA] });
    for (const { request } of inFlight) request.end(body);
    const answers = await Promise.all(inFlight.map((f) => f.answer));
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(new Set(answers.map((a) => a.worker)).size).toBe(2);

    expect(await server.exited).toBe(0);
    const stopped = server.events().filter((e) => e.event === 'stopped');
    expect(stopped).toHaveLength(1);
    expect(stopped[0]).toMatchObject({ reason: 'SIGTERM' });
    expect(stopped[0]!.drained as number).toBeGreaterThanOrEqual(2);
  }, 30_000);
});
