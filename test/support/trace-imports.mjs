// Loaded with `node --import`: prints every file URL the program resolves, so tests can assert which
// modules a command loads (heavy ones must be lazy).
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(
      'export async function resolve(s, c, next) { const r = await next(s, c); if (r.url.startsWith("file:")) console.log("IMPORT " + r.url); return r; }',
    ),
);
