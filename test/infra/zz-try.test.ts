import { it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { synthStacks } from '../../providers/aws/infra/synth.js';
it('try', () => {
  const {
    $schema: _s,
    environments: _e,
    ...config
  } = configSchema.parse({
    name: 'iris',
    registry: 's3://iris-models/registry',
    infra: { state: { backend: 'local' } },
  });
  const t = performance.now();
  const r = synthStacks({ config, outDir: '/tmp/synth-try' });
  console.log(performance.now() - t, JSON.stringify(r, null, 1));
});
