import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** A file to write, relative to the project directory. */
export interface PlannedFile {
  readonly path: string;
  readonly content: Uint8Array | string;
}

/** `{{key}}` placeholders (no spaces, so GitHub's `${{ expr }}` passes through untouched). */
export function render(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => values[key] ?? whole);
}

export async function existingFiles(dir: string, files: readonly PlannedFile[]): Promise<string[]> {
  const found: string[] = [];
  for (const file of files) {
    if (
      await fs.stat(path.join(dir, file.path)).then(
        () => true,
        () => false,
      )
    )
      found.push(file.path);
  }
  return found;
}

/** Writes each file via a temp name and rename, in order (callers put the config last). */
export async function writeFiles(dir: string, files: readonly PlannedFile[]): Promise<void> {
  for (const file of files) {
    const target = path.join(dir, file.path);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const temp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await fs.writeFile(temp, file.content);
      await fs.rename(temp, target);
    } catch (error) {
      await fs.rm(temp, { force: true });
      throw error;
    }
  }
}
