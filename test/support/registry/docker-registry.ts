import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { stringify } from 'yaml';
import { afterAll, beforeAll } from 'vitest';
import { freePort } from '../free-port.js';
import { missingTool } from '../tools.js';
import type { TokenServer } from './token-server.js';

export const REGISTRY_BINARY = '/usr/bin/docker-registry';

export type RegistryAuth =
  | 'none'
  | { readonly htpasswd: { readonly user: string; readonly password: string } }
  | { readonly token: TokenServer };

export interface RegistryOptions {
  /** @default 'none' */
  readonly auth?: RegistryAuth;
}

export interface RegistryHandle {
  /** `127.0.0.1:PORT`, as image references write it. */
  readonly host: string;
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** The registry's own directory: its config, htpasswd file and storage root. */
  readonly dir: string;
  /** What the registry wrote on stderr so far (its log, level warn). */
  readonly log: () => string;
  stop(): Promise<void>;
}

/** Why registry tests skip here (undefined when docker-registry is installed); throws under CI. */
export const missingRegistry = (): string | undefined => missingTool('docker-registry', ['--version']);

function authSection(auth: RegistryAuth, dir: string): Record<string, unknown> | undefined {
  if (auth === 'none') return undefined;
  if ('htpasswd' in auth) {
    const file = path.join(dir, 'htpasswd');
    const { user, password } = auth.htpasswd;
    writeFileSync(file, `${user}:${bcrypt.hashSync(password, 5)}\n`);
    return { htpasswd: { realm: 'mlops-test', path: file } };
  }
  const bundle = path.join(dir, 'token-root.pem');
  writeFileSync(bundle, auth.token.rootCertificatePem);
  return {
    token: {
      realm: auth.token.realm,
      service: auth.token.service,
      issuer: auth.token.issuer,
      rootcertbundle: bundle,
    },
  };
}

/** Polls `GET /v2/` until the registry answers anything (200, or 401 with auth on). */
async function waitUntilServing(url: string, child: ChildProcess, log: () => string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) {
      throw new Error(`docker-registry exited with code ${child.exitCode} before serving:\n${log()}`);
    }
    try {
      await fetch(`${url}/v2/`);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`docker-registry did not answer on ${url} within 10 s:\n${log()}`);
}

/**
 * Debian's docker-registry (distribution 2.8) on 127.0.0.1 with its own config (the Debian default
 * listens everywhere and turns htpasswd on): storage in a temp dir, deletes enabled, log level warn.
 */
export async function startRegistry(options: RegistryOptions = {}): Promise<RegistryHandle> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlops-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const url = `http://${host}`;
  const auth = authSection(options.auth ?? 'none', dir);
  const config = {
    version: 0.1,
    log: { level: 'warn', accesslog: { disabled: true } },
    storage: {
      filesystem: { rootdirectory: path.join(dir, 'storage') },
      delete: { enabled: true },
    },
    http: { addr: host, secret: 'mlops-test-registry' },
    ...(auth ? { auth } : {}),
  };
  const configFile = path.join(dir, 'config.yml');
  writeFileSync(configFile, stringify(config));
  const child = spawn(REGISTRY_BINARY, ['serve', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const log = () => stderr;
  try {
    await waitUntilServing(url, child, log);
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    host,
    url,
    dir,
    log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A registry for the suite: started in beforeAll, stopped in afterAll. Read `.current` inside tests.
 * Call it only when `missingRegistry()` gave no reason (the suite is skipped otherwise).
 */
export function withRegistry(options: RegistryOptions | (() => RegistryOptions) = {}): {
  readonly current: RegistryHandle;
} {
  let handle: RegistryHandle | undefined;
  beforeAll(async () => {
    handle = await startRegistry(typeof options === 'function' ? options() : options);
  });
  afterAll(async () => {
    await handle?.stop();
  });
  return {
    get current(): RegistryHandle {
      if (!handle) throw new Error('the test registry is not started (use it inside a test)');
      return handle;
    },
  };
}
