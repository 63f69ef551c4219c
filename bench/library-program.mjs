// One Node program running `count` containers through ocirt's library API
// (runContainer from dist/index.js), `parallel` at a time. Prints
// {"ms": time from the first create to the last delete, "failed": N} on stdout.
// Started by bench/library.mjs: node library-program.mjs DIST ROOT BUNDLE COUNT PARALLEL
import { createRequire } from 'node:module';
import { nowMs, pool } from './util.mjs';

const [dist, root, bundle, count, parallel] = process.argv.slice(2);
const { runContainer } = createRequire(import.meta.url)(dist);
let failed = 0;
let firstError;
const t = nowMs();
await pool(Number(count), Number(parallel), async (i) => {
  try {
    const status = await runContainer({ root, id: `lib${i}`, bundle, detach: false }, () => {});
    if (status !== 0) throw new Error(`exit status ${status}`);
  } catch (err) {
    failed++;
    firstError ??= `lib${i}: ${err.message}`;
  }
});
console.log(JSON.stringify({ ms: nowMs() - t, failed, firstError }));
