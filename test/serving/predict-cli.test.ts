import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runBin, runMlops } from '../support/run-mlops.js';
import { tempDir } from '../support/temp-dir.js';
import { http, IRIS_FEATURES, irisProject, parseMetrics, SETOSA, startServer, VIRGINICA } from './fixture.js';

interface PredictJson {
  model_version: string;
  predictions: { label: string; probabilities: Record<string, number> }[];
}

const root = tempDir();
let dir: string;
let server: Awaited<ReturnType<typeof startServer>>;
let url: string;

beforeAll(async () => {
  dir = await irisProject(root);
  server = await startServer(dir);
  url = server.url;
}, 120_000);
afterAll(() => server?.stop());

const predict = (args: string[], env?: Record<string, string>) =>
  runMlops(['predict', ...args], { cwd: dir, env });

describe('mlops predict', () => {
  it('--data one row → --json {model_version, predictions: [{label, probabilities}]}', async () => {
    const res = await predict(['--url', url, '--data', JSON.stringify(SETOSA), '--json']);
    expect(res.code).toBe(0);
    const body = res.json<PredictJson>();
    expect(Object.keys(body)).toEqual(['model_version', 'predictions']);
    expect(body.model_version).toBe('v1.0');
    expect(body.predictions).toHaveLength(1);
    expect(Object.keys(body.predictions[0] ?? {})).toEqual(['label', 'probabilities']);
    expect(body.predictions[0]?.label).toBe('setosa');
    expect(Object.keys(body.predictions[0]?.probabilities ?? {})).toEqual([
      'setosa',
      'versicolor',
      'virginica',
    ]);
  });

  it('--data: a list of rows, rows keyed by feature name, or a request body', async () => {
    const named = Object.fromEntries(IRIS_FEATURES.map((f, i) => [f, VIRGINICA[i]]));
    for (const data of [[SETOSA, VIRGINICA], [SETOSA, named], { instances: [SETOSA, named] }]) {
      const res = await predict(['--url', url, '--data', JSON.stringify(data), '--json']);
      expect(res.code).toBe(0);
      expect(res.json<PredictJson>().predictions.map((p) => p.label)).toEqual(['setosa', 'virginica']);
    }
  });

  it('without --json: a table with the label and each class probability', async () => {
    const res = await predict(['--url', url, '--data', JSON.stringify([SETOSA, VIRGINICA])]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^#\s+LABEL\s+P\(setosa\)\s+P\(versicolor\)\s+P\(virginica\)$/m);
    expect(res.stdout).toMatch(/^1\s+setosa\s+\d\.\d{3}/m);
    expect(res.stdout).toMatch(/^2\s+virginica\s/m);
    expect(res.stdout).toContain('model version v1.0');
  });

  it('--file CSV with a header: extra columns (the label) are dropped, rows sent in batches', async () => {
    const before =
      parseMetrics((await http(`${url}/metrics`)).text).get(
        'ml_requests_total{endpoint="/predict",status="200"}',
      ) ?? 0;
    const res = await predict(['--url', url, '--file', 'data/iris.csv', '--batch-size', '40', '--json']);
    expect(res.code, res.stdout).toBe(0);
    const body = res.json<PredictJson>();
    expect(body.predictions).toHaveLength(150);
    const truth = readFileSync(path.join(dir, 'data', 'iris.csv'), 'utf8')
      .trim()
      .split(/\r?\n/)
      .slice(1)
      .map((l) => l.split(',').at(-1));
    const accuracy = body.predictions.filter((p, i) => p.label === truth[i]).length / 150;
    expect(accuracy).toBeGreaterThan(0.8);
    const after =
      parseMetrics((await http(`${url}/metrics`)).text).get(
        'ml_requests_total{endpoint="/predict",status="200"}',
      ) ?? 0;
    expect(after - before).toBe(4); // 150 rows / 40 per request
  });

  it('--file JSONL (arrays or objects per line), over every protocol, with the same answers', async () => {
    const file = path.join(root, 'rows.jsonl');
    const named = Object.fromEntries(IRIS_FEATURES.map((f, i) => [f, VIRGINICA[i]]));
    writeFileSync(file, `${JSON.stringify(named)}\n\n${JSON.stringify(named)}\n`);
    const arrays = path.join(root, 'arrays.jsonl');
    writeFileSync(arrays, `${JSON.stringify(SETOSA)}\n${JSON.stringify(VIRGINICA)}\n`);
    for (const protocol of ['simple', 'tfserving', 'v2']) {
      const objects = await predict(['--url', url, '--file', file, '--protocol', protocol, '--json']);
      expect(objects.code, objects.stdout).toBe(0);
      expect(objects.json<PredictJson>().predictions.map((p) => p.label)).toEqual(['virginica', 'virginica']);
      const rows = await predict(['--url', url, '--file', arrays, '--protocol', protocol, '--json']);
      expect(rows.code, rows.stdout).toBe(0);
      const body = rows.json<PredictJson>();
      expect(body.model_version).toBe('v1.0');
      expect(body.predictions.map((p) => p.label)).toEqual(['setosa', 'virginica']);
      expect(Object.keys(body.predictions[0]?.probabilities ?? {})).toEqual([
        'setosa',
        'versicolor',
        'virginica',
      ]);
    }
  });

  it('the default URL is the project’s serve.port (MLOPS_SERVE_PORT applies)', async () => {
    const res = await predict(['--data', JSON.stringify(SETOSA), '--json'], {
      MLOPS_SERVE_PORT: String(server.port),
    });
    expect(res.code).toBe(0);
    expect(res.json<PredictJson>().model_version).toBe('v1.0');
  });

  it('rows the server rejects: exit 2 with its message', async () => {
    const res = await predict(['--url', url, '--data', '[1, 2, 3]', '--json']);
    expect(res.code).toBe(2);
    expect(res.json<{ error: { code: string; message: string; hint: string } }>().error).toMatchObject({
      code: 'MLOPS_SERVE_E8002',
      message: expect.stringContaining('instances[0] has 3 values; the model takes 4'),
      hint: expect.stringContaining('one value per feature'),
    });
    const model = await predict([
      '--url',
      url,
      '--protocol',
      'v2',
      '--model',
      'wine',
      '--data',
      JSON.stringify(SETOSA),
      '--json',
    ]);
    expect(model.code).toBe(2);
    expect(model.json<{ error: { message: string } }>().error.message).toContain('this server serves "iris"');
  });

  it('no server there: exit 1, a clear error and a hint to run mlops serve', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const res = await predict([
      '--url',
      `http://127.0.0.1:${port}`,
      '--data',
      JSON.stringify(SETOSA),
      '--json',
    ]);
    expect(res.code).toBe(1);
    expect(res.json<{ error: { code: string; message: string; hint: string } }>().error).toEqual({
      code: 'MLOPS_SERVE_E8001',
      message: `No server is listening at http://127.0.0.1:${port}.`,
      hint: expect.stringContaining('mlops serve'),
    });
  });

  it('usage errors: nothing to send, both inputs, bad JSON, unknown protocol, bad URL', async () => {
    const cases: [string[], string][] = [
      [['--url', url], 'MLOPS_USAGE_E1002'],
      [['--url', url, '--data', '[1]', '--file', 'x.csv'], 'MLOPS_USAGE_E1002'],
      [['--url', url, '--data', '[1, 2'], 'MLOPS_SERVE_E8005'],
      [['--url', url, '--data', '[1]', '--protocol', 'grpc'], 'MLOPS_USAGE_E1002'],
      [['--url', 'localhost:8080', '--data', '[1]'], 'MLOPS_USAGE_E1002'],
      [['--url', url, '--file', 'missing.csv'], 'MLOPS_SERVE_E8005'],
    ];
    for (const [args, code] of cases) {
      const res = await predict([...args, '--json']);
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.json<{ error: { code: string } }>().error.code, args.join(' ')).toBe(code);
    }
  });

  it('without --url, a local server that answers at serve.port is used at once: the cluster is not asked', async () => {
    const project = tempDir('mlops-predict-local-');
    const home = tempDir('mlops-predict-home-');
    writeFileSync(
      path.join(project, 'mlops.config.json'),
      JSON.stringify({ name: 'iris', serve: { port: Number(new URL(url).port) } }),
    );
    // a kubeconfig whose server nothing answers: asking it would load the Kubernetes client
    mkdirSync(path.join(home, '.kube'));
    writeFileSync(
      path.join(home, '.kube', 'config'),
      'apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters: [{name: k, cluster: {server: "https://127.0.0.1:9"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: c, context: {cluster: k, user: u}}]\n',
    );
    const res = await runBin(['predict', '--data', JSON.stringify(SETOSA)], {
      cwd: project,
      env: { HOME: home },
      nodeArgs: ['--import', path.join(repoRoot, 'test/support/trace-imports.mjs')],
    });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^1\s+setosa/m);
    expect(res.stderr).not.toContain('Sending to the deployment');
    const imported = res.stdout.split('\n').filter((l) => l.startsWith('IMPORT '));
    expect(
      imported.filter(
        (l) => l.includes('/node_modules/@kubernetes/') || l.includes('/providers/kubernetes/'),
      ),
    ).toEqual([]);
  });

  it('the built `mlops predict` loads neither tfjs nor prom-client nor the server', async () => {
    const res = await runBin(['predict', '--url', url, '--data', JSON.stringify(SETOSA)], {
      cwd: dir,
      nodeArgs: ['--import', path.join(repoRoot, 'test/support/trace-imports.mjs')],
    });
    expect(res.code, res.stderr).toBe(0);
    const out = res.stdout;
    expect(out).toMatch(/^1\s+setosa/m);
    const imported = out.split('\n').filter((l) => l.startsWith('IMPORT '));
    for (const heavy of [
      '/node_modules/@tensorflow/',
      '/node_modules/prom-client/',
      '/dist/src/serving/app.js',
      '/dist/src/ml/index.js',
    ]) {
      expect(
        imported.filter((l) => l.includes(heavy)),
        heavy,
      ).toEqual([]);
    }
  });
});

/**
 * An iris-shaped CSV of `rows` rows with the model's features (in another order), the label and an id:
 * even rows near SETOSA, odd rows near VIRGINICA (small jitter), so the predictions are known.
 */
function irisCsv(file: string, rows: number, columns = ['id', ...IRIS_FEATURES.toReversed(), 'species']) {
  const lines = [columns.join(',')];
  for (let r = 0; r < rows; r += 1) {
    const base = r % 2 === 0 ? SETOSA : VIRGINICA;
    const values: Record<string, string> = {
      id: String(r + 1),
      species: r % 2 === 0 ? 'setosa' : 'virginica',
    };
    IRIS_FEATURES.forEach((f, i) => (values[f] = ((base[i] as number) + (r % 10) / 100).toFixed(2)));
    lines.push(columns.map((c) => values[c] ?? '').join(','));
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

const labelOf = (row: number) => (row % 2 === 0 ? 'setosa' : 'virginica');

describe('mlops predict --file with a large file', () => {
  const big = path.join(root, 'big.csv');
  beforeAll(() => irisCsv(big, 200_000));

  it('200,000 rows: exit 0, a summary (counts per class, the first rows) and where to get all', async () => {
    const res = await predict(['--url', url, '--file', big]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('model version v1.0 · 200,000 rows');
    expect(res.stdout).toMatch(/^LABEL\s+ROWS\s+SHARE$/m);
    expect(res.stdout).toMatch(/^setosa\s+100,000\s+50\.0%$/m);
    expect(res.stdout).toMatch(/^virginica\s+100,000\s+50\.0%$/m);
    expect(res.stdout).toContain('First 10 rows:');
    expect(res.stdout).toMatch(/^#\s+LABEL\s+P\(setosa\)\s+P\(versicolor\)\s+P\(virginica\)$/m);
    expect(res.stdout).toMatch(/^10\s+virginica\s/m);
    expect(res.stdout).not.toMatch(/^11\s/m);
    expect(res.stdout).toContain(
      'All 200,000 predictions: --out FILE.csv (or .jsonl) writes them to a file, --json prints them.',
    );
    expect(res.stdout.trim().split('\n').length).toBeLessThan(25);
  }, 180_000);

  it('--json gives all 200,000 predictions in row order, and --out FILE.jsonl the same', async () => {
    const res = await predict(['--url', url, '--file', big, '--out', 'all.jsonl', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const body = res.json<PredictJson>();
    expect(body.model_version).toBe('v1.0');
    expect(body.predictions).toHaveLength(200_000);
    expect(body.predictions.findIndex((p, i) => p.label !== labelOf(i))).toBe(-1);
    const lines = readFileSync(path.join(dir, 'all.jsonl'), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(200_000);
    for (const i of [0, 1, 123_457, 199_999]) expect(JSON.parse(lines[i] ?? '')).toEqual(body.predictions[i]);
  }, 180_000);

  it('--out FILE.csv: one line per row with its number, label and class probabilities', async () => {
    const file = path.join(root, 'three-hundred.csv');
    irisCsv(file, 300);
    const res = await predict(['--url', url, '--file', file, '--out', 'out.csv']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^setosa\s+150\s+50\.0%$/m);
    expect(res.stdout).toContain('All 300 predictions are in out.csv.');
    const lines = readFileSync(path.join(dir, 'out.csv'), 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('row,label,p_setosa,p_versicolor,p_virginica');
    expect(lines).toHaveLength(301);
    expect(lines[300]).toMatch(/^300,virginica,[\d.e-]+,[\d.e-]+,[\d.e-]+$/);
    const probabilities = (lines[1] ?? '').split(',').slice(2).map(Number);
    expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('a CSV without a feature column: exit 2 naming it and the columns the file has', async () => {
    const file = path.join(root, 'missing.csv');
    irisCsv(file, 5, ['sepal_length_cm', 'sepal_width_cm', 'petal_length_cm', 'species']);
    const res = await predict(['--url', url, '--file', file, '--json']);
    expect(res.code).toBe(2);
    const { error } = res.json<{ error: { code: string; message: string; hint: string } }>();
    expect(error.code).toBe('MLOPS_SERVE_E8007');
    expect(error.message).toContain('lacks the column "petal_width_cm"');
    expect(error.message).toContain('"sepal_length_cm", "sepal_width_cm", "petal_length_cm", "species"');
    expect(error.hint).toContain('petal_width_cm');
  });

  it('a bad value deep in a file: the error names the rows of the request that carried it', async () => {
    const file = path.join(root, 'bad.csv');
    irisCsv(file, 1000);
    const text = readFileSync(file, 'utf8').split('\n');
    text[700] = text[700]!.replace(/^700,[^,]+/, '700,abc');
    writeFileSync(file, text.join('\n'));
    const out = path.join(root, 'bad-predictions.jsonl');
    const res = await predict(['--url', url, '--file', file, '--batch-size', '500', '--out', out, '--json']);
    expect(res.code).toBe(2);
    const { error } = res.json<{ error: { code: string; message: string } }>();
    expect(error.code).toBe('MLOPS_SERVE_E8002');
    expect(error.message).toMatch(/^Rows 501–1,000 of .*bad\.csv: /);
    expect(error.message).toContain('instances[199]');
    // No half-written --out file (nor its temporary) is left behind.
    expect(readdirSync(root).filter((f) => f.startsWith('bad-predictions'))).toEqual([]);
  });

  it('--out of an unknown type is refused before anything is sent or written', async () => {
    const res = await predict(['--url', url, '--file', big, '--out', 'all.txt', '--json']);
    expect(res.code).toBe(2);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('MLOPS_SERVE_E8008');
    expect(existsSync(path.join(dir, 'all.txt'))).toBe(false);
  });
});
