// One scenario, every runtime under test, in one test: each runtime's run goes to its end,
// and the failure names every runtime that failed, and says so when only ocirt did.
import type { Runtime } from './engines';

export async function sideBySide(runtimes: Runtime[], scenario: (rt: Runtime) => Promise<void>): Promise<void> {
  const failed: string[] = [];
  const messages: string[] = [];
  for (const rt of runtimes) {
    try {
      await scenario(rt);
    } catch (e) {
      failed.push(rt.name);
      messages.push(`[${rt.name}] ${(e as Error).message}`);
    }
  }
  if (failed.length === 0) return;
  const onlyOcirt = failed.length === 1 && failed[0] === 'ocirt' && runtimes.some((r) => r.name === 'runc');
  throw new Error(`${onlyOcirt ? 'ocirt failed where runc passed' : `failed with ${failed.join(' and ')}`}\n${messages.join('\n\n')}`);
}
