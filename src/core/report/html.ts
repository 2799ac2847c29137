import { escapeHtml } from './format.js';

/** Small HTML builders shared by the sections: every cell's text is escaped here, once. */

/** A cell: plain text (escaped), or markup built by this module's callers from escaped parts. */
export type Cell = string | { readonly html: string; readonly className?: string };

/** `open`: the start tag without its `>`, e.g. `<th scope="row"`. */
function cellHtml(cell: Cell, open: string, close: string): string {
  if (typeof cell === 'string') return `${open}>${escapeHtml(cell)}${close}`;
  return `${open}${cell.className ? ` class="${escapeHtml(cell.className)}"` : ''}>${cell.html}${close}`;
}

export interface TableRow {
  readonly cells: readonly Cell[];
  readonly className?: string;
}

/** A table (with a header row unless `head` is empty); the first cell of each row is its header (th scope="row"). */
export function table(
  caption: string,
  head: readonly string[],
  rows: readonly (TableRow | readonly Cell[])[],
): string {
  const body = rows.map((row) => {
    const { cells, className } = 'cells' in row ? row : { cells: row, className: undefined };
    const [first, ...rest] = cells;
    const header = first === undefined ? '' : cellHtml(first, '<th scope="row"', '</th>');
    const data = rest.map((c) => cellHtml(c, '<td', '</td>')).join('');
    return `<tr${className ? ` class="${escapeHtml(className)}"` : ''}>${header}${data}</tr>`;
  });
  const header = head.length
    ? `<thead><tr>${head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead>`
    : '';
  return `<table><caption>${escapeHtml(caption)}</caption>${header}<tbody>${body.join('')}</tbody></table>`;
}

/** A figure around one chart, with a visible caption. */
export const figure = (svg: string, caption: string): string =>
  `<figure>${svg}<figcaption>${escapeHtml(caption)}</figcaption></figure>`;

/** A note in place of something a version does not have. */
export const note = (text: string): string => `<p class="note">${escapeHtml(text)}</p>`;

/** One column per version (two when comparing), each headed by its version. */
export function columns<T>(
  items: readonly T[],
  heading: (item: T) => string,
  render: (item: T, index: number) => string,
): string {
  if (items.length === 1 && items[0] !== undefined) return render(items[0], 0);
  return `<div class="columns">${items
    .map((item, i) => `<div class="column"><h3>${escapeHtml(heading(item))}</h3>${render(item, i)}</div>`)
    .join('')}</div>`;
}

/** A report section: starts a new page when printed. */
export const section = (id: string, title: string, content: string): string =>
  `<section id="${escapeHtml(id)}" aria-labelledby="${escapeHtml(id)}-title"><h2 id="${escapeHtml(id)}-title">${escapeHtml(title)}</h2>${content}</section>`;
