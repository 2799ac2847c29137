import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeBuildProject, ok, type BuildProject } from '../support/images/build-project.js';
import { inspectConfig, inspectDigest, inspectRaw, skopeo } from '../support/images/skopeo.js';
import { buildahEnv } from '../support/images/buildah-env.js';
import { nodeBaseLayout, pushNodeBase } from '../support/images/node-base.js';
import { missingRegistry, startRegistry, type RegistryHandle } from '../support/registry/docker-registry.js';
import { runMlops } from '../support/run-mlops.js';
import { tempDir } from '../support/temp-dir.js';
import { missingTool } from '../support/tools.js';

/**
 * `mlops build serving --builder buildah --push` against Debian's docker-registry on 127.0.0.1, FROM the
 * test base (this machine's Node runtime, no npm) in that registry: buildah builds the context mlops
 * prepares (the traced dependencies and the app as layer archives, a generated Dockerfile), not the
 * project's serving/Dockerfile, whose `npm ci` this base could not run. buildah's storage lives in the
 * test's temp dir (CONTAINERS_STORAGE_CONF), never in /var/lib/containers/storage.
 */
vi.setConfig({ hookTimeout: 240_000 });

const skip =
  missingRegistry() ?? missingTool('skopeo', ['--version']) ?? missingTool('buildah', ['--version']);

interface Pushed {
  event: 'pushed';
  image: string;
  digest: string;
  tags: string[];
  builder: string;
}

describe.skipIf(skip)('mlops build serving --builder buildah --push', () => {
  const root = tempDir('mlops-build-buildah-');
  const { env, storage } = buildahEnv(root);
  let registry: RegistryHandle;
  let project: BuildProject;

  const build = async () => {
    const res = ok(
      await runMlops(['build', 'serving', '--builder', 'buildah', '--push', '--json'], {
        cwd: project.dir,
        env,
      }),
    );
    return { res, events: res.lines<{ event: string }>() };
  };

  beforeAll(async () => {
    registry = await startRegistry();
    pushNodeBase(nodeBaseLayout(), `${registry.host}/node-base:test`);
    project = await makeBuildProject(root, {
      env,
      images: {
        base: `${registry.host}/node-base:test`,
        serving: { repository: `${registry.host}/iris-serving` },
      },
    });
  }, 240_000);
  afterAll(() => registry?.stop());

  let first: Pushed;
  const ref = () => `docker://${registry.host}/iris-serving:${project.commit}`;

  it('builds and pushes under the commit tag; --json stdout holds JSON lines only', async () => {
    const { res, events } = await build();
    // Each line parsed (lines() throws on raw tool output); buildah's progress went elsewhere.
    expect(res.stdout).not.toMatch(/STEP|Copying blob|Writing manifest/);
    first = events.at(-1) as Pushed;
    expect(first).toMatchObject({
      event: 'pushed',
      image: `${registry.host}/iris-serving`,
      tags: [project.commit],
      builder: 'buildah',
      digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
    });
    expect(inspectDigest(ref())).toBe(first.digest);
    expect(readdirSync(path.join(storage, 'root'))).toContain('vfs-images');
    // The project's own Dockerfile (npm ci) is still there, untouched: it is not what was built.
    expect(existsSync(path.join(project.dir, 'serving', 'Dockerfile'))).toBe(true);
  }, 180_000);

  it('skopeo shows the base layer reused, our two layers, entrypoint, user, env and labels', () => {
    const base = inspectRaw<{ manifests: { digest: string }[] }>(`docker://${registry.host}/node-base:test`);
    const baseManifest = inspectRaw<{ layers: { digest: string }[] }>(
      `docker://${registry.host}/node-base@${base.manifests[0]!.digest}`,
    );
    const manifest = inspectRaw<{ layers: { digest: string }[] }>(ref());
    expect(manifest.layers).toHaveLength(3);
    expect(manifest.layers[0]!.digest).toBe(baseManifest.layers[0]!.digest);

    const config = inspectConfig(ref());
    expect(config.config).toMatchObject({
      Entrypoint: ['node', 'serving/server.mjs'],
      User: '1000:1000',
      WorkingDir: '/app',
      ExposedPorts: { '8080/tcp': {} },
      Labels: {
        'org.opencontainers.image.revision': project.commit,
        'org.opencontainers.image.created': '2023-11-14T22:13:20Z',
        'mlops.dev/model': 'iris',
      },
    });
    expect(config.config.Cmd).toBeUndefined();
    expect(config.config.Env).toEqual(
      expect.arrayContaining(['PATH=/usr/local/bin:/usr/bin:/bin', 'NODE_ENV=production', 'PORT=8080']),
    );
    // --timestamp SOURCE_DATE_EPOCH: the image's time is the source's, not the build's.
    expect(config.created).toBe('2023-11-14T22:13:20Z');
  });

  it('the image holds the traced dependencies and the app under /app, and no tfjs-node', async (ctx) => {
    const why = missingTool('umoci', ['--version']);
    if (why) return ctx.skip(why);
    const layout = path.join(root, 'layout');
    const bundle = path.join(root, 'bundle');
    skopeo('copy', '--src-tls-verify=false', ref(), `oci:${layout}:built`);
    execFileSync('umoci', ['unpack', '--image', `${layout}:built`, bundle], { stdio: 'pipe' });
    const app = path.join(bundle, 'rootfs', 'app');
    for (const file of [
      'serving/server.mjs',
      'mlops.config.json',
      'package.json',
      'node_modules/mlops/package.json',
      'node_modules/mlops/dist/src/cli/serving.js',
    ]) {
      expect(existsSync(path.join(app, file)), file).toBe(true);
    }
    expect(existsSync(path.join(app, 'node_modules/@tensorflow/tfjs-node'))).toBe(false);
    // The serving image never builds images: the registry client is not in it.
    expect(existsSync(path.join(app, 'node_modules/mlops/dist/providers/images'))).toBe(false);
  }, 120_000);

  it('a rebuild with no change gives the same digest', async () => {
    const { events } = await build();
    expect((events.at(-1) as Pushed).digest).toBe(first.digest);
  }, 180_000);
});
