import { defineCommand } from '../command.js';

export default defineCommand<{ alias: string; force?: boolean; verify?: boolean }>({
  name: 'promote',
  summary: 'point an alias (default production) at a model version',
  arguments: [
    { name: '[version]', description: 'version to promote, e.g. v1.1 (asked when omitted on a terminal)' },
  ],
  options: [
    { flags: '--alias <name>', description: 'alias to move', default: 'production' },
    {
      flags: '--verify',
      description: "check every artifact's sha256 first (reads the whole model; sizes are always checked)",
    },
    {
      flags: '--force',
      description: 'rewrite the alias even when its object is damaged (recorded as a repair in history)',
    },
  ],
  examples: [
    'mlops promote v1.1',
    'mlops promote v2.0 --alias staging --verify',
    'mlops promote v1.1 --alias production --force',
  ],
  async handler(ctx, [version], { alias, force, verify }) {
    const config = await ctx.config();
    const registry = await ctx.registry(config);
    const chosen =
      version ??
      (await ctx.io.request({
        kind: 'select',
        message: `Version of ${registry.model} to promote to ${alias}`,
        flag: 'the version argument (mlops promote <version>)',
        choices: (await registry.versions()).reverse().map((v) => ({ value: v })),
      }));
    const { promote } = await import('../../core/promote.js');
    const result = await promote({
      registry,
      version: chosen,
      alias,
      actor: ctx.actor(),
      io: ctx.io,
      force: force === true,
      verify: verify === true,
    });
    return {
      json: result,
      human: (print) =>
        print(
          result.repaired
            ? `${result.model}: ${alias} repaired → ${result.version} (recorded in the alias history)`
            : result.changed
              ? `${result.model}: ${alias} → ${result.version} (was ${result.previous ?? 'unset'})`
              : `${result.model}: ${alias} already at ${result.version}`,
        ),
    };
  },
});
