import { describe, expect, it } from 'vitest';
import { annotationProperties } from '../../src/cgroups/systemd-annotations';

const p = (key: string, value: string) => annotationProperties({ [`org.systemd.property.${key}`]: value });

describe('org.systemd.property.* annotations → unit properties', () => {
  it('ignores other annotations', () => {
    expect(annotationProperties({ 'io.podman.x': '1', 'org.systemd.propertyX': 'true' })).toEqual([]);
    expect(annotationProperties(undefined)).toEqual([]);
  });

  it.each([
    ['CollectMode', "'inactive-or-failed'", { name: 'CollectMode', signature: 's', value: 'inactive-or-failed' }],
    ['Delegate', 'true', { name: 'Delegate', signature: 'b', value: true }],
    ['TasksMax', 'uint64 20', { name: 'TasksMax', signature: 't', value: '20' }],
    ['TasksMax', '@t 18446744073709551615', { name: 'TasksMax', signature: 't', value: '18446744073709551615' }],
    ['CPUWeight', '@t 50', { name: 'CPUWeight', signature: 't', value: '50' }],
    ['Nice', '5', { name: 'Nice', signature: 'i', value: 5 }],
    ['Description', 'string "hello"', { name: 'Description', signature: 's', value: 'hello' }],
  ])('%s=%s', (key, value, prop) => expect(p(key, value)).toEqual([prop]));

  it('a ...Sec property in seconds becomes the ...USec one in microseconds', () => {
    expect(p('TimeoutStopSec', '5')).toEqual([{ name: 'TimeoutStopUSec', signature: 't', value: '5000000' }]);
    expect(p('RuntimeMaxSec', '@t 2')).toEqual([{ name: 'RuntimeMaxUSec', signature: 't', value: '2000000' }]);
    expect(p('TimeoutStopSec', '1.5')).toEqual([{ name: 'TimeoutStopUSec', signature: 't', value: '1500000' }]);
    // "USec" itself is not seconds
    expect(p('TimeoutStopUSec', 'uint64 7')).toEqual([{ name: 'TimeoutStopUSec', signature: 't', value: '7' }]);
  });

  it.each([
    ['Ab', 'true', /at least 3 ASCII letters/],
    ['Foo.Bar', 'true', /at least 3 ASCII letters/],
    ['TasksMax', 'lots', /cannot read "lots"/],
    ['TasksMax', 'uint64 -1', /not a whole number of type t/],
    ['TimeoutStopSec', 'true', /takes a number of seconds/],
  ])('refuses %s=%s naming the annotation', (key, value, msg) => {
    expect(() => p(key, value)).toThrow(new RegExp(`^/annotations/org.systemd.property.${key.replace('.', '\\.')}: `));
    expect(() => p(key, value)).toThrow(msg);
  });
});
