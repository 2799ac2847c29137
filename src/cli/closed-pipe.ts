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
  const write = (...args: WriteArgs): boolean => {
    if (!closed) return stream.write(...(args as [string]));
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
  });
}
