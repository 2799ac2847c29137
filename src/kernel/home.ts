import os from 'node:os';

/**
 * The user's home directory, read from the environment mlops was given (`HOME`, on Windows
 * `USERPROFILE`) before the operating system's record: every file mlops reads from home (kubeconfig,
 * ~/.aws, ~/.docker/config.json) goes through here, so a test or a CI job that sets HOME decides them.
 */
export function homeDir(env: Readonly<Record<string, string | undefined>>): string {
  return env.HOME || env.USERPROFILE || os.homedir();
}
