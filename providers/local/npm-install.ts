import { execa } from 'execa';
import { MlopsError } from '../../src/kernel/errors.js';

/**
 * `npm install` in a new project, offline and without lifecycle scripts: the only dependency is a
 * `file:` link to this mlops, already built, so nothing needs the network or a build. Under `npx` or
 * `npm run`, the npm that runs us is used (npm_execpath); otherwise the one on PATH.
 */
export async function npmInstall(
  dir: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<void> {
  const args = ['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'];
  const npmCli = env.npm_execpath;
  const [file, argv] = npmCli?.endsWith('.js') ? [process.execPath, [npmCli, ...args]] : ['npm', args];
  const result = await execa(file, argv, {
    cwd: dir,
    env: { ...env, npm_config_update_notifier: 'false' },
    extendEnv: false,
    reject: false,
    timeout: 120_000,
    stdin: 'ignore',
  });
  if (result.failed) {
    const output = typeof result.stderr === 'string' && result.stderr ? result.stderr : result.shortMessage;
    const detail = output?.split('\n').find((line) => line.trim()) ?? 'no output';
    throw new MlopsError(`npm install failed in ${dir}: ${detail}`, {
      code: 'MLOPS_ENV_E6001',
      hint: `Run npm install in ${dir} and read its output.`,
    });
  }
}
