import { execFile, spawn } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { binPath, runMlops, spawnBin } from '../support/run-mlops.js';
import { freePort } from '../support/free-port.js';
import { childEnvironment } from '../support/sealed-env.js';
import { tempDir } from '../support/temp-dir.js';
import { irisProject } from '../serving/fixture.js';

// The built executable at the edges of a process: closed pipes and the ways a server is told to stop.
let dir: string;
beforeAll(async () => {
  dir = await irisProject(tempDir(), 'edges');
}, 120_000);

/** Runs a bash pipeline; resolves with mlops's own exit code (PIPESTATUS[0]) and what it wrote to stderr. */
function pipeline(mlopsArgs: string, reader: string): Promise<{ code: number; stderr: string; out: string }> {
  const script = `node ${binPath} ${mlopsArgs} 2>"$ERR" | ${reader}; echo "rc=\${PIPESTATUS[0]}"; cat "$ERR"`;
  const { env, dispose } = childEnvironment({ ERR: `${dir}/.stderr-${Date.now()}` });
  return new Promise((resolve) => {
    execFile('bash', ['-c', script], { cwd: dir, env, timeout: 90_000 }, (_error, stdout) => {
      dispose();
      const [out = '', rest = ''] = stdout.split(/^rc=/m);
      const [code = '', ...stderr] = rest.split('\n');
      resolve({ code: Number(code), out, stderr: stderr.join('\n') });
    });
  });
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function gone(pid: number, withinMs: number): Promise<boolean> {
  for (const end = Date.now() + withinMs; Date.now() < end;) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !alive(pid);
}

describe('a closed stdout (mlops … | head)', () => {
  it.each([
    ['--help', 'head -n 1'],
    ['models list', 'head -n 1'],
    ['models show v1.0', 'head -n 1'],
    ['doctor', 'head -n 1'],
    ['models list --json', 'head -c 0'],
    ['--help', 'head -c 0'],
  ])('`mlops %s | %s` stops quietly: no stack trace, no EPIPE', async (args, reader) => {
    const res = await pipeline(args, reader);
    expect(res.stderr).not.toMatch(/EPIPE|at .*\(node:|Error:/);
    // 0: a closed pipe is no failure, and in this sealed environment doctor finds only warnings.
    expect(res.code).toBe(0);
  });

  it('`train --local --json | head -n 1` prints one line and still registers its version', async () => {
    const before = (await runMlops(['models', 'list', '--json'], { cwd: dir })).json<{
      versions: unknown[];
    }>();
    const res = await pipeline('train --local --json --param epochs=30', 'head -n 1');
    expect(res.code).toBe(0);
    expect(res.stderr).not.toMatch(/EPIPE|Error/);
    expect(res.out.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(res.out)).toMatchObject({ event: 'dataset' });
    const after = (await runMlops(['models', 'list', '--json'], { cwd: dir })).json<{
      versions: unknown[];
    }>();
    expect(after.versions.length).toBe(before.versions.length + 1);
  }, 120_000);
});

/** Starts `mlops serve --json` under a parent `sh`; resolves once it serves. */
function serveUnderShell(): Promise<{
  shell: ReturnType<typeof spawn>;
  pid: number;
  url: string;
  out: () => string;
}> {
  // `; true` keeps sh as the parent (a lone command would be exec'd in its place).
  const { env, dispose } = childEnvironment();
  const shell = spawn('sh', ['-c', `node ${binPath} serve --port 0 --json; true`], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  shell.once('close', dispose);
  let out = '';
  return new Promise((resolve, reject) => {
    shell.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const serving = out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { event: string; url: string; pid: number })
        .find((e) => e.event === 'serving');
      if (serving) resolve({ shell, pid: serving.pid, url: serving.url, out: () => out });
    });
    shell.on('exit', (code) => reject(new Error(`serve ended (${code}) before serving: ${out}`)));
  });
}

describe('a server is told to stop, whichever way it was started', () => {
  it('its parent goes away (npx mlops serve & … kill $!): it drains and exits', async () => {
    const server = await serveUnderShell();
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    server.shell.kill('SIGKILL'); // the parent dies without passing anything on, as npm exec does
    expect(await gone(server.pid, 15_000)).toBe(true);
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
    expect(server.out()).toContain('"reason":"parent exited"');
  }, 60_000);

  it.each(['SIGHUP', 'SIGTERM'] as const)(
    '%s: it drains and exits 0',
    async (signal) => {
      const child = spawnBin(['serve', '--port', '0', '--json'], { cwd: dir });
      let out = '';
      let sent = false; // once: a second signal after the server stopped listening would kill it
      const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        if (!sent && out.includes('"event":"serving"')) sent = child.kill(signal);
      });
      const guard = setTimeout(() => child.kill('SIGKILL'), 45_000);
      expect(await exit).toBe(0);
      clearTimeout(guard);
      expect(out).toContain(`"reason":"${signal}"`);
    },
    60_000,
  );
});

describe('predict --wait: a server just started in the background', () => {
  it('waits for it to be ready, then predicts', async () => {
    const port = await freePort();
    const predicting = predictWaiting(port, '30');
    await new Promise((r) => setTimeout(r, 500)); // predict is already asking: nothing listens yet
    const server = spawnBin(['serve', '--port', String(port)], { cwd: dir });
    server.stdout.resume();
    server.stderr.resume();
    try {
      const res = await predicting;
      expect(res.code, res.stderr).toBe(0);
      expect(res.json<{ predictions: { label: string }[] }>().predictions[0]?.label).toBe('setosa');
    } finally {
      server.kill('SIGTERM');
    }
  }, 60_000);

  it('gives up after the time given, saying how long it waited', async () => {
    const port = await freePort();
    const res = await predictWaiting(port, '1');
    expect(res.code).toBe(1);
    const { error } = res.json<{ error: { code: string; message: string; hint: string } }>();
    expect(error.code).toBe('MLOPS_SERVE_E8001');
    expect(error.message).toContain('(waited 1 s)');
    expect(error.hint).toContain('mlops serve');
  });
});

/** `mlops predict --wait SECONDS` of one iris row, to a server that may not be there yet. */
const predictWaiting = (port: number, seconds: string) =>
  runMlops(
    [
      'predict',
      '--wait',
      seconds,
      '--url',
      `http://127.0.0.1:${port}`,
      '--data',
      '[5.1,3.5,1.4,0.2]',
      '--json',
    ],
    { cwd: dir },
  );
