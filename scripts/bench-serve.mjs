#!/usr/bin/env node
// `npm run bench:serve` (after `npm run build`): the serving app against a bare node:http JSON server,
// one worker against two (`mlops serve --workers 2`), and 1,000-row requests, measured in the same run
// on the same machine (DESIGN.md §8, issue 13).
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
//   - two workers need both CPUs, so they are compared with one worker in the same arrangement: nothing
//     pinned (server processes and autocannon all scheduled by the OS on every CPU), one worker then two,
//     in the same round; the pinned one-worker run above stays the comparison with the bare server.
//     Server CPU is summed over the process tree (the primary and its workers);
//   - then 1,000 rows per request (10 connections): rows/s, p50 and p99 of the bare server answering the
//     app's 1,000-row answer (pinned), of one worker (pinned) and of two workers (not pinned).
//
//   - drift tracking (issue 12): one worker (pinned) with serve.driftWindow at its default (5,000) and
//     with 0 (off, through a second config file beside the first), in the same round, 50 connections,
//     1 row per request, the same rows for both (the 150 iris rows in turn, so that every bin is hit).
//
// Targets (issue 13): two workers ≥ 1.5 × one worker on single-row requests; ≥ 1,000,000 rows/s at
// 1,000 rows per request with p99 ≤ 4 × p50; one worker ≥ 1.0 × the bare server. Issue 12: drift
// tracking costs ≤ 5 % of the requests per second (on / off ≥ 0.95).
//
// Options: --duration S (default 10), --connections N (50), --rounds N (3), --json.
import autocannon from 'autocannon';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstArg, flag, option } from './bench-options.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'mlops');

// The bare server: parses the JSON body and answers a fixed JSON document. Started as a child process.
if (firstArg() === '--bare-server') {
  const answer = readFileSync(option('answer-file'));
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
  const duration = Number(option('duration', '10'));
  const connections = Number(option('connections', '50'));
  const rounds = Number(option('rounds', '3'));
  const asJson = flag('json');
  const log = (line) => process.stderr.write(`${line}\n`);

  const pin = canPin();
  // autocannon on CPU 1 while a pinned server has CPU 0; on every CPU while an unpinned one runs.
  const pinSelf = (cpus) => {
    if (pin) execFileSync('taskset', ['-pc', cpus, String(process.pid)], { stdio: 'ignore' });
  };
  pinSelf('1');
  const allCpus = `0-${os.cpus().length - 1}`;

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
    const irisBodies = iris.map((r) => JSON.stringify({ instances: [r] }));
    const noDriftConfig = path.join(dir, 'mlops.nodrift.json');
    const config = JSON.parse(readFileSync(path.join(dir, 'mlops.config.json'), 'utf8'));
    writeFileSync(noDriftConfig, JSON.stringify({ ...config, serve: { ...config.serve, driftWindow: 0 } }));
    const thousand = JSON.stringify({
      instances: Array.from({ length: 1000 }, (_, i) => iris[i % iris.length]),
    });

    // The bare server answers exactly what the app answers (same shape and size), for 1 and 1,000 rows.
    const serve = (workers) => [bin, 'serve', '--port', '0', '--json', '--yes', '--workers', String(workers)];
    // The answer goes through a file: a 1,000-row one is too long for an argument (E2BIG).
    const bareServer = (answer) => {
      const file = path.join(dir, `answer-${answer.length}.json`);
      writeFileSync(file, answer);
      return [fileURLToPath(import.meta.url), '--bare-server', '--answer-file', file];
    };
    const app = await start(serve(1), dir, pin);
    const sample = await (await post(`${app.url}/predict`, one)).text();
    const bigSample = await (await post(`${app.url}/predict`, thousand)).text();
    await app.stop();

    // kind → how it runs: the server's argv, and whether it is pinned to CPU 0 (autocannon then on CPU 1).
    const kinds = {
      bare: { argv: bareServer(sample), pinned: true },
      app: { argv: serve(1), pinned: true },
      shared1: { argv: serve(1), pinned: false },
      workers2: { argv: serve(2), pinned: false },
      driftOn: { argv: serve(1), pinned: true },
      driftOff: { argv: [...serve(1), '--config', noDriftConfig], pinned: true },
    };
    const measure = async (kind, body, conns, label) => {
      const { argv, pinned } = kinds[kind];
      const server = await start(argv, dir, pin && pinned);
      pinSelf(pin && pinned ? '1' : allCpus);
      try {
        const load = { url: `${server.url}/predict`, body, connections: conns };
        await cannon({ ...load, duration: 2 }); // warm-up: JIT, connection set-up
        log(
          `${label}: ${conns} connections, ${body === thousand ? '1,000 rows' : '1 row'} per request, ${duration} s …`,
        );
        const cpu = treeCpuSeconds(server.pid);
        const result = summary(await cannon({ ...load, duration }));
        return { ...result, ...cpuUse(server.pid, cpu, result, duration) };
      } finally {
        await server.stop();
        pinSelf('1');
      }
    };

    const results = { bare: [], app: [], shared1: [], workers2: [], batch: [], driftOn: [], driftOff: [] };
    for (let round = 0; round < rounds; round += 1) {
      results.bare.push(await measure('bare', one, connections, 'bare'));
      results.app.push(await measure('app', one, connections, 'app, 1 worker'));
      results.shared1.push(await measure('shared1', one, connections, 'app, 1 worker, not pinned'));
      results.workers2.push(await measure('workers2', one, connections, 'app, 2 workers, not pinned'));
      results.driftOn.push(await measure('driftOn', irisBodies, connections, 'app, drift tracking on'));
      results.driftOff.push(await measure('driftOff', irisBodies, connections, 'app, drift tracking off'));
    }
    {
      const server = await start(serve(1), dir, pin);
      await cannon({ url: `${server.url}/predict`, body: one, connections, duration: 2 });
      results.batch.push(await meanBatch(server.url));
      await server.stop();
    }

    kinds.bare.argv = bareServer(bigSample);
    const batches = {
      bare: await measure('bare', thousand, 10, 'bare, 1,000-row answer'),
      app: await measure('app', thousand, 10, 'app, 1 worker'),
      workers2: await measure('workers2', thousand, 10, 'app, 2 workers, not pinned'),
    };
    for (const b of Object.values(batches)) b.rowsPerSecond = Math.round(b.rps * 1000);

    // Rounds alternate bare / app; the summary takes the median round (other tenants of a shared
    // machine slow single rounds down at random, and the median is robust to that).
    const rows = results.bare.map((bare, i) => ({
      bare,
      app: results.app[i],
      ratio: ratio(results.app[i].rps, bare.rps),
    }));
    const middle = [...rows].sort((x, y) => x.ratio - y.ratio)[Math.floor(rows.length / 2)];
    const median = (list) => [...list].sort((x, y) => x - y)[Math.floor(list.length / 2)];
    const workerRounds = results.shared1.map((one1, i) => ({
      one: one1,
      two: results.workers2[i],
      ratio: ratio(results.workers2[i].rps, one1.rps),
    }));
    const workersMiddle = [...workerRounds].sort((x, y) => x.ratio - y.ratio)[Math.floor(rounds / 2)];
    const driftRounds = results.driftOn.map((on, i) => ({
      on,
      off: results.driftOff[i],
      ratio: ratio(on.rps, results.driftOff[i].rps),
    }));
    const driftMiddle = [...driftRounds].sort((x, y) => x.ratio - y.ratio)[Math.floor(rounds / 2)];
    const best = batches.workers2.rowsPerSecond >= batches.app.rowsPerSecond ? batches.workers2 : batches.app;
    const targets = {
      oneWorkerVsBare: { target: '≥ 1.0', value: middle.ratio, met: middle.ratio >= 1.0 },
      twoWorkersVsOne: { target: '≥ 1.5', value: workersMiddle.ratio, met: workersMiddle.ratio >= 1.5 },
      batchRowsPerSecond: {
        target: '≥ 1,000,000',
        value: best.rowsPerSecond,
        met: best.rowsPerSecond >= 1_000_000,
      },
      batchP99OverP50: {
        target: '≤ 4',
        value: ratio(best.p99, best.p50),
        met: best.p99 <= 4 * best.p50,
      },
      driftOnVsOff: { target: '≥ 0.95', value: driftMiddle.ratio, met: driftMiddle.ratio >= 0.95 },
    };
    const report = {
      setup: {
        cpus: os.cpus().length,
        pinned: pin ? 'server on CPU 0, autocannon on CPU 1 (taskset)' : 'not pinned',
        node: process.version,
        connections,
        duration,
        rounds,
        servers: 'child processes, one at a time',
        workers: 'one vs two workers: nothing pinned, server and autocannon on every CPU',
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
      workers: {
        rounds: workerRounds,
        ratio: workersMiddle.ratio,
        one: workersMiddle.one,
        two: workersMiddle.two,
      },
      batch: { rowsPerRequest: 1000, connections: 10, ...batches },
      drift: {
        rounds: driftRounds,
        ratio: driftMiddle.ratio,
        on: driftMiddle.on,
        off: driftMiddle.off,
        // Server CPU per request with tracking over without (1.0: free).
        cpuRatio: ratio(
          median(driftRounds.map((r) => r.on.cpuUsPerRequest)),
          median(driftRounds.map((r) => r.off.cpuUsPerRequest)),
        ),
      },
      target: { ratio: 1.0, p99Ms: 10, errors: 0 },
      targets,
    };
    report.p99Ms = { bare: median(rows.map((r) => r.bare.p99)), app: median(rows.map((r) => r.app.p99)) };
    const errors = [...rows.map((r) => r.app.errors), ...workerRounds.map((r) => r.two.errors)];
    report.met =
      Object.values(targets).every((t) => t.met) && report.p99Ms.app <= 10 && errors.every((e) => e === 0);
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
        `median ratio ${report.ratio} (target ≥ 1.0); median p99 app ${report.p99Ms.app} ms (target ≤ 10), bare ${report.p99Ms.bare} ms; errors ${rows.reduce((n, r) => n + r.app.errors, 0)}`,
      );
      if (report.cpuRatio) {
        console.log(
          `server CPU per request: bare ${median(rows.map((r) => r.bare.cpuUsPerRequest))} µs, app ${median(rows.map((r) => r.app.cpuUsPerRequest))} µs → cost ratio ${report.cpuRatio}; ${report.rowsPerModelCall} rows per model call`,
        );
      }
      console.log('\nOne worker against two, nothing pinned (the servers and autocannon share every CPU):');
      workerRounds.forEach((r, i) =>
        console.log(
          `round ${i + 1}  1 worker ${line(r.one)}  |  2 workers ${line(r.two)}  |  ratio ${r.ratio}`,
        ),
      );
      const rowsLine = (name, b) =>
        `  ${name.padEnd(28)} ${b.rowsPerSecond.toLocaleString('en').padStart(10)} rows/s  p50 ${b.p50} ms  p99 ${b.p99} ms  (p99/p50 ${ratio(b.p99, b.p50)})  errors ${b.errors}` +
        (b.cpuUsPerRequest ? `  CPU ${b.cpuUsPerRequest} µs/req` : '');
      console.log('\n1,000 rows per request, 10 connections:');
      console.log(rowsLine('bare (1,000-row answer)', batches.bare));
      console.log(rowsLine('app, 1 worker (pinned)', batches.app));
      console.log(rowsLine('app, 2 workers (not pinned)', batches.workers2));
      console.log(
        '\nDrift tracking on (serve.driftWindow 5000) against off (0), 1 worker pinned, the iris rows:',
      );
      driftRounds.forEach((r, i) =>
        console.log(`round ${i + 1}  on ${line(r.on)}  |  off ${line(r.off)}  |  on/off ${r.ratio}`),
      );
      if (report.drift.cpuRatio) console.log(`server CPU per request on/off: ${report.drift.cpuRatio}`);
      const mark = (t) => `${t.value} (target ${t.target}) ${t.met ? 'met' : 'NOT met'}`;
      console.log('\nTargets:');
      console.log(`  1 worker / bare, 1 row per request:     ${mark(targets.oneWorkerVsBare)}`);
      console.log(`  2 workers / 1 worker, 1 row per request: ${mark(targets.twoWorkersVsOne)}`);
      console.log(`  rows/s at 1,000 rows per request:        ${mark(targets.batchRowsPerSecond)}`);
      console.log(`  p99 / p50 at 1,000 rows per request:     ${mark(targets.batchP99OverP50)}`);
      console.log(`  drift tracking on / off, 1 row:          ${mark(targets.driftOnVsOff)}`);
      console.log(`→ ${report.met ? 'all met' : 'NOT all met'}`);
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

/** utime + stime of a process and its live descendants (cluster workers) in seconds, or undefined. */
function treeCpuSeconds(pid) {
  const own = cpuSeconds(pid);
  if (own === undefined) return undefined;
  let children = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    // no children file: count the process alone
  }
  return children.reduce((sum, child) => sum + (treeCpuSeconds(Number(child)) ?? 0), own);
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
  const after = treeCpuSeconds(pid);
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

/** `body`: one request body, or a list that every connection sends in turn. */
function cannon({ url, body, connections, duration }) {
  return autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    ...(Array.isArray(body) ? { requests: body.map((b) => ({ body: b })) } : { body }),
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
