import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { createServer } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { runBin, runMlops, spawnBin } from '../support/run-mlops.js';
import { tempDir } from '../support/temp-dir.js';
import { http, irisProject, ok, SETOSA } from './fixture.js';

// These run the built executable (bin/mlops → dist/): `npm test` builds first (pretest).
let dir: string;
beforeAll(async () => {
  dir = await irisProject(tempDir(), 'iris', 2);
}, 120_000);

interface Child {
  readonly child: ChildProcessWithoutNullStreams;
  readonly events: Record<string, unknown>[];
  readonly exit: Promise<number | null>;
  readonly serving: Promise<{ url: string; version: string; alias: string | null }>;
}

function serve(args: string[]): Child {
  const child = spawnBin(['serve', '--port', '0', '--json', ...args], { cwd: dir });
  const events: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const serving = new Promise<{ url: string; version: string; alias: string | null }>((resolve, reject) => {
    let buffer = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const event = JSON.parse(line) as Record<string, unknown>;
        events.push(event);
        if (event.event === 'serving') resolve(event as never);
      }
    });
    void exit.then((code) => reject(new Error(`serve exited ${code} before serving:\n${stderr}`)));
  });
  return { child, events, exit, serving };
}

describe('mlops serve as a process', () => {
  it('SIGTERM: readiness 503, in-flight requests drain, exit 0', async () => {
    // The drain delay only has to outlast the two requests the test sends while draining.
    const server = serve(['--drain-delay', '2']);
    const { url } = await server.serving;
    expect((await http(`${url}/ready`)).status).toBe(200);

    // A request in flight: the server has read its headers (it answered `100 Continue`) and waits for
    // the rest of the body, sent after the signal.
    const { finish, answer } = await inFlight(`${url}/predict`, JSON.stringify({ instances: [SETOSA] }), 10);
    server.child.kill('SIGTERM');

    // During the drain delay the server still accepts, and says it is not ready. /ready answers 200
    // until the signal has been handled (those answers come before the stop, so are not drained).
    let ready = await http(`${url}/ready`);
    while (ready.status === 200) ready = await http(`${url}/ready`);
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'draining' });
    expect((await http(`${url}/health`)).status).toBe(200);

    finish();
    const answered = await answer;
    expect(answered.status).toBe(200);
    expect(JSON.parse(answered.text)).toMatchObject({
      predictions: [{ label: 'setosa' }],
      model_version: 'v1.0',
    });
    expect(answered.connection).toBe('close');

    expect(await server.exit).toBe(0);
    // Answered while draining: the in-flight request, the /ready that said 503, and /health.
    expect(server.events.at(-1)).toMatchObject({ event: 'stopped', reason: 'SIGTERM', drained: 3 });
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  }, 60_000);

  it('--version pins a version (no reload); Ctrl-C drains too, and exits 130 (interrupted)', async () => {
    ok(await runMlops(['promote', 'v1.1'], { cwd: dir }));
    const server = serve(['--version', 'v1.0']);
    const serving = await server.serving;
    expect(serving).toMatchObject({ version: 'v1.0', alias: null });
    const res = await http(`${serving.url}/predict`, { body: { instances: [SETOSA] } });
    expect(res.body).toMatchObject({ model_version: 'v1.0' });
    server.child.kill('SIGINT');
    expect(await server.exit).toBe(130);
    expect(server.events.map((e) => e.event)).toEqual(['serving', 'stopped']);
    expect(server.events.at(-1)).toMatchObject({ reason: 'SIGINT' });
  }, 60_000);

  it('a model that cannot be loaded, or a port in use, fails at start with a hint', async () => {
    const noAlias = await runBin(['serve', '--port', '0', '--alias', 'staging', '--json'], { cwd: dir });
    expect(noAlias.code).toBe(1);
    expect(noAlias.lines<{ event: string; error: { code: string; hint: string } }>().at(-1)).toMatchObject({
      event: 'failed',
      error: { code: 'MLOPS_REGISTRY_E4003', hint: expect.stringContaining('mlops promote') },
    });

    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const busy = await runBin(['serve', '--port', String(port)], { cwd: dir });
    blocker.close();
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain(`Cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
    expect(busy.stderr).toContain('--port');
  }, 60_000);
});

/**
 * A POST in flight: the server has read its headers (it answers `Expect: 100-continue` once it has)
 * and has been sent the first `sent` characters of `body`; `finish()` sends the rest, `answer`
 * settles with the response.
 */
async function inFlight(
  url: string,
  body: string,
  sent: number,
): Promise<{ finish(): void; answer: Promise<{ status: number; text: string; connection?: string }> }> {
  let request!: ClientRequest;
  const answer = new Promise<{ status: number; text: string; connection?: string }>((resolve, reject) => {
    request = httpRequest(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          expect: '100-continue',
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text, connection: res.headers.connection }),
        );
      },
    );
    request.on('error', reject);
  });
  await new Promise<void>((resolve, reject) => {
    request.once('continue', resolve);
    request.once('error', reject);
    request.flushHeaders();
  });
  await new Promise<void>((resolve, reject) =>
    request.write(body.slice(0, sent), (error) => (error ? reject(error) : resolve())),
  );
  return { finish: () => request.end(body.slice(sent)), answer };
}
