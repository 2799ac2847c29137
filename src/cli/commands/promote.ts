import { defineCommand } from '../command.js';

export default defineCommand<{ alias: string }>({
  name: 'promote',
  summary: 'point an alias (default production) at a model version',
  arguments: [
    { name: '[version]', description: 'version to promote, e.g. v1.1 (asked when omitted on a terminal)' },
  ],
  options: [{ flags: '--alias <name>', description: 'alias to move', default: 'production' }],
  examples: ['mlops promote v1.1', 'mlops promote v2.0 --alias staging'],
  async handler(ctx, [version], { alias }) {
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
    const result = await promote({ registry, version: chosen, alias, actor: ctx.actor(), io: ctx.io });
    return {
      json: result,
      human: (print) =>
        print(
          result.changed
            ? `${result.model}: ${alias} → ${result.version} (was ${result.previous ?? 'unset'})`
            : `${result.model}: ${alias} already at ${result.version}`,
        ),
    };
  },
});
