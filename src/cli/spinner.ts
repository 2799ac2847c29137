import type { Progress } from '../kernel/io-host.js';
import type { OutStream } from './terminal.js';

/**
 * A spinner (ora) for a wait without a known total: terraform, an upload of unknown size, a server
 * coming up. Hosts use it only when stderr is a terminal. ora loads on first use, so commands that never
 * wait do not pay for it; a wait that ends before it loads draws nothing.
 */
export function createSpinner(stream: OutStream, label: string): Progress {
  let text = label;
  let finished = false;
  let spinner: { text: string; stop(): unknown } | undefined;
  void import('ora').then(({ default: ora }) => {
    // A terminal that reports no width (a pty nobody sized) sends ora into an endless line-clearing loop.
    if (finished || stream.columns === 0) return;
    spinner = ora({ text, stream: stream as NodeJS.WritableStream, discardStdin: false }).start();
  });
  return {
    update(_done, detail) {
      text = detail ? `${label}  ${detail}` : label;
      if (spinner) spinner.text = text;
    },
    done() {
      finished = true;
      spinner?.stop();
    },
  };
}
