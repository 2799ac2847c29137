import { defineCommand } from '../command.js';
import { formatNumber, sparkline, table } from '../terminal.js';

interface FullMetrics {
  perClass?: Record<string, { precision: number; recall: number; f1: number; support: number }>;
  confusionMatrix?: { labels: string[]; matrix: number[][] };
  lossCurve?: { epoch: number; loss: number; valLoss: number }[];
}

/** The latest alias changes shown to a person; --json has them all. */
const HISTORY_LINES = 20;

export default defineCommand({
  name: 'models show',
  summary: 'show one version: metrics, confusion matrix, loss curve, lineage, alias history',
  arguments: [{ name: '<version>', description: 'a version (v1.0) or an alias (production)' }],
  examples: ['mlops models show v1.0', 'mlops models show production --json'],
  async handler(ctx, [ref]) {
    const config = await ctx.config();
    const registry = await ctx.registry(config);
    const version = await registry.resolve(ref ?? '');
    const [manifest, { aliases }, history] = await Promise.all([
      registry.manifest(version),
      // another alias being damaged must not hide this version
      registry.aliasTable(),
      registry.history(),
    ]);
    // metrics.json only (verified); the other artifacts are checked by size, not downloaded
    const [metricsBytes] = await Promise.all([
      registry.artifact(manifest, 'metrics.json'),
      registry.checkArtifactSizes(manifest),
    ]);
    const metrics = (metricsBytes ? JSON.parse(new TextDecoder().decode(metricsBytes)) : {}) as FullMetrics;
    const json = {
      ...manifest,
      aliases: Object.keys(aliases).filter((a) => aliases[a] === version),
      aliasHistory: history.filter((h) => h.to === version || h.from === version),
      fullMetrics: metrics,
    };
    return {
      json,
      human: (print, style) => {
        print(
          style.bold(`${manifest.model} ${manifest.version}`) +
            (json.aliases.length ? `  (${json.aliases.join(', ')})` : ''),
        );
        print(`  created   ${manifest.createdAt} by ${manifest.createdBy}`);
        print(`  commit    ${manifest.gitCommit ?? '-'}`);
        print(
          `  data      ${manifest.data.source} (${manifest.data.rows ?? '?'} rows, sha256 ${manifest.data.sha256?.slice(0, 12) ?? '-'})`,
        );
        print(`  backend   ${manifest.backend ?? '-'}`);
        print(`  artifacts ${manifest.artifacts.map((a) => `${a.name} (${a.size} B)`).join(', ')}`);
        print();
        print(
          table(
            ['METRIC', 'VALUE'],
            Object.entries(manifest.metrics).map(([k, v]) => [k, formatNumber(v)]),
          ),
        );
        if (metrics.perClass) {
          print();
          print(
            table(
              ['CLASS', 'PRECISION', 'RECALL', 'F1', 'SUPPORT'],
              Object.entries(metrics.perClass).map(([c, m]) => [
                c,
                formatNumber(m.precision, 3),
                formatNumber(m.recall, 3),
                formatNumber(m.f1, 3),
                String(m.support),
              ]),
            ),
          );
        }
        if (metrics.confusionMatrix) {
          const { labels, matrix } = metrics.confusionMatrix;
          print();
          print('Confusion matrix (rows: true, columns: predicted)');
          print(
            table(
              ['', ...labels],
              labels.map((l, i) => [l, ...(matrix[i] ?? []).map(String)]),
            ),
          );
        }
        if (json.aliasHistory.length) {
          const shown = json.aliasHistory.slice(-HISTORY_LINES);
          print();
          print(`Alias history (${version} in or out)`);
          print(
            table(
              ['WHEN', 'ALIAS', 'ACTION', 'FROM', 'TO', 'BY'],
              shown.map((h) => [
                h.at.replace('T', ' ').slice(0, 19),
                h.alias,
                h.action,
                h.from ?? '-',
                h.to,
                h.by,
              ]),
            ),
          );
          const earlier = json.aliasHistory.length - shown.length;
          if (earlier) print(style.dim(`… and ${earlier} earlier change(s) (--json lists them all)`));
        }
        if (metrics.lossCurve?.length) {
          const curve = metrics.lossCurve;
          print();
          print(
            `Loss      ${sparkline(curve.map((p) => p.loss))}  ${formatNumber(curve[0]?.loss)} → ${formatNumber(curve.at(-1)?.loss)}`,
          );
          print(
            `Val loss  ${sparkline(curve.map((p) => p.valLoss))}  ${formatNumber(curve[0]?.valLoss)} → ${formatNumber(curve.at(-1)?.valLoss)}`,
          );
        }
      },
    };
  },
});
