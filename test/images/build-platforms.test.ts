import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeBuildProject, ok, type BuildProject } from '../support/images/build-project.js';
import { inspectConfig, inspectRaw } from '../support/images/skopeo.js';
import { nodeBaseLayout, pushNodeBase } from '../support/images/node-base.js';
import { missingRegistry, startRegistry, type RegistryHandle } from '../support/registry/docker-registry.js';
import { runMlops } from '../support/run-mlops.js';
import { tempDir } from '../support/temp-dir.js';
import { missingTool } from '../support/tools.js';

/**
 * `mlops build serving --push --platform linux/amd64,linux/arm64` on a two-platform base index (the arm64
 * image carries the same files; it is never run): the oci builder picks each platform's base from the
 * index and pushes an OCI index of two images, which skopeo (an independent client) reads back.
 */
vi.setConfig({ hookTimeout: 240_000 });

const skip = missingRegistry() ?? missingTool('skopeo', ['--version']);

interface Index {
  mediaType: string;
  manifests: { mediaType: string; digest: string; platform: { os: string; architecture: string } }[];
}
interface Manifest {
  config: { digest: string };
  layers: { digest: string }[];
}

describe.skipIf(skip)('mlops build --platform linux/amd64,linux/arm64', () => {
  const root = tempDir('mlops-build-platforms-');
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, SOURCE_DATE_EPOCH: '1700000000' };
  let registry: RegistryHandle;
  let project: BuildProject;

  beforeAll(async () => {
    registry = await startRegistry();
    pushNodeBase(nodeBaseLayout(['amd64', 'arm64']), `${registry.host}/node-base:multi`);
    project = await makeBuildProject(root, {
      env,
      images: {
        base: `${registry.host}/node-base:multi`,
        serving: { repository: `${registry.host}/iris-serving` },
      },
    });
  }, 240_000);
  afterAll(() => registry?.stop());

  it('pushes an OCI index with one image per platform, each config of its architecture', async () => {
    const res = ok(
      await runMlops(['build', 'serving', '--push', '--json', '--platform', 'linux/amd64,linux/arm64'], {
        cwd: project.dir,
        env,
      }),
    );
    const pushed = res.lines<{ event: string; digest?: string }>().find((e) => e.event === 'pushed')!;
    const ref = `${registry.host}/iris-serving`;

    const raw = execFileSync('skopeo', [
      'inspect',
      '--tls-verify=false',
      '--raw',
      `docker://${ref}:${project.commit}`,
    ]);
    // The tag points at the index the pushed event names.
    expect(`sha256:${createHash('sha256').update(raw).digest('hex')}`).toBe(pushed.digest);
    const index = JSON.parse(raw.toString('utf8')) as Index;
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(index.manifests.map((m) => `${m.platform.os}/${m.platform.architecture}`)).toEqual([
      'linux/amd64',
      'linux/arm64',
    ]);

    const images = index.manifests.map((entry) => {
      expect(entry.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
      const manifest = inspectRaw<Manifest>(`docker://${ref}@${entry.digest}`);
      const config = inspectConfig(`docker://${ref}@${entry.digest}`);
      expect(config).toMatchObject({
        architecture: entry.platform.architecture,
        os: 'linux',
        config: { Entrypoint: ['node', 'serving/server.mjs'] },
      });
      return manifest;
    });
    // Our layers are JavaScript, the same for both platforms; the configs differ (the architecture).
    expect(images[0]!.layers.slice(1)).toEqual(images[1]!.layers.slice(1));
    expect(images[0]!.config.digest).not.toBe(images[1]!.config.digest);
  }, 180_000);

  it('skopeo resolves the arm64 image from the index by its platform', () => {
    const arm = JSON.parse(
      execFileSync(
        'skopeo',
        [
          '--override-arch',
          'arm64',
          'inspect',
          '--tls-verify=false',
          '--config',
          `docker://${registry.host}/iris-serving:${project.commit}`,
        ],
        { encoding: 'utf8' },
      ),
    ) as { architecture: string };
    expect(arm.architecture).toBe('arm64');
  });

  it('--builder buildah pushes a manifest list of both platforms too', async (ctx) => {
    const why = missingTool('buildah', ['--version']);
    if (why) return ctx.skip(why);
    const conf = path.join(root, 'storage.conf');
    const storage = path.join(root, 'containers');
    writeFileSync(
      conf,
      `[storage]\ndriver = "vfs"\ngraphroot = "${storage}/root"\nrunroot = "${storage}/run"\n`,
    );
    ok(
      await runMlops(
        [
          'build',
          'serving',
          '--builder',
          'buildah',
          '--push',
          '--json',
          '--tag',
          'buildah',
          '--platform',
          'linux/amd64,linux/arm64',
        ],
        { cwd: project.dir, env: { ...env, CONTAINERS_STORAGE_CONF: conf } },
      ),
    );
    const ref = `${registry.host}/iris-serving`;
    const index = inspectRaw<Index>(`docker://${ref}:buildah`);
    expect(index.manifests.map((m) => m.platform.architecture).sort()).toEqual(['amd64', 'arm64']);
    for (const entry of index.manifests) {
      expect(inspectConfig(`docker://${ref}@${entry.digest}`).architecture).toBe(entry.platform.architecture);
    }
  }, 180_000);
});
