import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/run-mlops.js';
import { tempDir } from '../support/temp-dir.js';
import { childEnvironment, type Env } from '../support/sealed-env.js';
import { missingTool, toolsRequired } from '../support/tools.js';

/**
 * The README's front door, literally: a fresh `git clone` of the repository, the "Start here" block,
 * then the look-around block, with networking off for every mlops step (a new network namespace
 * with only loopback), so that nothing of it can reach a package registry or a cloud.
 */

/** The first ```sh block after a line containing `marker`, as its command lines. */
function shBlockAfter(readme: string, marker: string): string[] {
  const at = readme.indexOf(marker);
  const block = at < 0 ? undefined : /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
  if (!block?.[1]) throw new Error(`README.md has no sh block after "${marker}"`);
  return block[1].split('\n').filter((line) => line.trim() !== '');
}

/**
 * `unshare` options for a network namespace with loopback only: as root, just that; as another user,
 * inside a user namespace where the user is root (how GitHub's runners run it: see .github/workflows).
 */
const NO_NETWORK = process.getuid?.() === 0 ? ['-n'] : ['-r', '-n'];

/** Why the test cannot run here: no git, or no way to turn networking off (no unshare/ip, or not allowed). */
function skipReason(): string | undefined {
  const git = missingTool('git');
  if (git) return git;
  const probe = spawnSync('unshare', [...NO_NETWORK, 'ip', 'link', 'set', 'lo', 'up'], { stdio: 'ignore' });
  if (probe.status === 0) return undefined;
  const reason =
    'cannot run commands without network here (needs unshare and iproute2, and root or user namespaces: see .ci/run)';
  if (toolsRequired()) throw new Error(`MLOPS_TEST_REQUIRE_TOOLS=1 but ${reason}`);
  return reason;
}

const reason = skipReason();

/**
 * What npm needs from this machine to install: its settings (npm_config_*, which `npm test` and npx
 * set, its cache among them), the proxy variables and extra CA certificates. The cache's place is
 * asked of npm when nothing set it.
 */
function npmSettings(): Env {
  const names = /^(npm_config_|(https?|no)_proxy$|NODE_EXTRA_CA_CERTS$)/i;
  const settings = Object.fromEntries(Object.entries(process.env).filter(([name]) => names.test(name)));
  settings.npm_config_cache ??= execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim();
  return settings;
}

describe.skipIf(reason !== undefined)(
  `the README's first steps, from a fresh clone${reason ? ` (skipped: ${reason})` : ''}`,
  () => {
    const workDir = tempDir('mlops-readme-');

    it('runs the start and look-around blocks literally, offline for every mlops step', () => {
      const clone = path.join(workDir, 'mlops');
      execFileSync('git', ['clone', '--quiet', repoRoot, clone], { stdio: 'inherit' });
      // The clone's own README: what a new user reads is what runs.
      const readme = readFileSync(path.join(clone, 'README.md'), 'utf8');
      const start = shBlockAfter(readme, '## Start here');
      const lookAround = shBlockAfter(readme, 'Then look around');
      expect(start[0]).toMatch(/^npm ci\b/);
      // In the checkout, bin/mlops itself: npx would first install the package into its cache.
      expect(start.slice(1).every((line) => line.startsWith('./bin/mlops '))).toBe(true);
      expect(lookAround.some((line) => line.startsWith('npx mlops serve &'))).toBe(true);
      // npm ci is the one step that needs the npm registry: it gets npm's own settings (cache, registry,
      // proxy) on top of the sealed environment; the cache makes it quick where it is warm.
      const install = childEnvironment({ ...npmSettings(), npm_config_prefer_offline: 'true' });
      const installed = spawnSync('bash', ['-ec', start[0]!], {
        cwd: clone,
        env: install.env,
        encoding: 'utf8',
        timeout: 420_000,
      });
      install.dispose();
      expect(installed.status, installed.stderr).toBe(0);

      // Everything else as one script, as a person types it, in a namespace with loopback only. A server
      // still alive at the end would be a failure of `kill $!` (the README's way to stop it).
      // The server's command line; "[n]" keeps the pattern from matching this script's own.
      const server = `${clone}/demo/[n]ode_modules/.bin/mlops serve`;
      const script = [
        'set -euo pipefail',
        'ip link set lo up',
        ...start.slice(1),
        ...lookAround,
        `for i in $(seq 150); do pgrep -f "${server}" >/dev/null || exit 0; sleep 0.1; done`,
        `echo "a server is still running: $(pgrep -af "${server}")" >&2; exit 1`,
      ].join('\n');
      const sealed = childEnvironment({ CI: 'true' });
      const run = spawnSync('unshare', [...NO_NETWORK, 'bash', '-c', script], {
        cwd: clone,
        env: sealed.env,
        encoding: 'utf8',
        timeout: 420_000,
      });
      sealed.dispose();
      expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
      expect(run.stdout).toMatch(/v1\.0/);
      expect(run.stdout).toMatch(/setosa|versicolor|virginica/);
      expect(run.stderr).not.toMatch(/npm (ERR|error)|ENOTFOUND|EAI_AGAIN|E404/);
    }, 900_000);
  },
);
