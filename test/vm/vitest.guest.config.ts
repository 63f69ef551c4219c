// vitest inside the test VM: any project test file may run there (the normal config
// leaves out test/vm-guest/**, which only means something in the guest), with time
// limits for an emulated CPU that is 10-50x slower than the host.
import * as path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: path.resolve(__dirname, '../..'),
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/vm/**'],
    pool: 'forks',
    fileParallelism: false,
    setupFiles: ['test/vm/guest-setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    reporters: process.env.OCIRT_JSON_REPORT ? ['default', ['json', { outputFile: process.env.OCIRT_JSON_REPORT }]] : ['default'],
  },
});
