import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql 16 has no `exports`: without this Vite loads index.mjs while Pothos/Yoga load the CJS build.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    // Start-up hooks (PGlite, emulators, a gateway) can take minutes on a shared, loaded machine.
    hookTimeout: 180_000,
    pool: 'forks',
    // Files and the tests inside them run in a random order (the seed is printed): no test may
    // depend on another's leftovers. Reproduce an order with --sequence.seed=<seed>.
    sequence: { shuffle: { files: true, tests: true } },
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
});
