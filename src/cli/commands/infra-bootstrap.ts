import { defineCommand } from '../command.js';
import { table } from '../terminal.js';

interface BootstrapFlags {
  bucket?: string;
  writeConfig?: boolean;
}

export default defineCommand<BootstrapFlags>({
  name: 'infra bootstrap',
  summary:
    'create the Terraform state bucket (versioned, encrypted, private, TLS-only) and print the infra.state setting',
  options: [
    {
      flags: '--bucket <name>',
      description: 'state bucket name (default: infra.state.bucket, else <name>-tfstate-<hash>)',
    },
    {
      flags: '--write-config',
      description: 'save infra.state in mlops.config.json (in environments.<env> with --env)',
    },
  ],
  examples: [
    'mlops infra bootstrap',
    'mlops infra bootstrap --yes --write-config',
    'mlops infra bootstrap --bucket acme-terraform-state --env production --yes --json',
  ],
  async handler(ctx, _args, flags) {
    const [loaded, { bootstrapStateBucket }, { createStateBucketProvisioner }, { storeOptions }] =
      await Promise.all([
        ctx.config(),
        import('../../core/infra-bootstrap.js'),
        import('../../../providers/aws/infra/state-bucket.js'),
        import('../../../providers/store-factory.js'),
      ]);
    const result = await bootstrapStateBucket({
      config: loaded.config,
      configDir: loaded.dir,
      configFile: loaded.file,
      envName: loaded.envName,
      io: ctx.io,
      provisioner: createStateBucketProvisioner(storeOptions(loaded.config, ctx.process.env)),
      bucket: flags.bucket,
      yes: ctx.globals.yes,
      writeConfig: flags.writeConfig,
      signal: ctx.process.signal,
    });
    return {
      json: result,
      exitCode: result.completed ? 0 : 1,
      human: (print, style) => {
        const verdict = !result.completed
          ? 'not changed'
          : result.created
            ? 'created'
            : result.changed.length
              ? 'updated'
              : 'already bootstrapped, nothing changed';
        print(`State bucket ${style.bold(result.bucket)} (${result.region}): ${verdict}.`);
        print();
        print(
          table(
            ['SETTING', 'NOW', 'WANTED'],
            result.settings.map((s) => [s.setting, s.current, s.wanted]),
          ),
        );
        print();
        print(`Locking: ${result.locking}.`);
        if (!result.completed) return;
        const snippet = JSON.stringify({ infra: { state: result.state } });
        if (result.config.status === 'not-written') {
          print(`Terraform state setting for ${result.config.file}`);
          print(`(add it, or run again with --write-config):`);
          print(`  ${snippet}`);
        } else {
          print(
            `${result.config.file}: infra.state ${result.config.status === 'written' ? 'written' : 'already set'}.`,
          );
        }
        print(`Next: ${style.bold('mlops infra plan')}`);
      },
    };
  },
});
