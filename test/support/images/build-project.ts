import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { installPacked } from '../packed-install.js';
import { runMlops, type RunResult } from '../run-mlops.js';

/**
 * A project to build images from, as a user has one: `mlops init` (iris) with mlops installed from
 * `npm pack` of this checkout (needs dist/: npx tsc -p tsconfig.build.json), so its files stay put while
 * the checkout changes; images.* pointing at a registry on 127.0.0.1; one git commit (the default tag).
 */
export interface BuildProject {
  readonly dir: string;
  readonly commit: string;
  /** Replaces mlops.config.json's `images`. */
  setImages(images: Readonly<Record<string, unknown>>): void;
}

export const ok = (res: RunResult): RunResult => {
  if (res.code !== 0) throw new Error(`mlops exited ${res.code}:\n${res.stdout}\n${res.stderr}`);
  return res;
};

export async function makeBuildProject(
  root: string,
  options: {
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly images: Readonly<Record<string, unknown>>;
  },
): Promise<BuildProject> {
  const scaffold = path.join(root, 'scaffold');
  ok(
    await runMlops(['init', scaffold, '--yes', '--name', 'iris', '--dataset', 'iris'], {
      cwd: root,
      env: options.env,
    }),
  );
  const dir = await installPacked(root);
  for (const name of ['serving', 'training', 'data', 'mlops.config.json']) {
    cpSync(path.join(scaffold, name), path.join(dir, name), { recursive: true });
  }
  const setImages = (images: Readonly<Record<string, unknown>>) => {
    const file = path.join(dir, 'mlops.config.json');
    const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...config, images }, null, 2));
  };
  setImages(options.images);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
  git('init', '-q');
  git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-q', '--allow-empty', '-m', 'init');
  return { dir, commit: git('rev-parse', 'HEAD'), setImages };
}
