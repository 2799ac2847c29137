import { execFile } from 'node:child_process';
import { usageError } from '../../kernel/errors.js';

/** What the project's git work tree says about the source an image is built from. */
export interface SourceInfo {
  /** The commit checked out, or null outside a git work tree. */
  readonly commit: string | null;
  /** Seconds since the epoch: SOURCE_DATE_EPOCH, else the commit's time, else 0. */
  readonly sourceDateEpoch: number;
  /** The `origin` remote as an https URL, for the `org.opencontainers.image.source` label. */
  readonly url?: string;
}

const git = (dir: string, args: readonly string[]) =>
  new Promise<string | undefined>((resolve) => {
    execFile('git', [...args], { cwd: dir, timeout: 5000 }, (error, stdout) =>
      resolve(error ? undefined : stdout.trim() || undefined),
    );
  });

export async function readSource(
  dir: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<SourceInfo> {
  const [head, time, remote] = await Promise.all([
    git(dir, ['rev-parse', 'HEAD']),
    git(dir, ['log', '-1', '--format=%ct']),
    git(dir, ['remote', 'get-url', 'origin']),
  ]);
  const commit = head && /^[0-9a-f]{40}$/.test(head) ? head : null;
  return {
    commit,
    sourceDateEpoch: sourceDateEpoch(env.SOURCE_DATE_EPOCH, commit ? Number(time) : undefined),
    ...(remote && { url: httpsUrl(remote) }),
  };
}

function sourceDateEpoch(value: string | undefined, commitTime: number | undefined): number {
  if (value !== undefined && value !== '') {
    if (!/^\d+$/.test(value)) {
      throw usageError(
        `SOURCE_DATE_EPOCH=${value} is not a number of seconds.`,
        'MLOPS_USAGE_E1002',
        'Set SOURCE_DATE_EPOCH to seconds since 1970 (e.g. $(git log -1 --format=%ct)), or unset it.',
      );
    }
    return Number(value);
  }
  return commitTime !== undefined && Number.isFinite(commitTime) ? commitTime : 0;
}

/** `git@github.com:acme/iris.git` → `https://github.com/acme/iris`; credentials in a URL are dropped. */
function httpsUrl(remote: string): string {
  const scp = /^[\w.-]+@([\w.-]+):(.+?)(\.git)?$/.exec(remote);
  if (scp) return `https://${scp[1]}/${scp[2]}`;
  try {
    const url = new URL(remote);
    url.username = '';
    url.password = '';
    return url.toString().replace(/\.git$/, '');
  } catch {
    return remote;
  }
}
