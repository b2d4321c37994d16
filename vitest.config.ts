import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: guest tests boot QEMU under TCG, which wants a whole core each.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
