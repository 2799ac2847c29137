import type { OutStream } from './terminal.js';

type WriteArgs = Parameters<NodeJS.WriteStream['write']>;

/**
 * The process stream, going quiet when its reader goes away (`mlops … | head -n 1`): EPIPE stops the
 * output, not the work, so `train --json | head -n 1` still registers its version, and no stack trace is
 * printed. Every other stream error is still thrown. A Proxy, so that TTY methods (ora's cursor moves)
 * and synchronous writes behave exactly as on the stream itself.
 */
export function quietOnClosedPipe(stream: NodeJS.WriteStream): OutStream {
  let closed = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    closed = true;
  });
  // The stream's own write, taken once: ora hooks `write` while it spins, and calling back through the
  // hooked property would recurse into the hook.
  const original = stream.write.bind(stream) as (...args: WriteArgs) => boolean;
  let write = (...args: WriteArgs): boolean => {
    if (!closed) return original(...args);
    const callback = args.find((a) => typeof a === 'function');
    if (callback) queueMicrotask(() => (callback as () => void)());
    return true;
  };
  return new Proxy(stream, {
    get(target, property) {
      if (property === 'write') return write;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
    // ora replaces `write` while a spinner runs and puts it back after: that stays on the proxy.
    set(target, property, value) {
      if (property !== 'write') return Reflect.set(target, property, value, target);
      write = value as typeof write;
      return true;
    },
  });
}
