import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'packages/*/test/reliability/**'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
