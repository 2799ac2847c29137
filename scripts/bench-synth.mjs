#!/usr/bin/env node
// Benchmark of `mlops infra synth` (all stacks) against the DESIGN.md §8 target: ≤ 1.5 s, ≤ 250 MB.
// Runs the compiled code, so build first:
//   npx tsc -p tsconfig.build.json && /usr/bin/time -v node scripts/bench-synth.mjs
// Wall time is measured from process start (performance.now()), so module loading counts, as it does
// for the command; /usr/bin/time adds the node executable's own start-up.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const TARGET_MS = 1500;
const TARGET_MB = 250;

const { configSchema } = await import('../dist/src/config/schema.js');
const { synthStacks } = await import('../dist/providers/aws/infra/synth.js');

const {
  $schema: _schema,
  environments: _environments,
  ...config
} = configSchema.parse({
  name: 'bench',
  registry: 's3://bench-models/registry',
  infra: { natPerAz: true, azCount: 3, state: { backend: 's3', bucket: 'bench-terraform-state' } },
});
const outDir = mkdtempSync(path.join(tmpdir(), 'mlops-bench-synth-'));
try {
  const started = performance.now();
  const result = synthStacks({ config, outDir });
  const synthMs = performance.now() - started;
  const wallMs = performance.now();
  const peakMb = process.resourceUsage().maxRSS / 1024;
  for (const s of result.stacks) {
    console.log(
      `${s.stack.padEnd(9)} ${String(s.resources).padStart(3)} resources ${String(s.dataSources).padStart(2)} data sources`,
    );
  }
  console.log(`synthesis ${synthMs.toFixed(0)} ms (in-process, after imports)`);
  console.log(
    `wall      ${wallMs.toFixed(0)} ms since process start; target ${TARGET_MS} ms; ratio ${(wallMs / TARGET_MS).toFixed(2)}`,
  );
  console.log(
    `peak RSS  ${peakMb.toFixed(0)} MB; target ${TARGET_MB} MB; ratio ${(peakMb / TARGET_MB).toFixed(2)}`,
  );
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
