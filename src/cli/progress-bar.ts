import type { Progress } from '../kernel/io-host.js';
import type { OutStream } from './terminal.js';

/** A one-line progress bar redrawn in place on a terminal (hosts use it only when stderr is a TTY). */
export function createProgressBar(stream: OutStream, label: string, total: number): Progress {
  const started = Date.now();
  let lastDraw = 0;
  return {
    update(done, detail) {
      const now = Date.now();
      if (now - lastDraw < 50 && done < total) return;
      lastDraw = now;
      const ratio = total > 0 ? Math.min(1, done / total) : 0;
      const width = 24;
      const filled = Math.round(ratio * width);
      const seconds = ((now - started) / 1000).toFixed(1);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
      stream.write(`\r\u001b[2K${label} [${bar}] ${done}/${total} ${seconds}s${detail ? `  ${detail}` : ''}`);
    },
    done() {
      stream.write('\r\u001b[2K');
    },
  };
}
