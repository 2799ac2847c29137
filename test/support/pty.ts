import { execFileSync, spawn } from 'node:child_process';

/** A process on a pseudo-terminal: what a person at a terminal sees, and keys typed into it. */
export interface PtySession {
  /** Types text (end an answer with \r, as the Enter key does). */
  write(text: string): void;
  /** Resolves with the output so far once it matches; rejects if the process ends first. */
  waitFor(pattern: RegExp): Promise<string>;
  /** Everything the terminal showed: stdout and stderr, interleaved as on a screen. */
  output(): string;
  /** The exit code of the command (script -e passes it on). */
  readonly exited: Promise<number | null>;
}

const quote = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`;

/**
 * Runs a command under `script` (util-linux), which gives it a pseudo-terminal (100 × 30) as its
 * stdin, stdout and stderr; our pipe to `script` is the keyboard. Callers check `missingTool('script')` first. A
 * guard kills the session after `timeoutMs` so that a prompt nobody answers cannot hang the suite.
 */
export function spawnPty(
  command: readonly string[],
  options: { cwd: string; env: Record<string, string | undefined>; timeoutMs?: number },
): PtySession {
  // Found on this process's PATH: the command's own PATH may leave out /usr/bin on purpose.
  const which = (tool: string) =>
    execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
  // A terminal has a size (script's pty has none when our end is a pipe), as spinners and prompts expect.
  const line = `${which('stty')} cols 100 rows 30 && exec ${command.map(quote).join(' ')}`;
  const child = spawn(which('script'), ['-qfec', line, '/dev/null'], {
    cwd: options.cwd,
    env: { TERM: 'xterm-256color', ...options.env, SHELL: '/bin/sh' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  let ended = false;
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const waiter of waiters) waiter();
  };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    wake();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    wake();
  });
  const guard = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(guard);
      ended = true;
      wake();
      resolve(code);
    }),
  );
  return {
    exited,
    output: () => output,
    write: (text) => void child.stdin.write(text),
    waitFor(pattern) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(output)) {
            waiters.delete(check);
            resolve(output);
          } else if (ended) {
            waiters.delete(check);
            reject(new Error(`the command ended without showing ${String(pattern)}:\n${output}`));
          }
        };
        waiters.add(check);
        check();
      });
    },
  };
}
