import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { MlopsError } from '../../../src/kernel/errors.js';
import { homeDir } from '../../../src/kernel/home.js';
import type { Env, RegistryCredentials } from './credentials.js';

interface DockerConfig {
  readonly auths?: Record<string, { auth?: unknown; identitytoken?: unknown } | undefined>;
  readonly credHelpers?: Record<string, unknown>;
  readonly credsStore?: unknown;
}

/** `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`, as docker reads it. */
export const dockerConfigPath = (env: Env): string =>
  path.join(env.DOCKER_CONFIG || path.join(homeDir(env), '.docker'), 'config.json');

/** The keys docker files a host under: Docker Hub as its v1 URL; others bare or as URLs. */
const keysFor = (host: string): string[] =>
  host === 'docker.io'
    ? ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io']
    : [host, `https://${host}`, `http://${host}`, `https://${host}/v1/`, `https://${host}/v2/`];

/**
 * The credentials docker would use for `host`: a `credHelpers[host]` helper, else the `credsStore`
 * helper, else `auths[host]` (what `docker login` wrote without a store). Undefined when none has any.
 */
export async function dockerConfigCredentials(
  host: string,
  env: Env,
): Promise<RegistryCredentials | undefined> {
  const file = dockerConfigPath(env);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  let config: DockerConfig;
  try {
    config = JSON.parse(text) as DockerConfig;
  } catch {
    throw new MlopsError(`${file} is not valid JSON, so credentials for ${host} cannot be read from it.`, {
      code: 'MLOPS_IMAGE_E7411',
      hint: 'Fix the file (docker login rewrites it), or remove it and set MLOPS_REGISTRY_USERNAME and MLOPS_REGISTRY_PASSWORD.',
      source: 'config',
    });
  }
  const keys = keysFor(host);
  const helper = keys.map((k) => config.credHelpers?.[k]).find((h) => typeof h === 'string' && h !== '');
  const store =
    typeof config.credsStore === 'string' && config.credsStore !== '' ? config.credsStore : undefined;
  const helperName = (helper as string | undefined) ?? store;
  if (helperName) {
    const found = await credentialHelper(helperName, keys[0]!, env);
    if (found || helper) return found;
  }
  return fileAuth(keys, config, file);
}

function fileAuth(
  keys: readonly string[],
  config: DockerConfig,
  file: string,
): RegistryCredentials | undefined {
  for (const key of keys) {
    const entry = config.auths?.[key];
    if (typeof entry?.identitytoken === 'string' && entry.identitytoken !== '') {
      return { username: '<token>', password: entry.identitytoken, source: `${file} (auths)` };
    }
    if (typeof entry?.auth !== 'string' || entry.auth === '') continue;
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) continue;
    return {
      username: decoded.slice(0, colon),
      password: decoded.slice(colon + 1),
      source: `${file} (auths)`,
    };
  }
  return undefined;
}

/**
 * Asks `docker-credential-<name> get` (the credential helper protocol: the server URL on stdin, JSON
 * `{Username, Secret}` on stdout). "Not found" (exit 1 saying so) means no credentials.
 */
async function credentialHelper(
  name: string,
  server: string,
  env: Env,
): Promise<RegistryCredentials | undefined> {
  const binary = `docker-credential-${name}`;
  const { code, stdout, stderr, missing } = await run(binary, server, env);
  const source = `${binary} (~/.docker/config.json)`;
  if (missing) {
    throw new MlopsError(
      `The docker credential helper ${binary} is not installed (named in ${dockerConfigPath(env)}).`,
      {
        code: 'MLOPS_IMAGE_E7412',
        hint: `Install ${binary} on PATH, or remove "${name}" from credHelpers/credsStore in that file and set MLOPS_REGISTRY_USERNAME and MLOPS_REGISTRY_PASSWORD.`,
        source: 'config',
      },
    );
  }
  if (code !== 0) {
    if (/not found|no credentials/i.test(stdout + stderr)) return undefined;
    throw new MlopsError(`The docker credential helper ${binary} failed for ${server} (exit ${code}).`, {
      code: 'MLOPS_IMAGE_E7413',
      hint: `Run \`echo ${server} | ${binary} get\` to see why; log in again with docker login ${server}.`,
    });
  }
  let answer: { Username?: unknown; Secret?: unknown };
  try {
    answer = JSON.parse(stdout) as typeof answer;
  } catch {
    answer = {};
  }
  if (typeof answer.Username !== 'string' || typeof answer.Secret !== 'string') {
    // Never quote the output: it may hold the secret.
    throw new MlopsError(
      `The docker credential helper ${binary} answered something that is not credentials.`,
      {
        code: 'MLOPS_IMAGE_E7413',
        hint: `It should print {"Username": …, "Secret": …}; run \`echo ${server} | ${binary} get\` to check it.`,
      },
    );
  }
  return { username: answer.Username, password: answer.Secret, source };
}

function run(
  binary: string,
  input: string,
  env: Env,
): Promise<{ code: number | null; stdout: string; stderr: string; missing: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(binary, ['get'], { env: env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', (error: NodeJS.ErrnoException) =>
      resolve({ code: null, stdout, stderr, missing: error.code === 'ENOENT' }),
    );
    child.once('close', (code) => resolve({ code, stdout, stderr, missing: false }));
    child.stdin.on('error', () => undefined).end(input);
  });
}
