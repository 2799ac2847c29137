import { unavailable } from './http-error.js';
import type { ServedModel } from './served-model.js';

/**
 * The served model and who holds it. Requests acquire the current model and release it once answered;
 * a swap is one assignment, so a request in flight finishes on the model it started with, and a model
 * swapped out (or left by `close`) is disposed when its last request is done.
 */
export class ModelSlot {
  private model: ServedModel | undefined;
  /** Requests holding the current model. */
  private held = 0;
  /** Swapped-out models that requests still hold, with how many. */
  private readonly leaving = new Map<ServedModel, number>();
  private isClosed = false;

  constructor(private readonly name: string) {}

  /** The current model, held or not (status and metadata); it stays readable after `close`. */
  get current(): ServedModel | undefined {
    return this.model;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** The current model, held until `release`; 503 before the first swap and after `close`. */
  acquire(): ServedModel {
    if (this.isClosed) throw unavailable('the server is shutting down');
    const model = this.model;
    if (model === undefined) {
      throw unavailable(`model "${this.name}" is still loading; retry when /ready answers 200`);
    }
    this.held += 1;
    return model;
  }

  release(model: ServedModel): void {
    if (model === this.model) {
      this.held -= 1;
      if (this.held === 0 && this.isClosed) model.dispose();
      return;
    }
    const left = (this.leaving.get(model) ?? 1) - 1;
    if (left > 0) {
      this.leaving.set(model, left);
    } else {
      this.leaving.delete(model);
      model.dispose();
    }
  }

  /**
   * Makes `next` the current model. The previous one is disposed now if no request holds it, else when
   * the last one is released. After `close`, `next` is disposed at once and false returned.
   */
  swap(next: ServedModel): boolean {
    if (this.isClosed) {
      next.dispose();
      return false;
    }
    const previous = this.model;
    if (previous !== undefined) {
      if (this.held > 0) this.leaving.set(previous, this.held);
      else previous.dispose();
    }
    this.model = next;
    this.held = 0;
    return true;
  }

  /** No more acquires or swaps; the current model is disposed once no request holds it. */
  close(): void {
    this.isClosed = true;
    if (this.held === 0) this.model?.dispose();
  }
}
