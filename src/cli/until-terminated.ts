/**
 * Runs until the process is told to end, then calls `stop` once with the reason: SIGTERM (Kubernetes,
 * docker stop, `kill`), SIGHUP (the terminal closed), Ctrl-C (bin/mlops turns SIGINT into `signal`; a
 * library caller without it gets SIGINT handled here), or the parent process going away. The last one
 * is what `npx mlops serve &` then `kill $!` needs: npm exec does not pass the signal on, so the server
 * would live on, re-parented, still listening. Node has no parent-death signal, so the parent is checked
 * once a second (an unref'd timer: it never keeps the process alive).
 */
export function untilTerminated(
  stop: (reason: string) => void,
  options: {
    readonly signal?: AbortSignal;
    /** The parent when the process started (CliEnv.parentPid); read now when absent. */
    readonly parentPid?: number;
    readonly parentCheckMs?: number;
  } = {},
): () => void {
  let done = false;
  const once = (reason: string) => () => {
    if (done) return;
    done = true;
    stop(reason);
  };
  const onTerm = once('SIGTERM');
  const onHup = once('SIGHUP');
  const onInt = once('SIGINT');
  process.on('SIGTERM', onTerm);
  process.on('SIGHUP', onHup);
  if (options.signal) options.signal.addEventListener('abort', onInt, { once: true });
  else process.on('SIGINT', onInt);

  // Taken at start, so that a parent that dies while the model loads is noticed too. A parent of 1 (or
  // none) is init or a container runtime: there is no parent to outlive.
  const parent = options.parentPid ?? process.ppid;
  const orphaned = once('parent exited');
  const timer =
    parent > 1
      ? setInterval(() => {
          if (process.ppid !== parent) orphaned();
        }, options.parentCheckMs ?? 1000).unref()
      : undefined;
  if (parent > 1 && process.ppid !== parent) orphaned();

  return () => {
    clearInterval(timer);
    process.off('SIGTERM', onTerm);
    process.off('SIGHUP', onHup);
    process.off('SIGINT', onInt);
    options.signal?.removeEventListener('abort', onInt);
  };
}
