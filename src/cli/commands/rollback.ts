import { defineCommand } from '../command.js';

export default defineCommand<{ alias: string }>({
  name: 'rollback',
  summary: 'point an alias back at its previous version (undo the last promotion)',
  options: [{ flags: '--alias <name>', description: 'alias to roll back', default: 'production' }],
  examples: ['mlops rollback', 'mlops rollback --alias staging'],
  async handler(ctx, _args, { alias }) {
    const config = await ctx.config();
    const registry = await ctx.registry(config);
    const { rollback } = await import('../../core/promote.js');
    const result = await rollback({ registry, alias, actor: ctx.actor(), io: ctx.io });
    return {
      json: result,
      human: (print) =>
        print(`${result.model}: ${alias} → ${result.version} (was ${result.previous ?? 'unset'})`),
    };
  },
});
