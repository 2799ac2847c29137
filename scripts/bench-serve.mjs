#!/usr/bin/env node
// `npm run bench:serve` (after `npm run build`): the serving app against a bare node:http JSON server,
// measured in the same run on the same machine (DESIGN.md §8).
//
// Setup, chosen so that the load generator never starves a server on a 2-core machine:
//   - each server runs in its own child process (the same `node`, no flags), started one after the other
//     and never at the same time; the serving app is the real `mlops serve` (bin/mlops, default serve
//     settings) on a model trained for the occasion into a temporary registry;
//   - with `taskset` available and ≥ 2 CPUs, the server is pinned to CPU 0 and this process (autocannon,
//     one thread) to CPU 1, so the two never compete for a core; otherwise the OS schedules them;
//   - autocannon: 50 connections, 1 row per request, keep-alive, no pipelining, a 2 s warm-up, then
//     ≥ 10 s measured; identical request bodies for both servers, and the bare server answers a JSON
//     document of the same shape and size as the app's. Rounds alternate bare / app; the summary is the
//     median round. Each run also records the server's CPU time per request (/proc), which compares the
//     two servers' costs even when the load generator or other tenants of the machine set the pace;
//   - then rows/s of the app with 1,000 rows per request (10 connections).
//
// Options: --duration S (default 10), --connections N (50), --rounds N (3), --json.
import autocannon from 'autocannon';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'mlops');
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};

// The bare server: parses the JSON body and answers a fixed JSON document. Started as a child process.
if (args[0] === '--bare-server') {
  const answer = Buffer.from(flag('answer', '{}'));
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      try {
        JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"bad json"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length });
      res.end(answer);
    });
  });
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(
      `${JSON.stringify({ event: 'serving', url: `http://127.0.0.1:${server.address().port}` })}\n`,
    );
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
} else {
  await main();
}

async function main() {
  const duration = Number(flag('duration', '10'));
  const connections = Number(flag('connections', '50'));
  const rounds = Number(flag('rounds', '3'));
  const asJson = args.includes('--json');
  const log = (line) => process.stderr.write(`${line}\n`);

  const pin = canPin();
  if (pin) execFileSync('taskset', ['-pc', '1', String(process.pid)], { stdio: 'ignore' });

  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlops-bench-serve-'));
  try {
    log(`Training an iris model into ${dir} …`);
    cli(['init', dir, '--yes', '--name', 'iris', '--dataset', 'iris'], root);
    cli(['train', '--local', '--param', 'epochs=100', '--json'], dir);
    cli(['promote', 'v1.0'], dir);

    const row = [5.1, 3.5, 1.4, 0.2];
    const one = JSON.stringify({ instances: [row] });
    const iris = readFileSync(path.join(dir, 'data', 'iris.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(',').slice(0, 4).map(Number));
    const thousand = JSON.stringify({
      instances: Array.from({ length: 1000 }, (_, i) => iris[i % iris.length]),
    });

    // The bare server answers exactly what the app answers for this row (same shape and size).
    const app = await start([bin, 'serve', '--port', '0', '--json', '--yes'], dir, pin);
    const sample = await (await post(`${app.url}/predict`, one)).text();
    await app.stop();

    const results = { bare: [], app: [], batch: [] };
    for (let round = 0; round < rounds; round += 1) {
      for (const kind of ['bare', 'app']) {
        const server =
          kind === 'bare'
            ? await start([fileURLToPath(import.meta.url), '--bare-server', '--answer', sample], dir, pin)
            : await start([bin, 'serve', '--port', '0', '--json', '--yes'], dir, pin);
        const load = { url: `${server.url}/predict`, body: one, connections };
        await cannon({ ...load, duration: 2 }); // warm-up: JIT, connection set-up
        log(`${kind}: ${connections} connections, 1 row per request, ${duration} s …`);
        const cpu = cpuSeconds(server.pid);
        const result = summary(await cannon({ ...load, duration }));
        results[kind].push({ ...result, ...cpuUse(server.pid, cpu, result, duration) });
        if (kind === 'app') results.batch.push(await meanBatch(server.url));
        await server.stop();
      }
    }

    const app2 = await start([bin, 'serve', '--port', '0', '--json', '--yes'], dir, pin);
    await cannon({ url: `${app2.url}/predict`, body: thousand, connections: 10, duration: 2 });
    log(`app: 10 connections, 1,000 rows per request, ${duration} s …`);
    const batch = summary(
      await cannon({ url: `${app2.url}/predict`, body: thousand, connections: 10, duration }),
    );
    await app2.stop();

    // Rounds alternate bare / app; the summary takes the median round (other tenants of a shared
    // machine slow single rounds down at random, and the median is robust to that).
    const rows = results.bare.map((bare, i) => ({
      bare,
      app: results.app[i],
      ratio: ratio(results.app[i].rps, bare.rps),
    }));
    const middle = [...rows].sort((x, y) => x.ratio - y.ratio)[Math.floor(rows.length / 2)];
    const median = (list) => [...list].sort((x, y) => x - y)[Math.floor(list.length / 2)];
    const report = {
      setup: {
        cpus: os.cpus().length,
        pinned: pin ? 'server on CPU 0, autocannon on CPU 1 (taskset)' : 'not pinned',
        node: process.version,
        connections,
        duration,
        rounds,
        servers: 'child processes, one at a time',
      },
      rounds: rows,
      ratio: middle.ratio,
      bare: middle.bare,
      app: middle.app,
      // Server CPU per request: what the ratio tends to when the servers, not the load generator, are
      // the bottleneck (the bare server's cost over the app's).
      cpuRatio: ratio(
        median(rows.map((r) => r.bare.cpuUsPerRequest)),
        median(rows.map((r) => r.app.cpuUsPerRequest)),
      ),
      rowsPerModelCall: median(results.batch),
      batch: { rowsPerRequest: 1000, connections: 10, ...batch, rowsPerSecond: Math.round(batch.rps * 1000) },
      target: { ratio: 0.75, p99Ms: 10, errors: 0 },
    };
    report.p99Ms = { bare: median(rows.map((r) => r.bare.p99)), app: median(rows.map((r) => r.app.p99)) };
    report.met = report.ratio >= 0.75 && report.p99Ms.app <= 10 && rows.every((r) => r.app.errors === 0);
    if (asJson) {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      const line = (r) =>
        `${String(Math.round(r.rps)).padStart(6)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  errors ${r.errors}` +
        (r.cpuUsPerRequest ? `  CPU ${r.cpuUsPerRequest} µs/req` : '');
      console.log(
        `\nSetup: ${report.setup.cpus} CPUs, ${report.setup.pinned}, Node ${report.setup.node}, ${connections} connections, 1 row per request, ${duration} s per run`,
      );
      rows.forEach((r, i) =>
        console.log(`round ${i + 1}  bare ${line(r.bare)}  |  app ${line(r.app)}  |  ratio ${r.ratio}`),
      );
      console.log(
        `median ratio ${report.ratio} (target ≥ 0.75); median p99 app ${report.p99Ms.app} ms (target ≤ 10), bare ${report.p99Ms.bare} ms; errors ${rows.reduce((n, r) => n + r.app.errors, 0)} → ${report.met ? 'met' : 'NOT met'}`,
      );
      if (report.cpuRatio) {
        console.log(
          `server CPU per request: bare ${median(rows.map((r) => r.bare.cpuUsPerRequest))} µs, app ${median(rows.map((r) => r.app.cpuUsPerRequest))} µs → cost ratio ${report.cpuRatio}; ${report.rowsPerModelCall} rows per model call`,
        );
      }
      console.log(
        `1,000 rows per request (10 connections): ${line(batch)} → ${report.batch.rowsPerSecond.toLocaleString('en')} rows/s`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function ratio(a, b) {
  return a && b ? Number((a / b).toFixed(3)) : null;
}

function canPin() {
  if (os.cpus().length < 2) return false;
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function cli(argv, cwd) {
  const res = spawnSync(process.execPath, [bin, ...argv], { cwd, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`mlops ${argv.join(' ')} failed:\n${res.stdout}\n${res.stderr}`);
  return res.stdout;
}

/** Starts a server child process and waits for its `serving` event (JSON Lines on stdout). */
function start(argv, cwd, pin) {
  const [command, ...rest] = pin
    ? ['taskset', '-c', '0', process.execPath, ...argv]
    : [process.execPath, ...argv];
  const child = spawn(command, rest, { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buffer = '';
    const onData = (chunk) => {
      buffer += chunk;
      for (const line of buffer.split('\n').slice(0, -1)) {
        const event = JSON.parse(line);
        if (event.event === 'serving') {
          child.stdout.off('data', onData);
          child.stdout.resume();
          resolve({
            url: event.url,
            pid: child.pid,
            stop: () =>
              new Promise((done) => {
                child.once('exit', done);
                child.kill('SIGTERM');
              }),
          });
        }
      }
      buffer = buffer.slice(buffer.lastIndexOf('\n') + 1);
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.once('exit', (code) => reject(new Error(`${argv.join(' ')} exited with ${code} before serving`)));
  });
}

/** utime + stime of a process in seconds (Linux /proc), or undefined elsewhere. */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks (USER_HZ = 100)
  } catch {
    return undefined;
  }
}

function cpuUse(pid, before, result, duration) {
  const after = cpuSeconds(pid);
  if (before === undefined || after === undefined || !result.requests) return {};
  return {
    cpuUsPerRequest: Math.round(((after - before) / result.requests) * 1e6),
    cpuBusy: Number(((after - before) / duration).toFixed(2)),
  };
}

/** Rows per model call so far, from the app's own ml_batch_size histogram. */
async function meanBatch(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return Number((value('ml_batch_size_sum') / value('ml_batch_size_count')).toFixed(1));
}

function post(url, body) {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
}

function cannon({ url, body, connections, duration }) {
  return autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    duration,
    pipelining: 1,
  });
}

function summary(result) {
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    requests: result.requests.total,
  };
}
