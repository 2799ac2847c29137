import path from 'node:path';
import { defineCommand } from '../command.js';
import { isCi, type CliEnv } from '../context.js';

interface ReportFlags {
  compare?: string;
  out?: string;
  open?: boolean;
}

/**
 * Opens the report in the default browser without waiting for it (the opener may live as long as the
 * browser), in the CLI's environment. A missing opener is not an error: the file is written, its path printed.
 */
async function openInBrowser(file: string, env: CliEnv['env']): Promise<void> {
  const { execa } = await import('execa');
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [file]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', file]]
        : ['xdg-open', [file]];
  const child = execa(command, args, {
    detached: true,
    stdio: 'ignore',
    reject: false,
    env,
    extendEnv: false,
  });
  child.unref();
  // reject: false covers a failed exit; this covers a spawn failure (no xdg-open) without an unhandled rejection
  child.catch(() => undefined);
}

export default defineCommand<ReportFlags>({
  name: 'models report',
  summary:
    'write a self-contained HTML report of a version (charts, lineage); --compare sets two side by side',
  arguments: [
    { name: '[version]', description: 'a version (v1.1) or an alias (production); default: the newest' },
  ],
  options: [
    {
      flags: '--compare <version>',
      description: 'a second version or alias: both side by side, differences marked',
    },
    {
      flags: '--out <file>',
      description: 'where to write (default: report-<model>-<version>[-vs-<version>].html here)',
    },
    { flags: '--open', description: 'open the report in the default browser (at a terminal, not in CI)' },
  ],
  examples: [
    'mlops models report',
    'mlops models report production --compare v1.0 --open',
    'mlops models report v1.2 --out reports/v1.2.html --json',
  ],
  async handler(ctx, [ref], flags) {
    const config = await ctx.config();
    const registry = await ctx.registry(config);
    const { makeReport, reportFileName, writeReport } = await import('../../core/report/make-report.js');
    const report = await makeReport({ registry, ref, compare: flags.compare });
    const file = path.resolve(ctx.process.cwd, flags.out ?? reportFileName(report.model, report.versions));
    const bytes = await writeReport(file, report.html);
    const canOpen = ctx.process.stdout.isTTY === true && !isCi(ctx.process.env);
    if (flags.open && canOpen) await openInBrowser(file, ctx.process.env);
    const opened = flags.open === true && canOpen;
    return {
      json: { event: 'report', path: file, bytes, versions: report.versions, opened },
      human: (print, style) => {
        const what = report.versions.join(' vs ');
        print(`Wrote ${style.bold(file)} (${report.model} ${what}, ${(bytes / 1024).toFixed(1)} KB).`);
        if (flags.open && !opened)
          print(style.dim('--open ignored: not at a terminal (or CI is set); open the file yourself.'));
      },
    };
  },
});
