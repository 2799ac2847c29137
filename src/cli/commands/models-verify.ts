import { defineCommand } from '../command.js';

export default defineCommand({
  name: 'models verify',
  summary:
    "check every artifact's sha256 of one version, or of all (exit 1 on a mismatch or a damaged manifest)",
  arguments: [
    { name: '[version]', description: 'a version (v1.0) or an alias (production); all when omitted' },
  ],
  examples: ['mlops models verify', 'mlops models verify production', 'mlops models verify v1.2 --json'],
  async handler(ctx, [ref]) {
    const config = await ctx.config();
    const registry = await ctx.registry(config);
    const checks = await registry.verify(ref === undefined ? undefined : await registry.resolve(ref));
    const failed = checks.filter((c) => c.status !== 'ok');
    return {
      json: {
        model: registry.model,
        registry: registry.store.uri,
        ok: failed.length === 0,
        versions: checks,
      },
      exitCode: failed.length ? 1 : 0,
      human: (print, style) => {
        if (checks.length === 0) {
          print(`No versions of ${registry.model} to verify.`);
          return;
        }
        for (const c of checks) {
          if (c.status === 'ok') {
            print(
              `${style.green('✓')} ${c.version}  ${c.artifacts} artifacts, ${c.bytes} bytes, sha256 verified`,
            );
          } else if (c.status === 'damaged') {
            print(`${style.red('✗')} ${c.version}  manifest damaged: ${c.reason ?? 'unreadable'}`);
          } else {
            for (const p of c.problems) print(`${style.red('✗')} ${c.version}  ${p.artifact} ${p.problem}`);
          }
        }
        print(
          failed.length
            ? style.red(
                `${failed.length} of ${checks.length} version(s) cannot be loaded: ${failed.map((f) => f.version).join(', ')}.`,
              )
            : `${checks.length} version(s) of ${registry.model} verified.`,
        );
      },
    };
  },
});
