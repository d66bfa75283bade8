import { defineConfig } from 'vitest/config';

/** The reliability suite (`pnpm test:chaos`): faults, load and fuzzing; bounded in time. */
export default defineConfig({
  test: {
    include: ['packages/*/test/reliability/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
