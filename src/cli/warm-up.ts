import { compilePlan } from '../plan/from-spec';
import { defaultConfig } from '../spec/default-config';
import { parseConfig } from '../spec/validate';

/**
 * Run once at build time before the V8 code cache of a bundle is written, so the cache
 * holds the compiled validator and plan compiler, not only the bundle's top level.
 */
export function warmUp(): void {
  const result = parseConfig(JSON.stringify(defaultConfig({ args: ['sh'] })));
  if (!result.ok) return;
  compilePlan(result.spec, {
    containerId: 'warm-up',
    bundle: '/warm-up',
    execFifo: '/run/ocirt/warm-up/exec.fifo',
    noPivot: false,
    preserveFds: 0,
    host: {
      sourceKinds: {},
      hasKcore: true,
      cgroup: { version: 1, mounts: [{ subdir: 'memory', hostPath: '/sys/fs/cgroup/memory/warm-up', controllers: ['memory'] }], symlinks: [] },
    },
  });
}
