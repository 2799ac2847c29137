import path from 'node:path';
import { usageError } from '../../kernel/errors.js';
import { defineCommand } from '../command.js';
import { numberFlag } from '../flags.js';
import { table } from '../terminal.js';

interface DriftFlags {
  data?: string;
  version?: string;
  failAbove?: string;
}

/** The exit code of a passed --fail-above: distinct from errors (1, 2) so that a CI gate can tell. */
const DRIFTED = 3;

export default defineCommand<DriftFlags>({
  name: 'drift',
  summary: "compare production rows (CSV) with a version's training baseline: PSI per feature",
  options: [
    { flags: '--data <file.csv>', description: 'production rows with the model’s feature columns' },
    { flags: '--version <version>', description: 'version or alias (default: serve.alias, as serve)' },
    { flags: '--fail-above <psi>', description: `exit ${DRIFTED} when a feature's PSI passes it (e.g. 0.2)` },
  ],
  examples: [
    'mlops drift --data last-week.csv',
    'mlops drift --data last-week.csv --version v1.2 --json',
    'mlops drift --data last-week.csv --fail-above 0.2',
  ],
  async handler(ctx, _args, flags) {
    if (flags.data === undefined) {
      throw usageError(
        'No rows to compare.',
        'MLOPS_USAGE_E1002',
        'Pass --data rows.csv: a CSV with a header naming the model’s features.',
      );
    }
    const failAbove = numberFlag('--fail-above', flags.failAbove, {
      min: 0,
      max: 1000,
      example: '--fail-above 0.2',
    });
    const config = await ctx.config();
    const registry = await ctx.registry(config);
    const { measureDrift } = await import('../../core/drift.js');
    const result = await measureDrift({
      registry,
      ref: flags.version ?? config.config.serve.alias,
      data: path.resolve(ctx.process.cwd, flags.data),
      shown: flags.data,
      backend: config.config.train.backend,
    });
    const over = failAbove === undefined ? [] : result.features.filter((f) => f.psi > failAbove);
    return {
      json: { ...result, ...(failAbove === undefined ? {} : { failAbove, failed: over.length > 0 }) },
      exitCode: over.length > 0 ? DRIFTED : 0,
      human: (print, style) => {
        print(`${result.model} ${result.version}: ${result.rows} rows against the training baseline`);
        const colour = (verdict: string, text: string) =>
          verdict === 'drift' ? style.red(text) : verdict === 'moderate' ? style.yellow(text) : text;
        print(
          table(
            ['FEATURE', 'PSI', 'VERDICT'],
            result.features.map((f) => [f.feature, f.psi.toFixed(4), colour(f.verdict, f.verdict)]),
          ),
        );
        const p = result.predictions;
        print(`Predictions: PSI ${p.psi.toFixed(4)} (${colour(p.verdict, p.verdict)})`);
        if (over.length > 0) {
          print(
            style.red(
              `${over.length} feature(s) above --fail-above ${failAbove}: ${over.map((f) => f.feature).join(', ')}.`,
            ),
          );
        }
      },
    };
  },
});
