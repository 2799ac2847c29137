import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMlops } from '../support/run-mlops.js';
import { tempDir } from '../support/temp-dir.js';
import { http, irisProject, ok, parseMetrics, SETOSA, startServer } from './fixture.js';

type Server = Awaited<ReturnType<typeof startServer>>;
let dir: string;
let server: Server;

beforeAll(async () => {
  dir = await irisProject(tempDir(), 'iris', 3); // v1.0 (promoted), v1.1, v1.2
  server = await startServer(dir, { pollIntervalSeconds: 0.2 });
}, 180_000);
afterAll(() => server?.stop());

const metric = async (key: string) => parseMetrics((await http(`${server.url}/metrics`)).text).get(key);

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('hot reload', () => {
  it('`mlops promote` swaps the served version under load with zero failed requests', async () => {
    let running = true;
    const failures: string[] = [];
    const seen: string[][] = [];
    const worker = async (log: string[]) => {
      while (running) {
        try {
          const res = await http(`${server.url}/predict`, { body: { instances: [SETOSA] } });
          if (res.status !== 200) failures.push(`${res.status} ${res.text}`);
          else log.push(res.json<{ model_version: string }>().model_version);
        } catch (error) {
          failures.push(String(error));
        }
      }
    };
    const workers = Array.from({ length: 8 }, () => {
      const log: string[] = [];
      seen.push(log);
      return worker(log);
    });
    await until(() => seen.every((log) => log.length > 5));
    ok(await runMlops(['promote', 'v1.1'], { cwd: dir }));
    await until(() => seen.every((log) => log.at(-1) === 'v1.1'));
    // A few more answers per client after the switch, to see that none goes back to v1.0.
    const switchedAt = seen.map((log) => log.length);
    await until(() => seen.every((log, i) => log.length >= (switchedAt[i] ?? 0) + 5));
    running = false;
    await Promise.all(workers);

    expect(failures).toEqual([]);
    for (const log of seen) {
      // Each client saw v1.0, then v1.1, never going back.
      const switched = log.indexOf('v1.1');
      expect(log[0]).toBe('v1.0');
      expect(switched).toBeGreaterThan(0);
      expect(log.slice(switched).every((v) => v === 'v1.1')).toBe(true);
    }
    expect(server.app.status().version).toBe('v1.1');
    expect(await metric('ml_model_reloads_total{result="success"}')).toBe(1);
    expect(await metric('ml_model_info{model="iris",version="v1.1"}')).toBe(1);
    expect(server.io.events.filter((e) => e.event === 'reloaded').map((e) => e.data)).toEqual([
      { model: 'iris', from: 'v1.0', to: 'v1.1', alias: 'production' },
    ]);
  }, 60_000);

  it('a version whose artifacts fail verification is refused: the old model keeps serving', async () => {
    // same size, other bytes: promote's size check lets it through, the server's sha256 check must not
    const weights = path.join(dir, '.mlops', 'registry', 'iris', 'versions', 'v1.2', 'weights.bin');
    const tampered = readFileSync(weights);
    tampered[0] = (tampered[0] ?? 0) ^ 1;
    writeFileSync(weights, tampered);
    ok(await runMlops(['promote', 'v1.2'], { cwd: dir }));
    await until(async () => ((await metric('ml_model_reloads_total{result="error"}')) ?? 0) >= 1);
    expect(server.app.status().version).toBe('v1.1');
    expect((await http(`${server.url}/ready`)).status).toBe(200);
    const res = await http(`${server.url}/predict`, { body: { instances: [SETOSA] } });
    expect(res.body).toMatchObject({ model_version: 'v1.1' });
    const failed = server.io.events.filter((e) => e.event === 'reload-failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.data).toMatchObject({
      version: 'v1.2',
      current: 'v1.1',
      error: { code: 'MLOPS_REGISTRY_E4002' },
    });

    // Rolling the alias back to what is served settles it: no more attempts. A poll that read the
    // alias before the rollback may still be trying v1.2; `poll()` joins it, and every poll after it
    // reads the rolled-back alias.
    ok(await runMlops(['rollback'], { cwd: dir }));
    await server.app.poll();
    const errors = await metric('ml_model_reloads_total{result="error"}');
    for (let i = 0; i < 3; i += 1) {
      expect(await server.app.poll()).toEqual({ result: 'unchanged', version: 'v1.1' });
    }
    expect(await metric('ml_model_reloads_total{result="error"}')).toBe(errors);
    expect(server.app.status().version).toBe('v1.1');
  }, 60_000);
});
