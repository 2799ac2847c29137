import { existsSync } from 'node:fs';
import path from 'node:path';
import type { LoadedConfig } from '../../config/load.js';
import { MlopsError, usageError } from '../../kernel/errors.js';
import { formatCount } from '../../kernel/format-count.js';
import { info } from '../../kernel/io-host.js';
import type { ClientPrediction, PredictClient } from '../../serving/client.js';
import type { PredictionsFile, PredictionTally } from '../../serving/client-output.js';
import type { RowSet } from '../../serving/client-rows.js';
import { defineCommand } from '../command.js';
import type { CommandContext } from '../context.js';
import { numberFlag } from '../flags.js';
import { formatNumber, table } from '../terminal.js';

interface PredictFlags {
  url?: string;
  data?: string;
  file?: string;
  out?: string;
  protocol: string;
  model?: string;
  batchSize: string;
  wait?: string;
}

const PROTOCOL_NAMES = ['simple', 'tfserving', 'v2'];
/** Up to this many rows a person gets the whole table; past it, a summary. */
const TABLE_ROWS = 200;
/** The rows a summary shows. */
const SUMMARY_ROWS = 10;

export default defineCommand<PredictFlags>({
  name: 'predict',
  summary: 'send rows to a server and print predictions',
  options: [
    {
      flags: '--url <url>',
      description:
        'server base URL (default: the deployment’s external address when there is one, else http://127.0.0.1:<serve.port>)',
    },
    {
      flags: '--data <json>',
      description: 'one row ([5.1, 3.5, 1.4, 0.2] or {"feature": value}) or a list of rows',
    },
    { flags: '--file <path>', description: 'rows from a .csv (with a header), .jsonl or .json file' },
    {
      flags: '--out <file>',
      description: `also write every prediction to a .csv or .jsonl file (past ${TABLE_ROWS} rows the screen shows a summary)`,
    },
    { flags: '--protocol <name>', description: 'simple, tfserving or v2', default: 'simple' },
    { flags: '--model <name>', description: 'model name for tfserving and v2 (default: the server’s)' },
    { flags: '--batch-size <rows>', description: 'rows per request with --file', default: '500' },
    {
      flags: '--wait <seconds>',
      description: 'wait up to this long for the server to be ready (one just started with `mlops serve &`)',
    },
  ],
  examples: [
    "mlops predict --data '[5.1, 3.5, 1.4, 0.2]'",
    "mlops serve & mlops predict --wait 10 --data '[5.1, 3.5, 1.4, 0.2]'",
    'mlops predict --file data/iris.csv --json',
    'mlops predict --file big.csv --out predictions.csv',
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
    const wait = numberFlag('--wait', flags.wait, { min: 0, max: 3600, example: '--wait 10' }) ?? 0;
    const url = flags.url ?? (await defaultUrl(ctx));
    const [{ PredictClient }, { listRows, rowsFromFile, rowsFromJson }, output] = await Promise.all([
      import('../../serving/client.js'),
      import('../../serving/client-rows.js'),
      import('../../serving/client-output.js'),
    ]);
    if (flags.out !== undefined) output.outType(flags.out);
    const rows =
      flags.file !== undefined
        ? await rowsFromFile(path.resolve(ctx.process.cwd, flags.file), flags.file)
        : listRows(rowsFromJson(flags.data ?? ''));
    const client = new PredictClient({
      url,
      protocol: flags.protocol as 'simple' | 'tfserving' | 'v2',
      model: flags.model,
    });
    let out: PredictionsFile | undefined;
    try {
      if (wait > 0) {
        const waiting = ctx.io.progress(`Waiting for the server at ${url} to be ready`);
        try {
          await client.waitUntilReady(wait * 1000, ctx.process.signal);
        } finally {
          waiting.done();
        }
      }
      // Files often carry more columns than the model reads (the label, ids): keep only its features.
      let send = rows;
      if (flags.file !== undefined && rows.columns !== undefined) {
        const features = await client.features();
        if (features) {
          send = rows.select(features);
          const extra = rows.columns.filter((c) => !features.includes(c));
          if (extra.length) {
            ctx.io.notify({
              level: 'info',
              event: 'ignored-columns',
              message: `Ignoring column${extra.length > 1 ? 's' : ''} the model does not use: ${extra.join(', ')}`,
            });
          }
        }
      }
      if (flags.out !== undefined) {
        out = await output.PredictionsFile.create(path.resolve(ctx.process.cwd, flags.out), flags.out);
      }
      // --json needs every prediction; a person sees the table, or past TABLE_ROWS a summary.
      const tally = new output.PredictionTally(
        ctx.globals.json ? Infinity : send.count <= TABLE_ROWS ? TABLE_ROWS : SUMMARY_ROWS,
      );
      const versions = new Set<string>();
      const progress = ctx.io.progress('Predicting', send.count);
      for (let start = 0; start < send.count; start += batchSize) {
        const end = Math.min(start + batchSize, send.count);
        const result = await predictBatch(client, send, start, end, batchSize, flags.file);
        tally.add(result.predictions);
        versions.add(result.model_version);
        await out?.write(result.predictions, start);
        progress.update(end);
      }
      progress.done();
      await out?.commit();
      const model_version = [...versions].at(-1) ?? '';
      if (versions.size > 1) {
        ctx.io.notify({
          level: 'warn',
          event: 'version-changed',
          message: `The server switched versions during the run (${[...versions].join(' → ')}).`,
        });
      }
      const written = out?.shown;
      return {
        json: { model_version, predictions: tally.kept },
        human: (print, style) => {
          print(style.dim(`${url} · model version ${model_version} · ${formatCount(tally.total)} rows`));
          if (tally.total <= TABLE_ROWS) {
            print(predictionTable(tally.kept));
          } else {
            printSummary(tally, print);
          }
          if (written !== undefined) {
            print(`All ${formatCount(tally.total)} predictions are in ${written}.`);
          } else if (tally.total > TABLE_ROWS) {
            print(
              style.dim(
                `All ${formatCount(tally.total)} predictions: --out FILE.csv (or .jsonl) writes them to a file, --json prints them.`,
              ),
            );
          }
        },
      };
    } finally {
      await client.close();
      await out?.close();
    }
  },
});

/**
 * One request of `rows` [start, end). When the rows go in several requests, an error names the rows
 * of the request that failed, since the server's message counts within the request.
 */
async function predictBatch(
  client: PredictClient,
  rows: RowSet,
  start: number,
  end: number,
  batchSize: number,
  file: string | undefined,
) {
  try {
    return await client.predict(rows.slice(start, end));
  } catch (error) {
    if (rows.count <= batchSize || !MlopsError.is(error) || error.code === 'MLOPS_SERVE_E8001') throw error;
    throw new MlopsError(
      `Rows ${formatCount(start + 1)}–${formatCount(end)}${file === undefined ? '' : ` of ${file}`}: ${error.message}`,
      { code: error.code, hint: error.hint, source: error.source, cause: error },
    );
  }
}

/** The class counts (or the range of predicted values) and the first rows. */
function printSummary(tally: PredictionTally, print: (line?: string) => void): void {
  if (tally.classes.size > 0) {
    const classes = [...tally.classes].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    print(
      table(
        ['LABEL', 'ROWS', 'SHARE'],
        classes.map(([label, n]) => [label, formatCount(n), `${((100 * n) / tally.total).toFixed(1)}%`]),
      ),
    );
  }
  const v = tally.values;
  if (v.count > 0) {
    print(
      `Predicted values: min ${formatNumber(v.min)} · mean ${formatNumber(v.sum / v.count)} · max ${formatNumber(v.max)}`,
    );
  }
  print(`First ${tally.kept.length} rows:`);
  print(predictionTable(tally.kept));
}

/** `#`, the label, and the probability of each class (of the label alone when there are many). */
function predictionTable(predictions: readonly ClientPrediction[]): string {
  const classes = Object.keys(predictions[0]?.probabilities ?? {});
  const shown = classes.length <= 6 ? classes : [];
  return table(
    ['#', 'LABEL', ...shown.map((c) => `P(${c})`), ...(shown.length || !classes.length ? [] : ['P'])],
    predictions.map((p, i) => [
      String(i + 1),
      typeof p.label === 'number' ? formatNumber(p.label) : p.label,
      ...shown.map((c) => formatNumber(p.probabilities?.[c], 3)),
      ...(shown.length || !classes.length ? [] : [formatNumber(p.probabilities?.[String(p.label)], 3)]),
    ]),
  );
}

/**
 * Where predict sends without --url: the local server of serve.host and serve.port (MLOPS_SERVE_* apply;
 * http://127.0.0.1:8080 outside a project) when one answers there, else the deployed model's external
 * address when this project has a deployment that exposes one (said on stderr), else the local address
 * (whose error says to run mlops serve). Local first, so that a running `mlops serve` costs no cluster
 * lookup (the kubeconfig parser alone is ~0.6 s). A wildcard bind address is reached over loopback.
 */
async function defaultUrl(ctx: CommandContext): Promise<string> {
  let host = '127.0.0.1';
  let port = 8080;
  let loaded: LoadedConfig | undefined;
  try {
    loaded = await ctx.config();
    port = loaded.config.serve.port;
    if (!['0.0.0.0', '::', '[::]'].includes(loaded.config.serve.host)) host = loaded.config.serve.host;
  } catch (error) {
    if (!(MlopsError.is(error) && error.code === 'MLOPS_CONFIG_E2001')) throw error;
    const fromEnv = Number(ctx.process.env.MLOPS_SERVE_PORT);
    if (Number.isInteger(fromEnv) && fromEnv > 0) port = fromEnv;
  }
  const local = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  // a local server named in the environment, or one that answers, is the one in use
  const { env } = ctx.process;
  if (!loaded || env.MLOPS_SERVE_PORT || env.MLOPS_SERVE_HOST || (await answers(host, port))) return local;
  const deployed = await deployedUrl(ctx, loaded);
  if (deployed) {
    ctx.io.notify(
      info(
        'deployed-address',
        `Sending to the deployment at ${deployed.url} (${deployed.source}); --url picks another server.`,
        deployed,
      ),
    );
    return deployed.url;
  }
  return local;
}

/** Whether something accepts connections at host:port (refused at once on loopback; bounded otherwise). */
async function answers(host: string, port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 300 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

/** How long predict asks the cluster for a deployed address before it falls back to the local server. */
const CLUSTER_WAIT_MS = 2000;

/**
 * The deployment's address, when a kubeconfig exists and the cluster answers within CLUSTER_WAIT_MS;
 * any failure to ask (no access, unreachable, slow) falls back to the local server.
 */
async function deployedUrl(
  ctx: CommandContext,
  loaded: LoadedConfig,
): Promise<{ url: string; source: string } | undefined> {
  const { kubeconfigPaths } = await import('../../../providers/kubernetes/kubeconfig.js');
  if (!kubeconfigPaths(ctx.process.env).paths.some((file) => existsSync(file))) return undefined;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), CLUSTER_WAIT_MS);
  const stop = () => abort.abort();
  ctx.process.signal?.addEventListener('abort', stop);
  const gaveUp = new Promise<undefined>((resolve) =>
    abort.signal.addEventListener('abort', () => resolve(undefined)),
  );
  try {
    const ask = async () => {
      const [cluster, { deployedUrl: read }] = await Promise.all([
        ctx.cluster(loaded),
        import('../../core/status/address.js'),
      ]);
      const address = await read(cluster, loaded.config, abort.signal);
      return address?.url ? { url: address.url, source: address.source } : undefined;
    };
    return await Promise.race([ask().catch(() => undefined), gaveUp]);
  } finally {
    clearTimeout(timer);
    ctx.process.signal?.removeEventListener('abort', stop);
  }
}
