#!/usr/bin/env node
/**
 * Registry benchmark (DESIGN.md §8; run after `npm run build`, it imports dist/):
 *   - promote time for a version with a 1 MB and with a 100 MB artifact (the goal: the same, constant)
 *   - upload and download throughput of the 100 MB artifact (multipart upload, streamed verified load)
 *   - `models list` with 1,000 versions: the core call, and the CLI as a child process
 * against the filesystem store and against s3rver (a child process on 127.0.0.1, path-style).
 *
 *   npm run bench:registry [-- --versions 1000 --big-mb 100 --only fs|s3]
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(path.join(repo, 'dist', p));
const [{ ModelRegistry }, { openStore }, { promote }, { MemoryIoHost }] = await Promise.all([
  dist('src/core/registry.js'),
  dist('providers/store-factory.js'),
  dist('src/core/promote.js'),
  dist('src/kernel/io-host.js'),
]);

const { values: args } = parseArgs({
  options: {
    versions: { type: 'string', default: '1000' },
    'big-mb': { type: 'string', default: '100' },
    only: { type: 'string' },
    promotions: { type: 'string', default: '25' },
  },
});
const VERSIONS = Number(args.versions);
const BIG = Number(args['big-mb']) * 1024 * 1024;
const PROMOTIONS = Number(args.promotions);
const MB = 1e6;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = async (fn) => {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
};
const artifactsOf = (size) => ({
  'model.json': new TextEncoder().encode('{"modelTopology":{}}'),
  'weights.bin': new Uint8Array(size).map((_, i) => (i * 2654435761) >>> 24),
});
const version = (artifacts) => ({
  artifacts,
  createdBy: 'bench',
  data: { source: 'bench', sha256: null, rows: null },
  parameters: {},
  metrics: { accuracy: 0.9 },
});

/** s3rver as the tests start it (test/support/s3rver-server.mjs: OpenSSL legacy provider, read-after-write). */
async function startS3rver(directory) {
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', path.join(repo, 'test', 'support', 's3rver-server.mjs')],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: {
        PATH: process.env.PATH,
        S3RVER_OPTIONS: JSON.stringify({
          directory,
          buckets: ['bench'],
          conditionalWrites: false,
          denyBuckets: [],
        }),
      },
    },
  );
  const port = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (l) => resolve(JSON.parse(l).port));
    child.once('exit', (code) => reject(new Error(`s3rver exited (${code})`)));
  });
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => child.stdin.end() };
}

/** Versions in the registry layout (6 objects each), written directly: registering each would re-list every time. */
async function seed(registry, count) {
  const enc = (v) => new TextEncoder().encode(JSON.stringify(v, null, 2));
  const jobs = [];
  for (let i = 0; i < count; i++) {
    const v = `v10.${i}`;
    const key = (f) => `${registry.model}/versions/${v}/${f}`;
    jobs.push(async () => {
      await registry.store.put(key('_claim.json'), enc({ by: 'bench', at: new Date().toISOString(), id: v }));
      // the objects of a real version: listing cost grows with them
      await Promise.all([
        registry.store.put(key('model.json'), enc({ modelTopology: {} })),
        registry.store.put(key('weights.bin'), new Uint8Array(64)),
        registry.store.put(key('preprocessing.json'), enc({ mean: [], std: [] })),
        registry.store.put(key('metrics.json'), enc({ accuracy: i / count })),
      ]);
      await registry.store.put(
        key('manifest.json'),
        enc({
          formatVersion: 1,
          model: registry.model,
          version: v,
          createdAt: new Date().toISOString(),
          createdBy: 'bench',
          gitCommit: null,
          data: { source: 'bench', sha256: null, rows: null },
          parameters: {},
          metrics: { accuracy: i / count, macroF1: i / count },
          backend: 'cpu',
          artifacts: [],
        }),
      );
    });
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < jobs.length) await jobs[next++]();
    }),
  );
}

function cliList(cwd, env) {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    execFile(
      process.execPath,
      [path.join(repo, 'bin', 'mlops'), 'models', 'list', '--json'],
      // HOME: the scratch project, so that nothing in the user's home (~/.aws) changes what is measured
      { cwd, env: { PATH: process.env.PATH, HOME: cwd, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`${error.message}\n${stderr}`));
        resolve({ ms: performance.now() - t, versions: JSON.parse(stdout).versions.length });
      },
    );
  });
}

async function bench(label, uri, env) {
  const store = await openStore(uri, { env });
  const registry = new ModelRegistry(store, 'bench');
  const io = new MemoryIoHost();
  const small = await registry.createVersion(version(artifactsOf(1024 * 1024)));
  const bigArtifacts = artifactsOf(BIG);
  const up = await time(() => registry.createVersion(version(bigArtifacts)));
  const big = up.value;
  const down = await time(() => registry.load(big.version));

  const promotions = { small: [], big: [] };
  for (let i = 0; i < PROMOTIONS; i++) {
    for (const [name, v] of [
      ['small', small.version],
      ['big', big.version],
    ]) {
      const { ms } = await time(() =>
        promote({ registry, version: v, alias: 'production', actor: 'bench', io }),
      );
      promotions[name].push(ms);
    }
  }

  const listed = new ModelRegistry(store, 'bench-list');
  const seeded = await time(() => seed(listed, VERSIONS));
  const core = [];
  for (let i = 0; i < 3; i++) core.push((await time(() => listed.summaries())).ms);
  const keyList = [];
  for (let i = 0; i < 3; i++) keyList.push((await time(() => store.list('bench-list/versions/'))).ms);
  const project = mkdtempSync(path.join(os.tmpdir(), 'mlops-bench-project-'));
  writeFileSync(
    path.join(project, 'mlops.config.json'),
    JSON.stringify({ name: 'bench-list', registry: uri }),
  );
  const cli = [];
  let cliCount = 0;
  for (let i = 0; i < 3; i++) {
    const r = await cliList(project, env);
    cli.push(r.ms);
    cliCount = r.versions;
  }
  rmSync(project, { recursive: true, force: true });
  return {
    label,
    promoteSmallMs: median(promotions.small),
    promoteBigMs: median(promotions.big),
    uploadMBps: BIG / MB / (up.ms / 1000),
    downloadMBps: BIG / MB / (down.ms / 1000),
    seedMs: seeded.ms,
    listCoreMs: median(core),
    listKeysMs: median(keyList),
    listCliMs: median(cli),
    listed: cliCount,
  };
}

const results = [];
const scratch = mkdtempSync(path.join(os.tmpdir(), 'mlops-bench-registry-'));
try {
  if (args.only !== 's3') {
    results.push(await bench('filesystem', `file://${path.join(scratch, 'fs')}`, {}));
  }
  if (args.only !== 'fs') {
    const server = await startS3rver(path.join(scratch, 's3rver'));
    try {
      const env = {
        AWS_ENDPOINT_URL_S3: server.endpoint,
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
        AWS_REGION: 'us-east-1',
      };
      results.push(await bench('s3rver', 's3://bench/registry', env));
    } finally {
      server.stop();
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const f = (n, d = 1) => n.toFixed(d);
console.log(
  `\nmlops registry benchmark — Node ${process.version}, ${os.cpus().length} CPUs, ${os.platform()}`,
);
console.log(`artifact sizes 1 MB and ${f(BIG / 1024 / 1024, 0)} MiB; ${VERSIONS} versions for listing\n`);
const rows = [
  ['', ...results.map((r) => r.label)],
  ['promote, 1 MB version (median ms)', ...results.map((r) => f(r.promoteSmallMs))],
  [`promote, ${f(BIG / 1024 / 1024, 0)} MiB version (median ms)`, ...results.map((r) => f(r.promoteBigMs))],
  ['upload (register) MB/s', ...results.map((r) => f(r.uploadMBps))],
  ['download (verified load) MB/s', ...results.map((r) => f(r.downloadMBps))],
  [`models list, ${VERSIONS} versions: core (ms)`, ...results.map((r) => f(r.listCoreMs, 0))],
  [`  of which listing ${VERSIONS * 6} keys (ms)`, ...results.map((r) => f(r.listKeysMs, 0))],
  [`models list, ${VERSIONS} versions: CLI process (ms)`, ...results.map((r) => f(r.listCliMs, 0))],
  ['versions listed by the CLI', ...results.map((r) => String(r.listed))],
];
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const row of rows)
  console.log(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('   '));
