import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeBuildProject, ok, type BuildProject } from '../support/images/build-project.js';
import { nodeBaseLayout, pushNodeBase } from '../support/images/node-base.js';
import { missingRegistry, startRegistry, type RegistryHandle } from '../support/registry/docker-registry.js';
import { runMlops } from '../support/run-mlops.js';
import { tempDir } from '../support/temp-dir.js';
import { missingTool } from '../support/tools.js';

/**
 * `mlops build --dry-run`: the planned layers (with sizes) and tags, as text and as a `build-plan` JSON
 * event, and nothing pushed: the registry has no such repository after. The oci plan's digest is the
 * one a real push then gives.
 */
vi.setConfig({ hookTimeout: 240_000 });

const skip = missingRegistry() ?? missingTool('skopeo', ['--version']);

interface Plan {
  event: 'build-plan';
  image: string;
  tags: string[];
  builder: string;
  digest?: string;
  layers: { comment: string; digest?: string; size?: number; uncompressedSize?: number; fromBase: boolean }[];
}

describe.skipIf(skip)('mlops build --dry-run', () => {
  const root = tempDir('mlops-build-dry-run-');
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, SOURCE_DATE_EPOCH: '1700000000' };
  let registry: RegistryHandle;
  let project: BuildProject;

  /** The tags the registry has for the serving repository (none: it 404s, the repository is unknown). */
  const tags = async () => {
    const res = await fetch(`${registry.url}/v2/iris-serving/tags/list`);
    return res.status === 404 ? [] : (((await res.json()) as { tags: string[] | null }).tags ?? []);
  };

  beforeAll(async () => {
    registry = await startRegistry();
    pushNodeBase(nodeBaseLayout(), `${registry.host}/node-base:test`);
    project = await makeBuildProject(root, {
      env,
      images: {
        base: `${registry.host}/node-base:test`,
        serving: { repository: `${registry.host}/iris-serving`, tag: 'v1.0' },
      },
    });
  }, 240_000);
  afterAll(() => registry?.stop());

  let plan: Plan;

  it('--json: one build-plan event with the layers, their sizes and the tags; nothing pushed', async () => {
    const res = ok(
      await runMlops(['build', 'serving', '--dry-run', '--push', '--json'], { cwd: project.dir, env }),
    );
    const events = res.lines<{ event: string }>();
    expect(events.map((e) => e.event)).not.toContain('pushed');
    expect(events.map((e) => e.event)).not.toContain('layer');
    plan = events.find((e): e is Plan => e.event === 'build-plan')!;
    expect(plan).toMatchObject({
      image: `${registry.host}/iris-serving`,
      tags: [project.commit, 'v1.0'],
      builder: 'oci',
      digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
    });
    expect(plan.layers.map((l) => [l.comment, l.fromBase])).toEqual([
      ['base', true],
      ['serving dependencies (node_modules)', false],
      ['serving app (serving, mlops.config.json, package.json)', false],
    ]);
    for (const layer of plan.layers) expect(layer.size).toBeGreaterThan(0);
    for (const layer of plan.layers.filter((l) => !l.fromBase)) {
      expect(layer.uncompressedSize).toBeGreaterThan(layer.size!);
    }
    expect(await tags()).toEqual([]);
  }, 120_000);

  it('prints the plan for a person: tags, each layer with its sizes', async () => {
    const res = ok(await runMlops(['build', 'serving', '--dry-run'], { cwd: project.dir, env }));
    expect(res.stdout).toContain(`Would build ${registry.host}/iris-serving:${project.commit}, :v1.0 (oci)`);
    expect(res.stdout).toMatch(
      /layer +serving dependencies \(node_modules\): [\d.]+ MB compressed, [\d.]+ MB unpacked/,
    );
    expect(res.stdout).toMatch(/layer +base: [\d.]+ MB compressed/);
    expect(await tags()).toEqual([]);
  }, 120_000);

  it('--builder buildah --dry-run plans the same layers of ours without running buildah', async () => {
    // A buildah first on PATH that leaves a mark if it is ever run.
    const bin = path.join(root, 'bin');
    const mark = path.join(root, 'buildah-ran');
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(bin, 'buildah'), `#!/bin/sh\ntouch ${mark}\nexit 1\n`, { mode: 0o755 });
    const res = ok(
      await runMlops(['build', 'serving', '--builder', 'buildah', '--dry-run', '--push', '--json'], {
        cwd: project.dir,
        env: { ...env, PATH: `${bin}:${env.PATH}` },
      }),
    );
    expect(existsSync(mark)).toBe(false);
    const buildah = res.lines<{ event: string }>().find((e): e is Plan => e.event === 'build-plan')!;
    expect(buildah.builder).toBe('buildah');
    expect(buildah.layers).toEqual(plan.layers.filter((l) => !l.fromBase));
    expect(await tags()).toEqual([]);
  }, 120_000);

  it('without buildah installed, the real build fails naming --builder oci, and pushes nothing', async () => {
    const bin = path.join(root, 'git-only');
    mkdirSync(bin, { recursive: true });
    symlinkSync(execFileSync('which', ['git'], { encoding: 'utf8' }).trim(), path.join(bin, 'git'));
    const res = await runMlops(['build', 'serving', '--builder', 'buildah', '--push', '--json'], {
      cwd: project.dir,
      env: { ...env, PATH: bin },
    });
    expect(res.code).toBe(1);
    const failed = res.lines<{ event: string; error: { code: string; hint: string } }>().at(-1)!;
    expect(failed).toMatchObject({ event: 'failed', error: { code: 'MLOPS_IMAGE_E7437' } });
    expect(failed.error.hint).toContain('--builder oci');
    expect(await tags()).toEqual([]);
  }, 120_000);

  it('the real push then gives the digest the plan announced', async () => {
    const res = ok(await runMlops(['build', 'serving', '--push', '--json'], { cwd: project.dir, env }));
    const pushed = res.lines<{ event: string; digest?: string }>().find((e) => e.event === 'pushed')!;
    expect(pushed.digest).toBe(plan.digest);
    expect((await tags()).sort()).toEqual([project.commit, 'v1.0'].sort());
  }, 120_000);
});
