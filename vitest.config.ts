import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Node's default: the WASM kernels enabled, as `losskit` resolves in Node (test/setup-wasm.ts).
    setupFiles: ['test/setup-wasm.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
