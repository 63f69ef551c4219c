import { describe, expect, it } from 'vitest';
import { translateSysctl } from '../../src/plan/sysctl';

describe('translateSysctl', () => {
  it('turns keys into /proc/sys paths, keeping values as they are', () => {
    expect(translateSysctl({
      'net.ipv4.ip_forward': '1',
      'net/ipv4/conf/eth0.100/rp_filter': '2',
      'net.ipv4.conf.eth0/100.rp_filter': '2',
      'kernel.shmmax': ' 4096 ',
    })).toEqual([
      { path: 'net/ipv4/ip_forward', value: '1' },
      { path: 'net/ipv4/conf/eth0.100/rp_filter', value: '2' },
      { path: 'net/ipv4/conf/eth0.100/rp_filter', value: '2' },
      { path: 'kernel/shmmax', value: ' 4096 ' },
    ]);
    expect(translateSysctl(undefined)).toEqual([]);
  });

  it('refuses keys that would leave /proc/sys', () => {
    expect(() => translateSysctl({ 'net/../../etc': '1' })).toThrow('/linux/sysctl/net~1..~1..~1etc:');
    expect(() => translateSysctl({ 'net..x': '1' })).toThrow('/linux/sysctl/net..x:');
    expect(() => translateSysctl({ '': '1' })).toThrow('/linux/sysctl/:');
  });
});
