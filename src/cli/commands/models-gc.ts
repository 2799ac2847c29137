import { defineCommand } from '../command.js';
import { numberFlag } from '../flags.js';
import { table } from '../terminal.js';

interface GcFlags {
  olderThan?: string;
  keep?: string;
  dryRun?: boolean;
}

const REASONS: Readonly<Record<string, string>> = {
  aliased: 'aliased',
  'recently-aliased': 'recently aliased',
  latest: 'latest version',
  'unknown-age': 'unknown age',
};

export default defineCommand<GcFlags>({
  name: 'models gc',
  summary: 'delete versions older than the retention (default 90d), never aliased ones',
  options: [
    {
      flags: '--older-than <age>',
      description: 'remove versions older than this: 90d, 12h, 2w (default: retention.days of the config)',
    },
    {
      flags: '--keep <n>',
      description:
        'also keep versions an alias pointed to within its last N changes (default: retention.keepLastAliasChanges)',
    },
    { flags: '--dry-run', description: 'print what would be removed and delete nothing' },
  ],
  examples: [
    'mlops models gc --dry-run',
    'mlops models gc --older-than 90d --keep 5 --yes',
    'mlops models gc --older-than 30d --json --yes',
  ],
  async handler(ctx, _args, flags) {
    const config = await ctx.config();
    const keep =
      numberFlag('--keep', flags.keep, { min: 0, max: 1_000_000, integer: true, example: '--keep 10' }) ??
      config.config.retention.keepLastAliasChanges;
    const olderThan = flags.olderThan ?? `${config.config.retention.days}d`;
    const { collectGarbage, parseAge } = await import('../../core/retention.js');
    const olderThanMs = parseAge(olderThan);
    const registry = await ctx.registry(config);
    const result = await collectGarbage({
      registry,
      io: ctx.io,
      olderThanMs,
      keepLastAliasChanges: keep,
      dryRun: flags.dryRun === true,
      yes: ctx.globals.yes,
    });
    return {
      json: { ...result, olderThan },
      human: (print, style) => {
        const verb = result.dryRun ? 'Would remove' : 'Removed';
        const shown = result.dryRun ? result.candidates.map((c) => c.version) : result.removed;
        if (!result.confirmed) {
          print('Nothing deleted.');
          return;
        }
        if (shown.length === 0 && result.incomplete.length === 0) {
          print(`Nothing to remove: no unprotected version of ${result.model} is older than ${olderThan}.`);
        }
        if (shown.length > 0) {
          print(
            `${verb} ${shown.length} version${shown.length === 1 ? '' : 's'} of ${result.model} (created before ${result.cutoff}):`,
          );
          const created = new Map(result.candidates.map((c) => [c.version, c.createdAt]));
          print(
            table(
              ['VERSION', 'CREATED'],
              shown.map((v) => [v, (created.get(v) ?? '').replace('T', ' ').slice(0, 19)]),
            ),
          );
        }
        if (result.incomplete.length > 0) {
          print(
            `${verb} ${result.incomplete.length} incomplete version${result.incomplete.length === 1 ? '' : 's'} (claimed, never finished): ${result.incomplete.map((v) => v.version).join(', ')}`,
          );
        }
        const protectedOld = result.kept.filter((k) => k.reason !== 'too-young');
        if (protectedOld.length > 0) {
          print(
            style.dim(
              `Kept: ${protectedOld.map((k) => `${k.version} (${REASONS[k.reason] ?? k.reason}${k.reason === 'aliased' ? `: ${k.detail}` : ''})`).join(', ')}`,
            ),
          );
        }
        for (const d of result.damaged) {
          print(
            style.yellow(
              `! Skipped ${d.version}: its manifest is damaged (${d.reason}); \`mlops models verify ${d.version}\` checks it.`,
            ),
          );
        }
        if (result.dryRun && shown.length + result.incomplete.length > 0) {
          print(`Run without --dry-run to delete${ctx.interactive ? '' : ' (headless: add --yes)'}.`);
        }
      },
    };
  },
});
