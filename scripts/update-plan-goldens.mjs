#!/usr/bin/env node
// Regenerates spec-fixtures/plans/<name>.plan.json from spec-fixtures/good/<name>/config.json
// (see test/unit/plan-goldens.test.ts). Review the diff by eye before committing.
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const result = spawnSync('npx', ['vitest', 'run', 'test/unit/plan-goldens'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, UPDATE_GOLDENS: '1' },
});
process.exit(result.status ?? 1);
