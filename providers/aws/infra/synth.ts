import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { App } from '../stacks/cdktf-modules.js';
import type {
  DerivedSetting,
  StackName,
  SynthesizedStack,
  SynthRequest,
  SynthResult,
} from '../../../src/core/ports/infra-runner.js';
import { AddonsStack } from '../stacks/addons-stack.js';
import { ClusterStack } from '../stacks/cluster-stack.js';
import { NetworkStack } from '../stacks/network-stack.js';
import { RegistryStack } from '../stacks/registry-stack.js';
import { resolveInfraSettings } from '../stacks/settings.js';

/** The stacks a stack references, which must be in the same app for CDKTF to wire its remote state. */
const NEEDS: Record<StackName, readonly StackName[]> = {
  network: ['network'],
  cluster: ['network', 'cluster'],
  addons: ['network', 'cluster', 'addons'],
  registry: ['registry'],
};

interface TerraformJson {
  readonly resource?: Record<string, Record<string, unknown>>;
  readonly data?: Record<string, Record<string, unknown>>;
  readonly output?: Record<string, unknown>;
}

const countBlocks = (blocks: Record<string, Record<string, unknown>> | undefined): number =>
  Object.values(blocks ?? {}).reduce((n, byName) => n + Object.keys(byName).length, 0);

/**
 * Synthesizes the stacks in-process into `outDir/stacks/<stack>/cdk.tf.json` (CDKTF's layout) and
 * counts what each holds. Only the requested stack and the stacks it reads from are built. The
 * settings are checked first, so a configuration problem writes nothing.
 */
export function synthStacks(request: SynthRequest): SynthResult {
  const defaults: DerivedSetting[] = [];
  const settings = resolveInfraSettings(
    request.config,
    { purpose: request.purpose, projectDir: request.projectDir },
    (derived) => defaults.push(derived),
  );
  const outDir = path.resolve(request.outDir);
  mkdirSync(outDir, { recursive: true });
  // No construct stack traces: they are only for CDKTF's own CLI and dominate synthesis time.
  const app = new App({ outdir: outDir, stackTraces: false, hclOutput: false });

  const wanted = request.stack
    ? NEEDS[request.stack]
    : (['network', 'cluster', 'addons', 'registry'] as const);
  const built = new Set<StackName>(wanted);
  const network = built.has('network') ? new NetworkStack(app, settings) : undefined;
  const cluster = network && built.has('cluster') ? new ClusterStack(app, settings, network) : undefined;
  if (network && cluster && built.has('addons')) new AddonsStack(app, settings, network, cluster);
  if (built.has('registry')) new RegistryStack(app, settings);
  app.synth();

  const report = request.stack ? [request.stack] : [...built];
  const stacks = report.map((stack): SynthesizedStack => {
    const directory = path.join(outDir, 'stacks', stack);
    const json = JSON.parse(readFileSync(path.join(directory, 'cdk.tf.json'), 'utf8')) as TerraformJson;
    return {
      stack,
      directory,
      resources: countBlocks(json.resource),
      dataSources: countBlocks(json.data),
      outputs: Object.keys(json.output ?? {}).length,
    };
  });
  return { outDir, stacks, defaults };
}
