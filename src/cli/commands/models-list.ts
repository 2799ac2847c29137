import { compareVersions, requireVersion } from '../../core/version.js';
import { defineCommand } from '../command.js';
import { formatNumber, table } from '../terminal.js';

export default defineCommand({
  name: 'models list',
  summary: 'list the registered versions with their metrics and aliases (damaged ones marked)',
  examples: ['mlops models list', 'mlops models list --json | jq .aliases.production'],
  async handler(ctx) {
    const config = await ctx.config();
    const registry = await ctx.registry(config);
    // tolerant reads: a damaged alias or manifest is shown as such, never hides the rest
    const aliasTable = await registry.aliasTable();
    const { aliases } = aliasTable;
    const { versions, damaged } = await registry.catalog(aliases);
    const json = {
      model: registry.model,
      registry: registry.store.uri,
      aliases,
      versions,
      damaged,
      damagedAliases: aliasTable.damaged,
    };
    return {
      json,
      human: (print, style) => {
        if (versions.length === 0 && damaged.length === 0) {
          print(`No versions of ${registry.model} yet. Run ${style.bold('mlops train --local')}.`);
        } else {
          const metricNames = [...new Set(versions.flatMap((v) => Object.keys(v.metrics)))].filter((m) =>
            ['accuracy', 'macroF1', 'rmse', 'r2'].includes(m),
          );
          const aliasesOf = (version: string) =>
            Object.keys(aliases).filter((alias) => aliases[alias] === version);
          const rows = [
            ...versions.map((v) => ({
              version: v.version,
              cells: [
                v.createdAt.replace('T', ' ').slice(0, 19),
                ...metricNames.map((m) => formatNumber(v.metrics[m])),
                v.aliases.join(', '),
              ],
            })),
            ...damaged.map((d) => ({
              version: d.version,
              cells: ['DAMAGED', ...metricNames.map(() => '-'), aliasesOf(d.version).join(', ')],
            })),
          ].sort((a, b) => compareVersions(requireVersion(b.version), requireVersion(a.version)));
          print(
            table(
              ['VERSION', 'CREATED', ...metricNames.map((m) => m.toUpperCase()), 'ALIASES'],
              rows.map((r) => [r.version, ...r.cells]),
            ),
          );
        }
        for (const d of damaged) {
          print(
            style.yellow(
              `! ${d.version}: its manifest is damaged (${d.reason}); \`mlops models verify ${d.version}\` checks it.`,
            ),
          );
        }
        for (const a of aliasTable.damaged) {
          print(style.yellow(`! alias ${a.alias} is damaged (${a.reason}); repair it: ${a.repair}`));
        }
      },
    };
  },
});
