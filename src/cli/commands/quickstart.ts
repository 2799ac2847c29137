import { defineCommand } from '../command.js';
import { formatNumber } from '../terminal.js';

export default defineCommand<{ dataset?: string; force?: boolean }>({
  name: 'quickstart',
  summary:
    'one command, no cloud: scaffold a demo project, train it, register v1.0, promote it, serve it and ask it a prediction',
  arguments: [{ name: '[dir]', description: 'directory for the demo project (default: mlops-demo)' }],
  options: [
    { flags: '--dataset <name>', description: 'iris, wine, breast_cancer or synthetic (default: iris)' },
    { flags: '--force', description: 'overwrite the files of an existing demo project' },
  ],
  examples: ['mlops quickstart demo --yes'],
  async handler(ctx, [dir], flags) {
    const path = await import('node:path');
    const { quickstart } = await import('../../core/quickstart.js');
    const result = await quickstart({
      dir: path.resolve(ctx.process.cwd, dir ?? 'mlops-demo'),
      io: ctx.io,
      actor: ctx.actor(),
      dataset: flags.dataset,
      force: flags.force,
      openRegistry: (loaded) => ctx.registry(loaded),
      installDependencies: (project) => ctx.installDependencies(project),
    });
    const rel = path.relative(ctx.process.cwd, result.dir) || '.';
    return {
      json: result,
      human: (print, style) => {
        print();
        print(
          style.bold(
            `${result.model} ${result.version} is trained, registered and promoted to ${result.alias}.`,
          ),
        );
        print(`  accuracy ${formatNumber(result.metrics.accuracy)}   registry ${result.registry}`);
        const { prediction: p } = result;
        const confidence = p.probabilities?.[String(p.label)];
        print(
          `  served on ${p.url} and asked for one row: ${JSON.stringify(p.row)} → ${style.bold(String(p.label))}${
            confidence === undefined ? '' : ` (p=${formatNumber(confidence, 3)})`
          } from ${p.model_version}`,
        );
        print();
        print('What you can run next:');
        for (const line of result.next) print(`  ${style.cyan(line.replace(/^cd \S+/, `cd ${rel}`))}`);
      },
    };
  },
});
