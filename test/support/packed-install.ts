import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './run-mlops.js';

const exec = promisify(execFile);

interface LockEntry {
  readonly version?: string;
  readonly name?: string;
  readonly resolved?: string;
  readonly integrity?: string;
  readonly dev?: boolean;
  readonly link?: boolean;
  readonly inBundle?: boolean;
  readonly [field: string]: unknown;
}

interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly license?: string;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly bin?: Record<string, string>;
  readonly engines?: Record<string, string>;
}

/** The registry URL of a locked package (the checkout's lockfile leaves `resolved` out). */
function registryUrl(key: string, entry: LockEntry): string {
  const name = entry.name ?? key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
  return `https://registry.npmjs.org/${name}/-/${name.split('/').at(-1)}-${entry.version}.tgz`;
}

/**
 * Packs this checkout as it would be published (`npm pack`: the `files` of package.json; scripts off,
 * so `prepare` does not rebuild dist/ under other tests) and installs the tarball into a new project,
 * offline: `npm ci` over a lockfile holding the tarball and the checkout's locked production
 * dependencies, whose tarballs the npm cache has since the checkout's own `npm ci`. Optional
 * dependencies (tfjs-node, which downloads a library) are left out. Returns the project directory.
 */
export async function installPacked(root: string): Promise<string> {
  const { stdout } = await exec('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', root], {
    cwd: repoRoot,
    env: process.env,
  });
  const [packed] = JSON.parse(stdout) as { filename: string; integrity: string }[];
  const tarball = `file:../${packed!.filename}`;
  const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as Manifest;
  const lock = JSON.parse(readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };

  const packages: Record<string, unknown> = {
    '': { name: 'app', dependencies: { [manifest.name]: tarball } },
    [`node_modules/${manifest.name}`]: {
      version: manifest.version,
      resolved: tarball,
      integrity: packed!.integrity,
      license: manifest.license,
      dependencies: manifest.dependencies,
      optionalDependencies: manifest.optionalDependencies,
      bin: manifest.bin,
      engines: manifest.engines,
    },
  };
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (key === '' || entry.dev) continue;
    const fromRegistry = !entry.resolved && !entry.link && !entry.inBundle && entry.version;
    packages[key] = fromRegistry ? { ...entry, resolved: registryUrl(key, entry) } : entry;
  }

  const app = path.join(root, 'app');
  mkdirSync(app, { recursive: true });
  writeFileSync(
    path.join(app, 'package.json'),
    JSON.stringify({
      name: 'app',
      private: true,
      type: 'module',
      dependencies: { [manifest.name]: tarball },
    }),
  );
  writeFileSync(
    path.join(app, 'package-lock.json'),
    JSON.stringify({ name: 'app', lockfileVersion: 3, requires: true, packages }),
  );
  await exec('npm', ['ci', '--offline', '--omit=optional', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: app,
    env: process.env,
  });
  return app;
}
