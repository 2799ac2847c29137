import type { DoctorCheck } from '../../core/doctor.js';
import { defineCommand } from '../command.js';

export default defineCommand({
  name: 'doctor',
  summary:
    'check Node, the ML backend, terraform, the cluster, image builders, AWS credentials and the registry',
  async handler(ctx) {
    const doctor = await import('../../core/doctor.js');
    const env = ctx.process.env;
    const config = await ctx.config().catch((error: unknown) => error as Error);
    const configCheck: DoctorCheck = {
      name: 'config',
      async run() {
        if (!(config instanceof Error)) return { status: 'ok', detail: config.file };
        return doctor.checkFromError(config, 'warn');
      },
    };
    const checks: DoctorCheck[] = [
      doctor.nodeCheck(),
      configCheck,
      doctor.backendCheck(config instanceof Error ? 'auto' : config.config.train.backend),
      {
        name: 'terraform',
        async run() {
          const { createInfraRunner } = await import('../../../providers/aws/infra/terraform-runner.js');
          try {
            const { version } = await createInfraRunner(env).check({ io: ctx.io });
            return { status: 'ok', detail: `terraform ${version}` };
          } catch (error) {
            // Only `mlops infra` needs it: a miss is a warning, not a failure of the local workflow.
            return doctor.checkFromError(error, 'warn', ' (needed by mlops infra)');
          }
        },
      },
      config instanceof Error
        ? doctor.clusterCheck(() => ctx.cluster())
        : doctor.clusterCheck(() => ctx.cluster(config), config.config),
      doctor.builderCheck(),
      doctor.awsCheck(env),
    ];
    if (!(config instanceof Error)) {
      checks.push({
        name: 'registry',
        run: async () => {
          const registry = await ctx.registry(config);
          const aliasTable = await registry.aliasTable();
          const { versions, damaged } = await registry.catalog(aliasTable.aliases);
          const where = `${registry.store.uri} (${versions.length} version(s) of ${registry.model}`;
          // a damaged alias breaks serving and promoting it; a damaged version leaves the others usable
          if (aliasTable.damaged.length) {
            return {
              status: 'fail',
              detail: `${where}; damaged alias: ${aliasTable.damaged.map((a) => `${a.alias} (${a.reason})`).join(', ')})`,
              fix: `Rewrite it: ${aliasTable.damaged.map((a) => a.repair).join('; ')}`,
            };
          }
          // what train needs: a write and a delete of one small object (read-only hosts only serve)
          const unwritable = await registry.checkWritable(ctx.actor()).then(
            () => undefined,
            (error: unknown) => doctor.checkFromError(error, 'warn', ' (train --local needs to write)'),
          );
          if (unwritable) return unwritable;
          if (damaged.length) {
            return {
              status: 'warn',
              detail: `${where}; damaged manifest: ${damaged.map((d) => `${d.version} (${d.reason})`).join(', ')})`,
              fix: '`mlops models verify` checks every version; restore the damaged manifests from a backup.',
            };
          }
          return { status: 'ok', detail: `${where}, writable)` };
        },
      });
    }
    const results = await doctor.runDoctor(checks);
    const failed = results.filter((r) => r.status === 'fail');
    return {
      json: { ok: failed.length === 0, checks: results },
      exitCode: failed.length ? 1 : 0,
      human: (print, style) => {
        for (const r of results) {
          const mark =
            r.status === 'ok' ? style.green('✓') : r.status === 'warn' ? style.yellow('!') : style.red('✗');
          print(`${mark} ${r.name.padEnd(16)} ${r.detail}`);
          if (r.fix && r.status !== 'ok') print(`  ${' '.repeat(16)} ${style.dim(r.fix)}`);
        }
        if (failed.length)
          print(style.red(`${failed.length} check(s) failed: ${failed.map((f) => f.name).join(', ')}.`));
      },
    };
  },
});
