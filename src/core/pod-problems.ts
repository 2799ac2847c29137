/**
 * What the diagnoses of training Jobs (cluster-train/diagnose.ts) and of serving rollouts
 * (deploy/diagnose.ts) read alike in a pod: the waiting reasons of a failed pull, where the image comes
 * from, whether the registry refused us, and how log lines are quoted in a message.
 */

/** Lines of a failed container's log a failure message quotes. */
export const LAST_LINES = 20;

/** Container waiting reasons that mean the image cannot be pulled (it will not come by waiting). */
export const PULL_FAILURES: ReadonlySet<string> = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
]);

/** The host of an image reference (`registry/repo:tag`); Docker Hub when the first part is no host. */
export function imageRegistryHost(image: string): string {
  const first = image.split('/')[0] ?? '';
  const isHost = image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  return isHost ? first : 'docker.io';
}

/** Whether a pull failure's message says the registry refused the credentials (not a missing image). */
export const isPullDenied = (message: string | undefined): boolean =>
  /unauthori[sz]ed|authenticat|denied|forbidden|\b401\b|\b403\b/i.test(message ?? '');

/** Log lines as a message quotes them, after a colon; says so when there are none. */
export const quoteLines = (lines: readonly string[]): string =>
  lines.length === 0 ? ' (no log lines)' : `:\n${lines.map((l) => `  | ${l}`).join('\n')}`;
