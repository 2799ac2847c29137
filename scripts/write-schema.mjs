// Writes schema/mlops.config.schema.json from the zod schema (generated — the file says so too).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { configSchema } from '../dist/src/config/schema.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const schema = {
  ...z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }),
  $id: 'https://github.com/mlops/mlops/schema/mlops.config.schema.json',
  title: 'mlops.config.json',
  $comment: 'Generated from src/config/schema.ts by scripts/write-schema.mjs — do not edit.',
};
mkdirSync(join(root, 'schema'), { recursive: true });
writeFileSync(join(root, 'schema', 'mlops.config.schema.json'), `${JSON.stringify(schema, null, 2)}\n`);
