import { defineCommand } from '../command.js';
import { formatNumber, table } from '../terminal.js';

export default defineCommand({
  name: 'models list',
  summary: 'list the registered versions with their metrics and aliases',
  examples: ['mlops models list', 'mlops models list --json | jq .aliases.production'],
  async handler(ctx) {
    const config = await ctx.config();
    const registry = await ctx.registry(config);
    const aliases = await registry.aliases();
    const versions = await registry.summaries(aliases);
    const json = { model: registry.model, registry: registry.store.uri, aliases, versions };
    return {
      json,
      human: (print, style) => {
        if (versions.length === 0) {
          print(`No versions of ${registry.model} yet. Run ${style.bold('mlops train --local')}.`);
          return;
        }
        const metricNames = [...new Set(versions.flatMap((v) => Object.keys(v.metrics)))].filter((m) =>
          ['accuracy', 'macroF1', 'rmse', 'r2'].includes(m),
        );
        print(
          table(
            ['VERSION', 'CREATED', ...metricNames.map((m) => m.toUpperCase()), 'ALIASES'],
            [...versions]
              .reverse()
              .map((v) => [
                v.version,
                v.createdAt.replace('T', ' ').slice(0, 19),
                ...metricNames.map((m) => formatNumber(v.metrics[m])),
                v.aliases.join(', '),
              ]),
          ),
        );
      },
    };
  },
});
