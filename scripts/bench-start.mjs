#!/usr/bin/env node
// `npm run bench:start` (after `npm run build`): cold start of the CLI against a bare `node -e 0`,
// DESIGN.md §8: `mlops --help` ≤ 60 ms and `mlops predict` ≤ 150 ms over it.
//
// Every command is a fresh `node` (the one running this script, no flags) with stdout and stderr to
// /dev/null, as `hyperfine -N` runs it. The commands take turns, round after round, so that whatever else
// the machine is doing weighs on all of them alike; the figures are medians. `mlops predict` asks a
// served model for one row, the way the quickstart's "what next" does (`mlops predict --data …` in the
// project, which reads its configuration): a quickstart project in a temporary directory, its `mlops
// serve` on 127.0.0.1 at a free port that both are given through MLOPS_SERVE_PORT.
//
// Options: --runs N (default 30), --warmup N (3), --json.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { flag, option } from './bench-options.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'mlops');
const runs = Number(option('runs', 30));
const warmup = Number(option('warmup', 3));
const log = (line) => process.stderr.write(`${line}\n`);

const dir = mkdtempSync(path.join(os.tmpdir(), 'mlops-bench-start-'));
let server;
try {
  log(`Quickstart project in ${dir} …`);
  mlops(['quickstart', 'demo', '--yes', '--json'], dir);
  const project = path.join(dir, 'demo');
  server = await serve(project);
  const env = { ...process.env, MLOPS_SERVE_PORT: String(server.port) };

  const commands = [
    { name: 'node -e 0', argv: ['-e', '0'], target: undefined },
    { name: 'mlops --help', argv: [bin, '--help'], target: 60 },
    { name: 'mlops --version', argv: [bin, '--version'], target: undefined },
    { name: 'mlops predict', argv: [bin, 'predict', '--data', '[5.1,3.5,1.4,0.2]'], target: 150 },
  ];
  log(`${runs} rounds (after ${warmup} not counted) of: ${commands.map((c) => c.name).join(', ')}`);
  const times = commands.map(() => []);
  for (let round = 0; round < warmup + runs; round += 1) {
    for (const [i, command] of commands.entries()) {
      const ms = timed(command, project, env);
      if (round >= warmup) times[i].push(ms);
    }
  }

  const base = median(times[0]);
  const results = commands.map((command, i) => {
    const ms = median(times[i]);
    const over = i === 0 ? undefined : ms - base;
    return {
      command: command.name,
      medianMs: round1(ms),
      overNodeMs: over === undefined ? undefined : round1(over),
      targetOverNodeMs: command.target,
      ok: command.target === undefined ? undefined : over <= command.target,
    };
  });
  if (flag('json')) {
    process.stdout.write(`${JSON.stringify({ runs, cpus: os.cpus().length, results }, null, 2)}\n`);
  } else {
    const rows = results.map((r) => [
      r.command,
      `${r.medianMs.toFixed(1)} ms`,
      r.overNodeMs === undefined ? '' : `+${r.overNodeMs.toFixed(1)} ms`,
      r.targetOverNodeMs === undefined ? '' : `≤ ${r.targetOverNodeMs} ms ${r.ok ? 'ok' : 'MISSED'}`,
    ]);
    const header = ['command', 'median', 'over node -e 0', 'target'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    for (const row of [header, ...rows]) {
      process.stdout.write(
        `${row
          .map((c, i) => c.padEnd(widths[i]))
          .join('  ')
          .trimEnd()}\n`,
      );
    }
  }
  // Figures are reported, not enforced: only a failed run (below) makes the benchmark fail.
} finally {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
}

/** Wall time of one run in milliseconds; a failed run fails the benchmark (it would time an error). */
function timed(command, cwd, env) {
  const start = process.hrtime.bigint();
  const res = spawnSync(process.execPath, command.argv, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (res.status !== 0) throw new Error(`${command.name} exited with ${res.status}:\n${res.stderr}`);
  return ms;
}

function mlops(argv, cwd) {
  const res = spawnSync(process.execPath, [bin, ...argv], { cwd, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`mlops ${argv.join(' ')} failed:\n${res.stdout}\n${res.stderr}`);
}

/** `mlops serve --port 0 --json` in the project, resolved at its `serving` event (JSON Lines on stdout). */
function serve(cwd) {
  const child = spawn(
    process.execPath,
    [bin, 'serve', '--host', '127.0.0.1', '--port', '0', '--json', '--yes'],
    {
      cwd,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    let buffer = '';
    const onData = (chunk) => {
      buffer += chunk;
      for (const line of buffer.split('\n').slice(0, -1)) {
        const event = JSON.parse(line);
        if (event.event !== 'serving') continue;
        child.stdout.off('data', onData);
        child.stdout.resume();
        child.removeListener('exit', early);
        resolve({
          port: Number(new URL(event.url).port),
          stop: () =>
            new Promise((done) => {
              child.once('exit', done);
              child.kill('SIGTERM');
            }),
        });
      }
      buffer = buffer.slice(buffer.lastIndexOf('\n') + 1);
    };
    const early = (code) => reject(new Error(`mlops serve exited with ${code} before serving`));
    child.stdout.setEncoding('utf8').on('data', onData);
    child.once('exit', early);
  });
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function round1(value) {
  return Math.round(value * 10) / 10;
}
