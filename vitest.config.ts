import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Only meaningful inside the test VM; test/vm/*.test.ts runs them there.
    exclude: [...configDefaults.exclude, 'test/vm-guest/**'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: process.env.OCIRT_JSON_REPORT ? ['default', ['json', { outputFile: process.env.OCIRT_JSON_REPORT }]] : ['default'],
  },
});
