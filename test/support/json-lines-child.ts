import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface JsonEvent {
  readonly event: string;
  readonly [field: string]: unknown;
}

/** A child process that prints JSON Lines on stdout (`--json` streams, the scaffolded entry points). */
export interface JsonLinesChild {
  readonly child: ChildProcess;
  /** Resolves with the first event of that name, or rejects when the process ends without it. */
  next(event: string): Promise<JsonEvent>;
  /** Every event printed so far. */
  events(): JsonEvent[];
  stderr(): string;
  /** The exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
}

/**
 * Spawns a process and follows its JSON Lines, so that a test synchronises on the events it prints
 * rather than on time. A guard kills it after `timeoutMs` so that no test leaves a process behind.
 */
export function spawnJsonLines(
  command: string,
  args: readonly string[],
  options: SpawnOptions & { timeoutMs?: number },
): JsonLinesChild {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  const events: JsonEvent[] = [];
  const waiters = new Set<() => void>();
  let buffered = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line.startsWith('{')) events.push(JSON.parse(line) as JsonEvent);
    for (const wake of waiters) wake();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const guard = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  let ended = false;
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(guard);
      ended = true;
      for (const wake of waiters) wake();
      resolve(code);
    }),
  );
  return {
    child,
    exited,
    events: () => [...events],
    stderr: () => stderr,
    next(name) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find((e) => e.event === name);
          if (found) {
            waiters.delete(check);
            resolve(found);
          } else if (ended) {
            waiters.delete(check);
            reject(new Error(`the process ended without a "${name}" event:\n${stderr}`));
          }
        };
        waiters.add(check);
        check();
      });
    },
  };
}
