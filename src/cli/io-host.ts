import type { Readable } from 'node:stream';
import {
  missingAnswer,
  type IoAnswer,
  type IoEvent,
  type IoHost,
  type IoRequest,
  type Progress,
} from '../kernel/io-host.js';
import { createProgressBar } from './progress-bar.js';
import { createSpinner } from './spinner.js';
import type { OutStream, Style } from './terminal.js';

export interface CliIoOptions {
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  readonly stdin: Readable & { isTTY?: boolean };
  readonly json: boolean;
  /** JSON Lines on stdout for every event (train, predict --file …) instead of one final document. */
  readonly streaming: boolean;
  readonly interactive: boolean;
  readonly verbose: boolean;
  readonly quiet: boolean;
  readonly style: Style;
}

const NOOP_PROGRESS: Progress = { update: () => undefined, done: () => undefined };

/**
 * Decides where the core's events go: JSON Lines on stdout for streaming --json commands, human text on
 * stderr (hidden with --json when stderr is not a terminal), progress bars only on a terminal.
 */
export class CliIoHost implements IoHost {
  constructor(private readonly options: CliIoOptions) {}

  get humanToStderr(): boolean {
    return !this.options.json || this.options.stderr.isTTY === true;
  }

  notify<T>(event: IoEvent<T>): void {
    const { json, streaming, stdout, stderr, verbose, quiet, style } = this.options;
    if (json && streaming && event.level !== 'debug') {
      stdout.write(`${JSON.stringify({ event: event.event, ...(event.data ?? {}) })}\n`);
    }
    if (!this.humanToStderr || !event.message || event.level === 'result') return;
    if (event.level === 'debug' && !verbose) return;
    if (quiet && event.level !== 'warn' && event.level !== 'error') return;
    const prefix =
      event.level === 'warn'
        ? style.yellow('warning: ')
        : event.level === 'error'
          ? style.red('error: ')
          : '';
    const text = event.level === 'debug' ? style.dim(event.message) : event.message;
    stderr.write(`${prefix}${text}\n`);
  }

  async request<R extends IoRequest>(request: R): Promise<IoAnswer<R>> {
    if (!this.options.interactive) {
      if (request.headlessAnswer === undefined) throw missingAnswer(request);
      return request.headlessAnswer as IoAnswer<R>;
    }
    const prompts = await import('@inquirer/prompts');
    const context = { input: this.options.stdin, output: this.options.stderr };
    switch (request.kind) {
      case 'confirm':
        return (await prompts.confirm({ message: request.message, default: false }, context)) as IoAnswer<R>;
      case 'input':
        return (await prompts.input(
          { message: request.message, default: request.default, validate: request.validate },
          context,
        )) as IoAnswer<R>;
      case 'select':
        return (await prompts.select(
          { message: request.message, choices: [...request.choices], default: request.default },
          context,
        )) as IoAnswer<R>;
    }
  }

  progress(label: string, total?: number): Progress {
    const { stderr, quiet } = this.options;
    if (quiet || stderr.isTTY !== true) return NOOP_PROGRESS;
    return total === undefined ? createSpinner(stderr, label) : createProgressBar(stderr, label, total);
  }
}
