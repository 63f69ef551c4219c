import { sysctlKeyProblem, sysctlProcPath } from '../spec/sysctl';
import { planError, pointer } from './plan-error';

/**
 * linux.sysctl → paths under /proc/sys. Keys follow sysctl(8) like runc: in the dotted
 * form ("net.ipv4.ip_forward") dots separate components and a slash stands for a
 * literal dot ("net.ipv4.conf.eth0/100.rp_filter" is net/ipv4/conf/eth0.100/rp_filter);
 * a key whose first separator is a slash is already a path. Keys that would leave
 * /proc/sys (empty, "." or ".." components) are refused. Which sysctls a container may
 * set depends on its namespaces and is checked by the spec validation.
 */
export function translateSysctl(sysctl: Record<string, string> | undefined): Array<{ path: string; value: string }> {
  return Object.entries(sysctl ?? {}).map(([key, value]) => {
    const problem = sysctlKeyProblem(key);
    if (problem !== undefined) throw planError(pointer('linux', 'sysctl', key), problem);
    return { path: sysctlProcPath(key), value };
  });
}
