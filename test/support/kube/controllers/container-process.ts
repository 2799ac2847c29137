import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import type { ContainerLog } from '../logs.js';

export interface Exit {
  readonly exitCode: number;
  /** The signal that ended it, when one did (SIGTERM → 143, SIGKILL → 137, as a runtime reports). */
  readonly signal?: string;
}

export interface ContainerProcess {
  readonly exited: Promise<Exit>;
  /** SIGTERM, then SIGKILL after the grace period, as the kubelet stops a container. */
  stop(graceSeconds: number): void;
}

const executable = (file: string): boolean => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** `node` is this Node; other names are looked up on PATH, as a container runtime resolves argv[0]. */
export function resolveCommand(name: string, searchPath: string): string | undefined {
  if (name === 'node') return process.execPath;
  if (name.includes('/')) return executable(name) ? name : undefined;
  return searchPath
    .split(path.delimiter)
    .map((dir) => path.join(dir, name))
    .find(executable);
}

/** The runtime's StartError text for a command that is not there. */
export const startErrorMessage = (name: string): string =>
  `failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "${name}": executable file not found in $PATH: unknown`;

/** Runs a container's argv as a local process; stdout and stderr lines go to its log in arrival order. */
export function startProcess(
  file: string,
  args: readonly string[],
  cwd: string,
  env: Record<string, string>,
  log: ContainerLog,
): ContainerProcess {
  const child = spawn(file, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => log.write(chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => log.write(chunk));
  let killTimer: NodeJS.Timeout | undefined;
  const exited = new Promise<Exit>((resolve) => {
    child.on('error', (error) => {
      log.write(`${error.message}\n`);
      resolve({ exitCode: 128 });
    });
    child.on('close', (code, signal) => {
      clearTimeout(killTimer);
      log.end();
      const bySignal = signal === 'SIGKILL' ? 137 : signal ? 143 : undefined;
      resolve({ exitCode: code ?? bySignal ?? 1, ...(signal ? { signal } : {}) });
    });
  });
  return {
    exited,
    stop(graceSeconds) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), graceSeconds * 1000);
    },
  };
}
