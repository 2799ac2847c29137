export type PollOutcome =
  | { readonly result: 'unchanged'; readonly version: string }
  | { readonly result: 'reloaded'; readonly version: string; readonly previous: string | undefined }
  | { readonly result: 'failed'; readonly version: string | undefined; readonly error: unknown };

export interface AliasFollowerOptions {
  readonly intervalMs: number;
  /** The version the alias points at now. */
  resolve(): Promise<string>;
  /** The version being served. */
  current(): string | undefined;
  /** Loads, verifies, warms up and swaps in `version`; throws when any step fails (the old model stays). */
  swapTo(version: string): Promise<void>;
}

/**
 * Polls the alias and swaps in the version it points at. Polls never overlap (the next one is scheduled
 * when the previous one has finished), and the timer is unref'd: it never keeps the process alive.
 */
export class AliasFollower {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<PollOutcome> | undefined;
  private stopped = true;

  constructor(private readonly options: AliasFollowerOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  /** Stops polling; resolves when a poll in progress has finished (so nothing swaps after stop). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One poll now (also what the timer runs); concurrent callers share the poll in progress. */
  poll(): Promise<PollOutcome> {
    this.running ??= this.pollOnce().finally(() => (this.running = undefined));
    return this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.poll().finally(() => this.schedule());
    }, this.options.intervalMs);
    this.timer.unref();
  }

  private async pollOnce(): Promise<PollOutcome> {
    let version: string;
    try {
      version = await this.options.resolve();
    } catch (error) {
      return { result: 'failed', version: undefined, error };
    }
    const previous = this.options.current();
    if (version === previous) return { result: 'unchanged', version };
    try {
      await this.options.swapTo(version);
      return { result: 'reloaded', version, previous };
    } catch (error) {
      return { result: 'failed', version, error };
    }
  }
}
