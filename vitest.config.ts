import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // The long files mostly wait on child processes (terraform, npm, the README's clone, pod processes):
    // two workers on a 2-core machine take the suite from about 6 to about 4.5 minutes.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
