import { usageError } from '../../kernel/errors.js';
import { defineCommand } from '../command.js';

export default defineCommand<{ to?: string }>({
  name: 'models copy',
  summary: 'copy a version to another registry, keeping its name and manifest (checksums verified)',
  arguments: [{ name: '<version>', description: 'a version (v1.2) or an alias (production) to copy' }],
  options: [
    { flags: '--to <registry-uri>', description: 'destination registry: s3://BUCKET/PREFIX or file://PATH' },
  ],
  examples: [
    'mlops models copy v1.2 --to s3://prod-models/iris',
    'mlops models copy production --to file://./backup-registry --json',
  ],
  async handler(ctx, [ref], flags) {
    if (!flags.to) {
      throw usageError(
        'models copy needs the destination registry.',
        'MLOPS_USAGE_E1002',
        'Pass --to s3://BUCKET/PREFIX or --to file://PATH.',
      );
    }
    const config = await ctx.config();
    const { copyVersion } = await import('../../core/copy.js');
    const source = await ctx.registry(config);
    const target = await ctx.registry(config, flags.to);
    const result = await copyVersion({ source, target, ref: ref ?? '', actor: ctx.actor(), io: ctx.io });
    return {
      json: result,
      human: (print) =>
        print(
          result.copied
            ? `Copied ${result.model} ${result.version} to ${result.to} (${result.artifacts} artifacts, ${result.bytes} bytes, checksums verified).`
            : `${result.to} already has the identical ${result.model} ${result.version}; nothing copied.`,
        ),
    };
  },
});
