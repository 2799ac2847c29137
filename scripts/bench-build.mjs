// `npm run bench:build` (after `npm run build`): `mlops build serving` with the built-in oci builder
// against buildah, the same image, in the same run (DESIGN.md §8: oci ≤ 5 s on a warm registry, ≥ 5 ×
// faster than buildah), and the images' sizes.
//
// Setup: Debian's docker-registry on 127.0.0.1 with the test base (this machine's Node runtime, no
// npm: test/support/images/node-base.ts) pushed to it; an iris project as `mlops init` makes it, with
// mlops installed from `npm pack` of this checkout (test/support/images/build-project.ts). Each build is
// `node bin/mlops build serving --push --json` in a child process, timed from spawn to exit (what a
// user waits), one after the other:
//   - oci cold: an empty target repository (the base present in the registry), no trace cache;
//   - oci, registry cold, trace cached: another empty repository, the dependency trace of the first run
//     reused (what a cold registry alone costs);
//   - oci warm: no change (no blob uploaded, the same digest);
//   - oci after a one-file app change (one layer and the config uploaded);
//   - buildah cold: empty containers storage (a temp dir, vfs) and an empty repository, no trace cache;
//   - buildah warm: no change;
//   - buildah with empty storage and repository, the trace cached (buildah's own cost, to compare
//     with the oci row of the same kind).
// Then the sizes: the base, and the layers mlops adds to the serving and training images (the plan of
// `build all --dry-run --json`), uncompressed and compressed.
// Exits non-zero only when a run fails; the figures are reported, not enforced.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeBuildProject } from '../test/support/images/build-project.ts';
import { buildahEnv } from '../test/support/images/buildah-env.ts';
import { nodeBaseLayout, pushNodeBase } from '../test/support/images/node-base.ts';
import { startRegistry } from '../test/support/registry/docker-registry.ts';

const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'mlops');
const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

const root = mkdtempSync(path.join(os.tmpdir(), 'mlops-bench-build-'));
const { env, storage } = buildahEnv(root);

/** Runs bin/mlops with `args` in the project; resolves with its JSON events and the wall seconds. */
function mlops(project, args) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: project,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      const seconds = (performance.now() - started) / 1000;
      const events = stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line));
      if (code !== 0) reject(new Error(`mlops ${args.join(' ')} exited ${code}:\n${stdout}\n${stderr}`));
      else resolve({ events, seconds });
    });
  });
}

const registry = await startRegistry();
try {
  const base = nodeBaseLayout();
  pushNodeBase(base, `${registry.host}/node-base:test`);
  const images = (serving) => ({
    base: `${registry.host}/node-base:test`,
    serving: { repository: `${registry.host}/${serving}` },
    training: { repository: `${registry.host}/iris-training` },
  });
  const project = await makeBuildProject(root, { env, images: images('iris-serving') });
  const traceCache = path.join(project.dir, '.mlops', 'cache');

  const build = async (label, args, repository) => {
    project.setImages(images(repository));
    const { events, seconds } = await mlops(project.dir, ['build', 'serving', '--push', '--json', ...args]);
    const pushed = events.find((e) => e.event === 'pushed');
    const blobs = pushed.blobs
      ? `blobs ${pushed.blobs.uploaded} uploaded, ${pushed.blobs.mounted} mounted, ${pushed.blobs.exists} there`
      : '';
    console.log(
      `${label.padEnd(44)} ${seconds.toFixed(2).padStart(6)} s  (mlops: ${pushed.seconds} s) ${blobs}  ${pushed.digest.slice(7, 19)}`,
    );
    return seconds;
  };

  console.log(`mlops build serving --push, ${os.cpus().length} CPUs, node ${process.version}\n`);
  rmSync(traceCache, { recursive: true, force: true });
  const ociCold = await build('oci cold (empty repo, no trace cache)', [], 'iris-serving');
  const ociTraced = await build('oci cold registry, trace cached', [], 'iris-serving-2');
  const ociWarm = await build('oci warm (no change)', [], 'iris-serving');
  appendFileSync(path.join(project.dir, 'serving', 'server.mjs'), '// a one-line change\n');
  await build('oci after a one-file app change', ['--tag', 'changed'], 'iris-serving');

  rmSync(traceCache, { recursive: true, force: true });
  rmSync(storage, { recursive: true, force: true });
  const buildahCold = await build(
    'buildah cold (empty storage and repo)',
    ['--builder', 'buildah'],
    'iris-serving-buildah',
  );
  const buildahWarm = await build(
    'buildah warm (no change)',
    ['--builder', 'buildah'],
    'iris-serving-buildah',
  );
  rmSync(storage, { recursive: true, force: true });
  const buildahTraced = await build(
    'buildah cold storage and repo, trace cached',
    ['--builder', 'buildah'],
    'iris-serving-buildah-2',
  );

  console.log(
    `\nbuildah / oci: cold ${(buildahCold / ociCold).toFixed(1)} ×, cold registry with the trace cached ` +
      `${(buildahTraced / ociTraced).toFixed(1)} ×, warm ${(buildahWarm / ociWarm).toFixed(1)} ×` +
      `  (target ≥ 5 ×; oci warm ${ociWarm.toFixed(2)} s, target ≤ 5 s)`,
  );

  project.setImages(images('iris-serving'));
  const { events } = await mlops(project.dir, ['build', 'all', '--dry-run', '--json']);
  const baseLayer = events.find((e) => e.event === 'build-plan').layers.find((l) => l.fromBase);
  console.log(`\nsizes (uncompressed / compressed)`);
  console.log(`  base (test Node runtime)   ${mb(base.uncompressedSize)} / ${mb(baseLayer.size)}`);
  for (const plan of events.filter((e) => e.event === 'build-plan')) {
    const added = plan.layers.filter((l) => !l.fromBase);
    const role = plan.image.endsWith('training') ? 'training' : 'serving';
    const sum = (key) => added.reduce((total, layer) => total + layer[key], 0);
    console.log(
      `  ${role} image: adds ${mb(sum('uncompressedSize'))} / ${mb(sum('size'))}; with the base ${mb(base.uncompressedSize + sum('uncompressedSize'))}`,
    );
    for (const layer of added) {
      console.log(`    ${layer.comment.padEnd(56)} ${mb(layer.uncompressedSize)} / ${mb(layer.size)}`);
    }
  }
} finally {
  await registry.stop();
  rmSync(root, { recursive: true, force: true });
}
