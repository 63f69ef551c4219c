import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';

/**
 * Loads a CLI bundle with the V8 code cache written next to it at build time
 * (`<file>.cache`, see scripts/build.mjs): compiling a 300 KB bundle from source costs
 * several milliseconds on every call, loading it from the cache a fraction of that.
 * Without a cache, or when V8 rejects it (another Node version), this is plain require.
 */
export function cachedRequire(file: string): unknown {
  let cachedData: Buffer;
  try {
    cachedData = fs.readFileSync(`${file}.cache`);
  } catch {
    return require(file);
  }
  const source = fs.readFileSync(file, 'utf8');
  const script = new vm.Script(wrap(source), { filename: file, cachedData, importModuleDynamically: undefined });
  if (script.cachedDataRejected) return require(file);
  const mod = { exports: {} as unknown };
  const fn = script.runInThisContext() as (e: unknown, r: NodeRequire, m: typeof mod, f: string, d: string) => void;
  fn(mod.exports, createRequire(file), mod, file, path.dirname(file));
  return mod.exports;
}

/** The CommonJS wrapper, the same as Node's own. */
export function wrap(source: string): string {
  return `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;
}
