/**
 * A reproducible tar writer for image layers (POSIX ustar, with PAX records for what ustar cannot hold):
 * entries sorted, parents before children, uid/gid 0 and no user names, one mtime for every entry. The
 * same entries give the same bytes, so the same layer digest.
 */

export type TarEntry =
  | { readonly type: 'dir'; readonly path: string; readonly mode?: number }
  | {
      readonly type: 'file';
      readonly path: string;
      readonly content: Uint8Array;
      readonly executable?: boolean;
    }
  | { readonly type: 'symlink'; readonly path: string; readonly target: string };

const BLOCK = 512;
// ustar's numeric fields are octal text; 11 digits hold sizes below 8 GiB.
const MAX_OCTAL_SIZE = 0o77777777777;

/** The tar archive of `entries` (paths relative, `/`-separated), with `mtime` in seconds on every entry. */
export function writeTar(entries: readonly TarEntry[], mtime: number): Buffer {
  const chunks: Buffer[] = [];
  for (const entry of sortEntries(withParents(entries))) {
    const name = entry.type === 'dir' ? `${entry.path}/` : entry.path;
    const linkname = entry.type === 'symlink' ? entry.target : '';
    const size = entry.type === 'file' ? entry.content.byteLength : 0;
    const pax: [string, string][] = [];
    if (Buffer.byteLength(name) > 100) pax.push(['path', name]);
    if (Buffer.byteLength(linkname) > 100) pax.push(['linkpath', linkname]);
    if (size > MAX_OCTAL_SIZE) pax.push(['size', String(size)]);
    if (pax.length > 0) {
      const records = Buffer.from(pax.map(([key, value]) => paxRecord(key, value)).join(''));
      chunks.push(header({ name: 'PaxHeader', type: 'x', mode: 0o644, size: records.length, mtime }));
      chunks.push(records, padding(records.length));
    }
    const mode =
      entry.type === 'dir'
        ? (entry.mode ?? 0o755)
        : entry.type === 'symlink'
          ? 0o777
          : entry.executable
            ? 0o755
            : 0o644;
    const type = entry.type === 'dir' ? '5' : entry.type === 'symlink' ? '2' : '0';
    chunks.push(header({ name, type, mode, size: Math.min(size, MAX_OCTAL_SIZE), mtime, linkname }));
    if (entry.type === 'file') chunks.push(Buffer.from(entry.content), padding(size));
  }
  chunks.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(chunks);
}

/** Every parent directory of every entry, so that extracting gives them our mode, not a tool's default. */
function withParents(entries: readonly TarEntry[]): TarEntry[] {
  const byPath = new Map<string, TarEntry>();
  for (const entry of entries) {
    const parts = entry.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!byPath.has(dir)) byPath.set(dir, { type: 'dir', path: dir });
    }
    byPath.set(entry.path, entry);
  }
  return [...byPath.values()];
}

// Comparing with `/` as the lowest character puts a directory right before its own children.
const sortKey = (path: string) => path.replaceAll('/', '\0');
const sortEntries = (entries: TarEntry[]) =>
  entries
    .map((entry) => ({ entry, key: sortKey(entry.path) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ entry }) => entry);

/** A PAX extended header record: `<length> <key>=<value>\n`, the length counting itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyLength = Buffer.byteLength(body);
  let length = bodyLength + String(bodyLength).length;
  if (String(length).length !== String(bodyLength).length) length = bodyLength + String(length).length;
  return `${length}${body}`;
}

interface Header {
  readonly name: string;
  readonly type: string;
  readonly mode: number;
  readonly size: number;
  readonly mtime: number;
  readonly linkname?: string;
}

function header(h: Header): Buffer {
  const block = Buffer.alloc(BLOCK);
  // Names longer than 100 bytes travel in the PAX record before; the ustar field keeps a truncation.
  Buffer.from(h.name).copy(block, 0, 0, 100);
  octal(block, 100, 8, h.mode);
  octal(block, 108, 8, 0);
  octal(block, 116, 8, 0);
  octal(block, 124, 12, h.size);
  octal(block, 136, 12, h.mtime);
  block.write(h.type, 156, 'latin1');
  Buffer.from(h.linkname ?? '').copy(block, 157, 0, 100);
  block.write('ustar\u000000', 257, 'latin1');
  // The checksum is computed with its own field as spaces.
  block.fill(' ', 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 'latin1');
  return block;
}

function octal(block: Buffer, offset: number, length: number, value: number): void {
  block.write(`${value.toString(8).padStart(length - 1, '0')}\u0000`, offset, 'latin1');
}

const padding = (size: number) => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
