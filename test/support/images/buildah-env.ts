import { writeFileSync } from 'node:fs';
import path from 'node:path';

/** The environment of a build with buildah whose storage stays in `root`, never /var/lib/containers. */
export interface BuildahEnv {
  /** PATH, HOME, SOURCE_DATE_EPOCH (fixed, so digests repeat) and CONTAINERS_STORAGE_CONF. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** buildah's storage (vfs): `<root>/containers`, with `root/` and `run/` inside. */
  readonly storage: string;
}

/** Writes `<root>/storage.conf` (vfs driver, storage under `root`) and returns the env that uses it. */
export function buildahEnv(root: string): BuildahEnv {
  const storage = path.join(root, 'containers');
  const conf = path.join(root, 'storage.conf');
  writeFileSync(
    conf,
    `[storage]\ndriver = "vfs"\ngraphroot = "${storage}/root"\nrunroot = "${storage}/run"\n`,
  );
  return {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SOURCE_DATE_EPOCH: '1700000000',
      CONTAINERS_STORAGE_CONF: conf,
    },
    storage,
  };
}
