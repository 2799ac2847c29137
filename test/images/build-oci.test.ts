import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort } from '../support/free-port.js';
import { nodeBaseLayout, pushNodeBase, type NodeBase } from '../support/images/node-base.js';
import { inspectConfig, inspectDigest, inspectRaw, skopeo } from '../support/images/skopeo.js';
import { spawnJsonLines } from '../support/json-lines-child.js';
import { installPacked } from '../support/packed-install.js';
import { missingRegistry, startRegistry, type RegistryHandle } from '../support/registry/docker-registry.js';
import { runMlops, type RunResult } from '../support/run-mlops.js';
import { tempDir } from '../support/temp-dir.js';
import { missingTool } from '../support/tools.js';

/**
 * `mlops build serving --builder oci --push` against Debian's docker-registry on 127.0.0.1, on a base
 * image made of this machine's Node runtime; skopeo (an independent client) reads what was pushed, and
 * the image runs from its unpacked root filesystem. The project has mlops installed from `npm pack` of
 * this checkout (needs dist/: npx tsc -p tsconfig.build.json), so its files stay put while the
 * checkout changes, as a user's node_modules does.
 */
// Removing the installed project (mlops' production dependencies) takes longer than the default hook time.
vi.setConfig({ hookTimeout: 240_000 });

const skip = missingRegistry() ?? missingTool('skopeo', ['--version']);

interface Pushed {
  event: 'pushed';
  image: string;
  digest: string;
  tags: string[];
  builder: string;
  seconds: number;
  blobs: { uploaded: number; mounted: number; exists: number };
}
interface LayerEvent {
  event: 'layer';
  label: string;
  action: string;
}

describe.skipIf(skip)('mlops build serving --builder oci --push', () => {
  const root = tempDir('mlops-build-oci-');
  let project: string;
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, SOURCE_DATE_EPOCH: '1700000000' };
  let registry: RegistryHandle;
  let base: NodeBase;
  let commit: string;

  const ok = (res: RunResult): RunResult => {
    if (res.code !== 0) throw new Error(`mlops exited ${res.code}:\n${res.stdout}\n${res.stderr}`);
    return res;
  };
  const git = (...args: string[]) => execFileSync('git', args, { cwd: project, encoding: 'utf8' }).trim();
  const setImages = (images: Record<string, unknown>) => {
    const file = path.join(project, 'mlops.config.json');
    const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...config, images }, null, 2));
  };
  const build = async (...extra: string[]) => {
    const res = await runMlops(['build', 'serving', '--push', '--json', ...extra], { cwd: project, env });
    return { res, events: res.lines<Pushed | LayerEvent | { event: string }>() };
  };

  beforeAll(async () => {
    registry = await startRegistry();
    base = nodeBaseLayout();
    pushNodeBase(base, `${registry.host}/node-base:test`);
    const scaffold = path.join(root, 'scaffold');
    ok(
      await runMlops(['init', scaffold, '--yes', '--name', 'iris', '--dataset', 'iris'], { cwd: root, env }),
    );
    project = await installPacked(root);
    for (const name of ['serving', 'training', 'data', 'mlops.config.json']) {
      cpSync(path.join(scaffold, name), path.join(project, name), { recursive: true });
    }
    setImages({
      base: `${registry.host}/node-base:test`,
      serving: { repository: `${registry.host}/iris-serving` },
      training: { repository: `${registry.host}/iris-training` },
    });
    ok(await runMlops(['train', '--local', '--param', 'epochs=5'], { cwd: project, env }));
    ok(await runMlops(['promote', 'v1.0'], { cwd: project, env }));
    git('init', '-q');
    git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-q', '--allow-empty', '-m', 'init');
    commit = git('rev-parse', 'HEAD');
  }, 180_000);
  afterAll(() => registry?.stop());

  let first: Pushed;

  it('pushes the image under the commit tag and prints one pushed event', async () => {
    const { res, events } = await build();
    ok(res);
    first = events.find((e): e is Pushed => e.event === 'pushed')!;
    expect(first).toMatchObject({
      image: `${registry.host}/iris-serving`,
      tags: [commit],
      builder: 'oci',
      digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
    });
    // The base layer is mounted from node-base (same registry), ours uploaded.
    expect(first.blobs).toEqual({ uploaded: 3, mounted: 1, exists: 0 });
    expect(events.at(-1)?.event).toBe('pushed');
  }, 120_000);

  it('skopeo shows the layers, media types, entrypoint, user, env and labels we meant', () => {
    const ref = `docker://${registry.host}/iris-serving:${commit}`;
    const manifest = inspectRaw<{
      mediaType: string;
      config: { mediaType: string };
      layers: { mediaType: string }[];
    }>(ref);
    expect(manifest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(manifest.config.mediaType).toBe('application/vnd.oci.image.config.v1+json');
    expect(manifest.layers.map((l) => l.mediaType)).toEqual(
      Array(3).fill('application/vnd.oci.image.layer.v1.tar+gzip'),
    );
    expect(inspectDigest(ref)).toBe(first.digest);

    const config = inspectConfig(ref);
    expect(config.config).toMatchObject({
      Entrypoint: ['node', 'serving/server.mjs'],
      User: '1000:1000',
      WorkingDir: '/app',
      ExposedPorts: { '8080/tcp': {} },
      Labels: {
        'org.opencontainers.image.revision': commit,
        'org.opencontainers.image.created': '2023-11-14T22:13:20Z',
        'org.opencontainers.image.version': commit,
        'mlops.dev/model': 'iris',
      },
    });
    expect(config.config.Cmd).toBeUndefined();
    // The base's PATH is kept; ours are added.
    expect(config.config.Env).toEqual(
      expect.arrayContaining([
        'PATH=/usr/local/bin:/usr/bin:/bin',
        'NODE_ENV=production',
        'HOST=0.0.0.0',
        'PORT=8080',
        'DRAIN_DELAY_SECONDS=5',
      ]),
    );
    expect(config.created).toBe('2023-11-14T22:13:20Z');
    expect(config.rootfs.diff_ids).toHaveLength(3);
    expect(config.history).toHaveLength(3);
  });

  it('a rebuild with no change uploads no blob and gives the same digest', async () => {
    const { res, events } = await build();
    ok(res);
    const pushed = events.find((e): e is Pushed => e.event === 'pushed')!;
    expect(pushed.digest).toBe(first.digest);
    expect(pushed.blobs).toEqual({ uploaded: 0, mounted: 0, exists: 4 });
    expect(
      events.filter((e) => e.event === 'layer').every((e) => (e as LayerEvent).action === 'exists'),
    ).toBe(true);
  }, 120_000);

  it('a change to the app uploads exactly one new layer (and the new config)', async () => {
    appendFileSync(path.join(project, 'serving', 'server.mjs'), '// a code change\n');
    const { res, events } = await build('--tag', 'v1.1');
    ok(res);
    const pushed = events.find((e): e is Pushed => e.event === 'pushed')!;
    expect(pushed.digest).not.toBe(first.digest);
    expect(pushed.tags).toEqual(['v1.1']);
    const uploaded = events.filter(
      (e): e is LayerEvent => e.event === 'layer' && (e as LayerEvent).action === 'uploaded',
    );
    expect(uploaded.map((e) => e.label).sort()).toEqual([
      'config',
      'serving app (serving, mlops.config.json, package.json)',
    ]);
  }, 120_000);

  const failure = (res: RunResult) => {
    expect(res.code).toBe(1);
    return res.lines<{ event: string; error?: { code: string; message: string; hint: string } }>().at(-1)!;
  };
  const tagExists = (tag: string) => {
    try {
      inspectDigest(`docker://${registry.host}/iris-serving:${tag}`);
      return true;
    } catch {
      return false;
    }
  };
  const images = () => ({
    base: `${registry.host}/node-base:test`,
    serving: { repository: `${registry.host}/iris-serving` },
  });

  it('a base without the requested platform: a clear error, and no tag pushed', async () => {
    const { res } = await build('--tag', 'arm-only', '--platform', 'linux/arm64');
    const last = failure(res);
    expect(last).toMatchObject({ event: 'failed', error: { code: 'MLOPS_IMAGE_E7433' } });
    expect(last.error?.message).toMatch(/has no linux\/arm64 image \(it has linux\/amd64\)/);
    expect(tagExists('arm-only')).toBe(false);
  }, 60_000);

  it('a missing base image: a clear error naming images.base, and no tag pushed', async () => {
    setImages({ ...images(), base: `${registry.host}/node-base:missing` });
    try {
      const { res } = await build('--tag', 'no-base');
      expect(failure(res)).toMatchObject({ error: { code: 'MLOPS_IMAGE_E7430' } });
      expect(failure(res).error?.hint).toMatch(/images\.base/);
      expect(tagExists('no-base')).toBe(false);
    } finally {
      setImages(images());
    }
  }, 60_000);

  it('an unreachable base registry: a clear error whose hint names images.base, and no tag pushed', async () => {
    const closed = await freePort();
    setImages({ ...images(), base: `127.0.0.1:${closed}/node-base:test` });
    try {
      const { res } = await build('--tag', 'no-base-registry');
      expect(failure(res)).toMatchObject({ error: { code: 'MLOPS_IMAGE_E7402' } });
      expect(failure(res).error?.message).toContain(`127.0.0.1:${closed}`);
      expect(failure(res).error?.hint).toMatch(/images\.base/);
      expect(tagExists('no-base-registry')).toBe(false);
    } finally {
      setImages(images());
    }
  }, 60_000);

  it('an unreachable target registry: a clear error', async () => {
    const closed = await freePort();
    setImages({ ...images(), serving: { repository: `127.0.0.1:${closed}/iris-serving` } });
    try {
      const { res } = await build('--tag', 'nowhere');
      expect(failure(res)).toMatchObject({ error: { code: 'MLOPS_IMAGE_E7402' } });
    } finally {
      setImages(images());
    }
  }, 60_000);

  it('the image runs: unpacked with umoci, its entrypoint answers /ready and /predict, and SIGTERM to pid 1 drains and exits 0', async (ctx) => {
    const why = missingTool('umoci', ['--version']) ?? missingTool('unshare', ['--version']);
    if (why) return ctx.skip(why);
    const layout = path.join(root, 'layout');
    const bundle = path.join(root, 'bundle');
    skopeo(
      'copy',
      '--src-tls-verify=false',
      `docker://${registry.host}/iris-serving:${commit}`,
      `oci:${layout}:run`,
    );
    execFileSync('umoci', ['unpack', '--image', `${layout}:run`, bundle], { stdio: 'pipe' });
    const rootfs = path.join(bundle, 'rootfs');
    // The model: the project's file registry, copied where the config (file://.mlops/registry) finds it.
    cpSync(path.join(project, '.mlops', 'registry'), path.join(rootfs, 'app', '.mlops', 'registry'), {
      recursive: true,
    });
    const port = await freePort();
    const started = Date.now();
    const server = spawnJsonLines(
      'unshare',
      [
        '--mount',
        '--pid',
        '--fork',
        '--mount-proc',
        // unshare ends on SIGTERM; the server (pid 1 of its namespace) is then sent SIGTERM too.
        '--kill-child=SIGTERM',
        `--root=${rootfs}`,
        '--wd=/app',
        'node',
        'serving/server.mjs',
      ],
      {
        env: {
          PATH: '/usr/local/bin:/usr/bin:/bin',
          NODE_ENV: 'production',
          HOST: '127.0.0.1',
          PORT: String(port),
          DRAIN_DELAY_SECONDS: '0',
          MLOPS_SERVE_WORKERS: '1',
        },
      },
    );
    try {
      const serving = await server.next('serving').catch((error: unknown) => {
        throw new Error(`${String(error)}\n${server.stderr()}`);
      });
      const ready = await fetch(`http://127.0.0.1:${port}/ready`);
      const readyMs = Date.now() - started;
      expect(ready.status).toBe(200);
      expect(serving).toMatchObject({ model: 'iris', version: 'v1.0' });
      const res = await fetch(`http://127.0.0.1:${port}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ instances: [[5.1, 3.5, 1.4, 0.2]] }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { predictions: { label: string }[] };
      expect(['setosa', 'versicolor', 'virginica']).toContain(body.predictions[0]?.label);
      // Not an assertion (no timed tests): the figure DESIGN.md §8 asks for, in the test output.
      console.info(`serving image: process start to /ready ${readyMs} ms; base ${base.uncompressedSize} B`);
      // Kubernetes stops a container by sending SIGTERM to its pid 1: the server, inside the namespace
      // (unshare --fork itself ignores SIGTERM). It drains and exits 0, and unshare passes that on.
      const pid1 = Number(
        execFileSync('pgrep', ['-P', String(server.child.pid)], { encoding: 'utf8' }).trim(),
      );
      process.kill(pid1, 'SIGTERM');
      expect(await server.exited).toBe(0);
    } finally {
      server.child.kill('SIGKILL');
      await server.exited;
    }
  }, 120_000);
});
