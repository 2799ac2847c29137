import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/cli/main.js';
import { childEnvironment, freshHome, type Env } from './sealed-env.js';

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

/**
 * Runs the CLI in-process (after wrangler's runWrangler): not a terminal, so nothing may prompt. The
 * CLI sees only `env`, with HOME an empty directory of its own unless `env` names one.
 */
export async function runMlops(
  args: string | readonly string[],
  options: { cwd: string; env?: Env },
): Promise<RunResult> {
  const stdout = new Capture();
  const stderr = new Capture();
  const stdin = new PassThrough() as PassThrough & { isTTY?: boolean };
  const argv = typeof args === 'string' ? args.split(' ').filter(Boolean) : args;
  const home = options.env?.HOME === undefined ? freshHome() : undefined;
  try {
    const env = { ...(home && { HOME: home.dir }), ...options.env };
    const code = await run(argv, { stdout, stderr, stdin, env, cwd: options.cwd });
    return result(code, stdout.text, stderr.text);
  } finally {
    home?.remove();
  }
}

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const binPath = path.join(repoRoot, 'bin', 'mlops');

export interface BinOptions {
  readonly cwd: string;
  /** Added to the sealed environment (see childEnvironment); HOME defaults to an empty one per call. */
  readonly env?: Env;
  /** Options for node itself, before bin/mlops (e.g. `--import` a tracer). */
  readonly nodeArgs?: readonly string[];
}

/**
 * Starts the built executable as a child process with pipes for stdin, stdout and stderr, in a sealed
 * environment: PATH, its own empty HOME (removed when it exits) and what `env` adds, nothing else.
 */
export function spawnBin(args: readonly string[], options: BinOptions): ChildProcessWithoutNullStreams {
  const { env, dispose } = childEnvironment(options.env);
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), binPath, ...args], {
    cwd: options.cwd,
    env,
  });
  child.once('close', dispose);
  return child;
}

/**
 * Collects a child's output and resolves once it has ended, with its exit code (1 when a signal ended
 * it). A child still running after `timeoutMs` is killed: a hung CLI fails its test instead of the run.
 */
export function completion(child: ChildProcessWithoutNullStreams, timeoutMs = 120_000): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const guard = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(guard);
      resolve(result(code ?? 1, stdout, stderr));
    });
  });
}

/** Runs the built executable to its end with stdin closed (not a TTY), as CI scripts do; sealed as spawnBin. */
export function runBin(
  args: readonly string[],
  options: BinOptions & { readonly timeout?: number },
): Promise<RunResult> {
  const child = spawnBin(args, options);
  child.stdin.end();
  return completion(child, options.timeout);
}
