import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { MlopsError, usageError } from '../../kernel/errors.js';
import { defineCommand } from '../command.js';
import type { CommandContext } from '../context.js';
import { numberFlag } from '../flags.js';
import { formatNumber, table } from '../terminal.js';

interface PredictFlags {
  url?: string;
  data?: string;
  file?: string;
  protocol: string;
  model?: string;
  batchSize: string;
}

const PROTOCOL_NAMES = ['simple', 'tfserving', 'v2'];

export default defineCommand<PredictFlags>({
  name: 'predict',
  summary: 'send rows to a server and print predictions',
  options: [
    { flags: '--url <url>', description: 'server base URL (default: http://127.0.0.1:<serve.port>)' },
    {
      flags: '--data <json>',
      description: 'one row ([5.1, 3.5, 1.4, 0.2] or {"feature": value}) or a list of rows',
    },
    { flags: '--file <path>', description: 'rows from a .csv (with a header), .jsonl or .json file' },
    { flags: '--protocol <name>', description: 'simple, tfserving or v2', default: 'simple' },
    { flags: '--model <name>', description: 'model name for tfserving and v2 (default: the server’s)' },
    { flags: '--batch-size <rows>', description: 'rows per request with --file', default: '500' },
  ],
  examples: [
    "mlops predict --data '[5.1, 3.5, 1.4, 0.2]'",
    'mlops predict --file data/iris.csv --json',
    'mlops predict --url http://127.0.0.1:8080 --protocol v2 --data \'{"sepal_length_cm": 5.1, …}\'',
  ],
  async handler(ctx, _args, flags) {
    if ((flags.data === undefined) === (flags.file === undefined)) {
      throw usageError(
        flags.data === undefined ? 'Nothing to predict.' : 'Give --data or --file, not both.',
        'MLOPS_USAGE_E1002',
        "Pass --data '[5.1, 3.5, 1.4, 0.2]' (a row or a list of rows) or --file rows.csv|rows.jsonl.",
      );
    }
    if (!PROTOCOL_NAMES.includes(flags.protocol)) {
      throw usageError(
        `--protocol ${flags.protocol} is not one of ${PROTOCOL_NAMES.join(', ')}.`,
        'MLOPS_USAGE_E1002',
        `e.g. --protocol ${PROTOCOL_NAMES[0]} (the server speaks all of them)`,
      );
    }
    const batchSize =
      numberFlag('--batch-size', flags.batchSize, {
        min: 1,
        max: 100_000,
        integer: true,
        example: '--batch-size 500',
      }) ?? 500;
    const url = flags.url ?? (await defaultUrl(ctx));
    // undici parses HTTP with llhttp compiled to WebAssembly, which V8 re-optimizes in background
    // threads that node waits for before exiting: ~100 ms of a ~250 ms command. The baseline wasm
    // compiler is ample for a short client, so this process keeps to it (set before undici loads).
    setFlagsFromString('--liftoff-only');
    const [{ PredictClient }, { rowsFromFile, rowsFromJson }] = await Promise.all([
      import('../../serving/client.js'),
      import('../../serving/client-rows.js'),
    ]);
    const rows =
      flags.file !== undefined
        ? await rowsFromFile(path.resolve(ctx.process.cwd, flags.file), flags.file)
        : rowsFromJson(flags.data ?? '');
    const client = new PredictClient({
      url,
      protocol: flags.protocol as 'simple' | 'tfserving' | 'v2',
      model: flags.model,
    });
    try {
      // Files often carry more columns than the model reads (the label, ids): keep only its features.
      let send = rows;
      const first = rows[0];
      if (flags.file !== undefined && first !== undefined && !Array.isArray(first)) {
        const features = await client.features();
        const extra = features ? Object.keys(first).filter((c) => !features.includes(c)) : [];
        if (features && extra.length) {
          ctx.io.notify({
            level: 'info',
            event: 'ignored-columns',
            message: `Ignoring column${extra.length > 1 ? 's' : ''} the model does not use: ${extra.join(', ')}`,
          });
          send = rows.map((row) =>
            Object.fromEntries(features.map((f) => [f, (row as Record<string, unknown>)[f] ?? null])),
          );
        }
      }
      const predictions: { label: string | number; probabilities?: Readonly<Record<string, number>> }[] = [];
      const versions = new Set<string>();
      const progress = ctx.io.progress('Predicting', send.length);
      for (let i = 0; i < send.length; i += batchSize) {
        const result = await client.predict(send.slice(i, i + batchSize));
        predictions.push(...result.predictions);
        versions.add(result.model_version);
        progress.update(Math.min(i + batchSize, send.length));
      }
      progress.done();
      const model_version = [...versions].at(-1) ?? '';
      if (versions.size > 1) {
        ctx.io.notify({
          level: 'warn',
          event: 'version-changed',
          message: `The server switched versions during the run (${[...versions].join(' → ')}).`,
        });
      }
      const document = { model_version, predictions };
      return {
        json: document,
        human: (print, style) => {
          const classes = Object.keys(predictions[0]?.probabilities ?? {});
          const shown = classes.length <= 6 ? classes : [];
          print(style.dim(`${url} · model version ${model_version} · ${predictions.length} rows`));
          print(
            table(
              [
                '#',
                'LABEL',
                ...shown.map((c) => `P(${c})`),
                ...(shown.length || !classes.length ? [] : ['P']),
              ],
              predictions.map((p, i) => [
                String(i + 1),
                typeof p.label === 'number' ? formatNumber(p.label) : p.label,
                ...shown.map((c) => formatNumber(p.probabilities?.[c], 3)),
                ...(shown.length || !classes.length
                  ? []
                  : [formatNumber(p.probabilities?.[String(p.label)], 3)]),
              ]),
            ),
          );
        },
      };
    } finally {
      await client.close();
    }
  },
});

/**
 * The local server of this project: serve.host and serve.port of the config (MLOPS_SERVE_* apply);
 * http://127.0.0.1:8080 outside a project. A wildcard bind address is reached over loopback.
 */
async function defaultUrl(ctx: CommandContext): Promise<string> {
  let host = '127.0.0.1';
  let port = 8080;
  try {
    const { config } = await ctx.config();
    port = config.serve.port;
    if (!['0.0.0.0', '::', '[::]'].includes(config.serve.host)) host = config.serve.host;
  } catch (error) {
    if (!(MlopsError.is(error) && error.code === 'MLOPS_CONFIG_E2001')) throw error;
    const fromEnv = Number(ctx.process.env.MLOPS_SERVE_PORT);
    if (Number.isInteger(fromEnv) && fromEnv > 0) port = fromEnv;
  }
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
