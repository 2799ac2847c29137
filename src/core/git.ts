import { execFile } from 'node:child_process';

/** The commit checked out in `dir`, or null outside a git work tree (recorded in manifests for lineage). */
export function gitCommit(dir: string): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('git', ['rev-parse', 'HEAD'], { cwd: dir, timeout: 5000 }, (error, stdout) => {
      const sha = stdout?.trim();
      resolve(!error && /^[0-9a-f]{40}$/.test(sha) ? sha : null);
    });
  });
}
