import { defineCommand } from '../command.js';

interface StatusFlags {
  context?: string;
}

export default defineCommand<StatusFlags>({
  name: 'status',
  summary: 'what runs where: aliases, training Jobs, the Deployment’s health and the version each pod serves',
  options: [
    {
      flags: '--context <name>',
      description: 'kubeconfig context (default: cluster.context, else the current one)',
    },
  ],
  examples: ['mlops status', 'mlops status --json', 'mlops status --context staging'],
  async handler(ctx, _args, flags) {
    const loaded = await ctx.config();
    const [{ readStatus }, { printStatus }] = await Promise.all([
      import('../../core/status/read.js'),
      import('./status-print.js'),
    ]);
    const report = await readStatus({
      config: loaded.config,
      registry: () => ctx.registry(loaded),
      cluster: () => ctx.cluster(loaded, flags.context),
      signal: ctx.process.signal,
    });
    return { json: report, human: (print, style) => printStatus(report, print, style) };
  },
});
