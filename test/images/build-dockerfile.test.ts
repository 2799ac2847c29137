import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeBuildProject, ok, type BuildProject } from '../support/images/build-project.js';
import { inspectConfig, inspectDigest, skopeo } from '../support/images/skopeo.js';
import { buildahEnv } from '../support/images/buildah-env.js';
import { nodeBaseLayout, pushNodeBase } from '../support/images/node-base.js';
import { missingRegistry, startRegistry, type RegistryHandle } from '../support/registry/docker-registry.js';
import { runMlops } from '../support/run-mlops.js';
import { tempDir } from '../support/temp-dir.js';
import { missingTool } from '../support/tools.js';

/**
 * images.serving.dockerfile: the image is built from the project's own Dockerfile, with the project as
 * context, by buildah (what `auto` picks for such an image; docker is not here). The Dockerfile is the
 * user's: here one with only COPY steps, since the test base (this machine's Node runtime) has no shell
 * and no npm to RUN. Checked with skopeo and umoci: its steps and files are in the image, with the
 * labels every mlops image carries added; the traced layers are not.
 */
vi.setConfig({ hookTimeout: 240_000 });

const skip =
  missingRegistry() ?? missingTool('skopeo', ['--version']) ?? missingTool('buildah', ['--version']);

const DOCKERFILE = `# The team's own serving image.
ARG BASE
FROM \${BASE}
WORKDIR /app
COPY mlops.config.json package.json ./
COPY serving ./serving
COPY extra/motd.txt /etc/motd-mlops
USER 1000:1000
ENTRYPOINT ["node", "serving/server.mjs"]
`;

interface Event {
  event: string;
  builder?: string;
  digest?: string;
  layers?: { comment: string }[];
  error?: { code: string; message: string; hint: string };
}

describe.skipIf(skip)('mlops build from images.serving.dockerfile', () => {
  const root = tempDir('mlops-build-dockerfile-');
  const { env } = buildahEnv(root);
  let registry: RegistryHandle;
  let project: BuildProject;
  const images = () => ({
    base: `${registry.host}/node-base:test`,
    serving: { repository: `${registry.host}/team-serving`, dockerfile: 'serving/Dockerfile.team' },
  });
  const build = (...args: string[]) =>
    runMlops(['build', 'serving', '--json', ...args], { cwd: project.dir, env });

  beforeAll(async () => {
    registry = await startRegistry();
    pushNodeBase(nodeBaseLayout(), `${registry.host}/node-base:test`);
    project = await makeBuildProject(root, { env, images: images() });
    writeFileSync(path.join(project.dir, 'serving', 'Dockerfile.team'), DOCKERFILE);
    mkdirSync(path.join(project.dir, 'extra'));
    writeFileSync(path.join(project.dir, 'extra', 'motd.txt'), 'built from the team Dockerfile\n');
  }, 240_000);
  afterAll(() => registry?.stop());

  it('--dry-run plans the Dockerfile, not the traced layers, and runs no tool', async () => {
    const res = ok(await build('--dry-run', '--push'));
    const plan = res.lines<Event>().find((e) => e.event === 'build-plan')!;
    expect(plan.builder).toBe('buildah');
    expect(plan.layers).toEqual([{ comment: 'the steps of serving/Dockerfile.team', fromBase: false }]);
    const human = ok(await runMlops(['build', 'serving', '--dry-run'], { cwd: project.dir, env }));
    expect(human.stdout).toMatch(/^ {2}layer +the steps of serving\/Dockerfile\.team$/m);
  }, 60_000);

  it('auto builds it with buildah and pushes; the image has its steps and files, and our labels', async (ctx) => {
    const res = ok(await build('--push'));
    const pushed = res.lines<Event>().at(-1)!;
    expect(pushed).toMatchObject({ event: 'pushed', builder: 'buildah' });
    const ref = `docker://${registry.host}/team-serving:${project.commit}`;
    expect(inspectDigest(ref)).toBe(pushed.digest);

    const config = inspectConfig(ref);
    expect(config.config.Entrypoint).toEqual(['node', 'serving/server.mjs']);
    expect(config.config.User).toBe('1000:1000');
    // The team's Dockerfile sets no label: buildah added the ones every mlops image carries.
    expect(config.config.Labels).toMatchObject({
      'org.opencontainers.image.revision': project.commit,
      'mlops.dev/model': 'iris',
    });
    const steps = config.history.map((h) => h.created_by ?? '').join('\n');
    expect(steps).toContain('/etc/motd-mlops');

    const why = missingTool('umoci', ['--version']);
    if (why) return ctx.skip(why);
    const layout = path.join(root, 'layout');
    const bundle = path.join(root, 'bundle');
    skopeo('copy', '--src-tls-verify=false', ref, `oci:${layout}:built`);
    execFileSync('umoci', ['unpack', '--image', `${layout}:built`, bundle], { stdio: 'pipe' });
    const rootfs = path.join(bundle, 'rootfs');
    expect(existsSync(path.join(rootfs, 'etc', 'motd-mlops'))).toBe(true);
    expect(existsSync(path.join(rootfs, 'app', 'serving', 'server.mjs'))).toBe(true);
    // Only what the Dockerfile copies: no traced node_modules layer.
    expect(existsSync(path.join(rootfs, 'app', 'node_modules'))).toBe(false);
    // The tool wrote its digest file in a temp dir, never into the project.
    expect(readdirSync(project.dir)).not.toContain('digest');
  }, 240_000);

  it('--builder oci refuses the Dockerfile, naming the two ways out', async () => {
    const res = await build('--builder', 'oci', '--push');
    expect(res.code).toBe(2);
    expect(res.lines<Event>().at(-1)!.error).toMatchObject({
      code: 'MLOPS_IMAGE_E7441',
      hint: expect.stringMatching(/--builder buildah.*remove images\.serving\.dockerfile/),
    });
  }, 60_000);

  it('a dockerfile that is not in the project is a config error naming the setting', async () => {
    project.setImages({ ...images(), serving: { ...images().serving, dockerfile: 'serving/Nope' } });
    try {
      const res = await build('--push');
      expect(res.code).toBe(2);
      const failed = res.lines<Event>().at(-1)!;
      expect(failed.error).toMatchObject({ code: 'MLOPS_IMAGE_E7440' });
      expect(failed.error!.message).toContain('images.serving.dockerfile: serving/Nope');
    } finally {
      project.setImages(images());
    }
  }, 60_000);

  it('with neither buildah nor docker on PATH, auto says so and names the oci way out', async () => {
    const bin = path.join(root, 'git-only');
    mkdirSync(bin, { recursive: true });
    symlinkSync(execFileSync('which', ['git'], { encoding: 'utf8' }).trim(), path.join(bin, 'git'));
    const res = await runMlops(['build', 'serving', '--push', '--json'], {
      cwd: project.dir,
      env: { ...env, PATH: bin },
    });
    expect(res.code).toBe(1);
    expect(res.lines<Event>().at(-1)!.error).toMatchObject({
      code: 'MLOPS_IMAGE_E7437',
      hint: expect.stringContaining('remove images.<image>.dockerfile'),
    });
  }, 60_000);
});
