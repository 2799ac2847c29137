import { usageError } from './errors.js';
import type { EventName } from './events.js';
import type { MessageCode } from './messages.js';

/**
 * `result`: the outcome of the command itself (`registered`, `promoted`): a streaming `--json` run gets
 * it as a JSON line like any event, but a person reads it once, in the command's own output.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error' | 'result';

/** A structured event from the core. The host decides where it goes (stderr text, JSON Lines, nowhere). */
export interface IoEvent<T = unknown> {
  readonly level: Level;
  /** The `event` name of the JSON Lines stream, e.g. `epoch`, `registered` (registered in events.ts). */
  readonly event: EventName;
  /** Human text; the host may decorate it. */
  readonly message: string;
  readonly data?: T;
}

export interface ConfirmRequest {
  readonly kind: 'confirm';
  readonly message: string;
  /** The flag that answers this headless, named in the error when nothing may prompt. */
  readonly flag: string;
  /** The answer used headless; when absent, headless runs fail and name `flag`. */
  readonly headlessAnswer?: boolean;
}

export interface InputRequest {
  readonly kind: 'input';
  readonly message: string;
  readonly flag: string;
  readonly default?: string;
  readonly headlessAnswer?: string;
  readonly validate?: (value: string) => true | string;
}

export interface SelectRequest {
  readonly kind: 'select';
  readonly message: string;
  readonly flag: string;
  readonly choices: readonly {
    readonly value: string;
    readonly name?: string;
    readonly description?: string;
  }[];
  readonly default?: string;
  readonly headlessAnswer?: string;
}

export type IoRequest = ConfirmRequest | InputRequest | SelectRequest;
export type IoAnswer<R extends IoRequest> = R extends ConfirmRequest ? boolean : string;

/**
 * Progress of a long step; hosts draw on a terminal only, never in CI or under --json. With a total
 * (epochs, bytes) it is a bar of `done` out of it; without one (terraform, a server coming up) a
 * spinner, whose text `update(_, detail)` changes.
 */
export interface Progress {
  update(done: number, detail?: string): void;
  done(): void;
}

/**
 * The core's only window to the outside world (after aws-cdk toolkit-lib's IIoHost): it never prints,
 * never reads stdin, never exits.
 */
export interface IoHost {
  notify<T>(event: IoEvent<T>): void;
  request<R extends IoRequest>(request: R): Promise<IoAnswer<R>>;
  progress(label: string, total?: number): Progress;
}

/** A host for library use and tests: remembers events, answers requests from their headless answer. */
export class MemoryIoHost implements IoHost {
  readonly events: IoEvent[] = [];

  notify<T>(event: IoEvent<T>): void {
    this.events.push(event);
  }

  async request<R extends IoRequest>(request: R): Promise<IoAnswer<R>> {
    const answer = 'headlessAnswer' in request ? request.headlessAnswer : undefined;
    if (answer === undefined) throw missingAnswer(request);
    return answer as IoAnswer<R>;
  }

  progress(_label?: string, _total?: number): Progress {
    return { update: () => undefined, done: () => undefined };
  }
}

export const info = <T>(event: EventName, message: string, data?: T): IoEvent<T> => ({
  level: 'info',
  event,
  message,
  data,
});

/** The command's outcome as an event (see Level): not repeated as human text beside the command's output. */
export const outcome = <T>(event: EventName, message: string, data?: T): IoEvent<T> => ({
  level: 'result',
  event,
  message,
  data,
});

export type { EventName, MessageCode };

/** The error a headless run gets instead of a prompt: it names the flag that answers the question. */
export const missingAnswer = (request: IoRequest) =>
  usageError(
    `Cannot ask "${request.message}" without a terminal.`,
    'MLOPS_USAGE_E1001',
    `Pass ${request.flag} (nothing prompts when CI is set, stdin is not a TTY, or --yes is given).`,
  );
