// The large-CSV case of DESIGN.md §8 ("a 1.5-million-row CSV trains"), shared by the test and
// `npm run bench:train`: 4 numeric features and a 3-class label, written in chunks so that making it
// never holds the file in memory. Seeded: the same rows give the same bytes.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

const CENTERS = [
  ['low', [0, 0, 0, 0]],
  ['mid', [2, 1, -1, 0.5]],
  ['high', [0.5, 2.5, 1.5, -1]],
];

/**
 * Writes `rows` rows (plus the header) to `file` and resolves to its size in bytes.
 * @param {string} file
 * @param {number} rows
 * @param {number} [seed]
 * @returns {Promise<number>}
 */
export async function writeBigCsv(file, rows, seed = 7) {
  let state = seed >>> 0;
  // mulberry32, as src/ml/split.ts: fast, seeded, no dependency on dist/.
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = createWriteStream(file);
  let bytes = 0;
  const write = async (text) => {
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('f1,f2,f3,f4,label\n');
  let chunk = '';
  for (let r = 0; r < rows; r += 1) {
    const [name, center] = CENTERS[r % CENTERS.length];
    // Sum of two uniforms: a cheap bell-shaped noise around each class center.
    for (const c of center) chunk += `${(c + (next() + next() - 1) * 1.5).toFixed(4)},`;
    chunk += `${name}\n`;
    if (chunk.length > 1 << 16) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  out.end();
  await once(out, 'finish');
  return bytes;
}
