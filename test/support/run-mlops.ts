import { execFile } from 'node:child_process';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/cli/main.js';

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  json<T = unknown>(): T;
  lines<T = unknown>(): T[];
}

class Capture extends Writable {
  text = '';
  constructor(readonly isTTY = false) {
    super();
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

const result = (code: number, stdout: string, stderr: string): RunResult => ({
  code,
  stdout,
  stderr,
  json: <T>() => JSON.parse(stdout) as T,
  lines: <T>() =>
    stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as T),
});

/** Runs the CLI in-process (after wrangler's runWrangler): not a terminal, so nothing may prompt. */
export async function runMlops(
  args: string | readonly string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
): Promise<RunResult> {
  const stdout = new Capture();
  const stderr = new Capture();
  const stdin = new PassThrough() as PassThrough & { isTTY?: boolean };
  const argv = typeof args === 'string' ? args.split(' ').filter(Boolean) : args;
  const code = await run(argv, { stdout, stderr, stdin, env: { ...options.env }, cwd: options.cwd });
  return result(code, stdout.text, stderr.text);
}

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const binPath = path.join(repoRoot, 'bin', 'mlops');

/** Runs the built executable as a child process (stdin is not a TTY), as CI scripts do. */
export function runBin(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string | undefined>; timeout?: number },
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [binPath, ...args],
      {
        cwd: options.cwd,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
        timeout: options.timeout ?? 120_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve(result(code, stdout, stderr));
      },
    );
    child.stdin?.end();
  });
}
