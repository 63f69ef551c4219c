import { describe, expect, it } from 'vitest';
import { translateHook, translateInitHooks } from '../../src/plan/hooks';

describe('hooks', () => {
  it('defaults args to [path], env to [] and timeout to 0', () => {
    expect(translateHook({ path: '/bin/hook' })).toEqual({ path: '/bin/hook', args: ['/bin/hook'], env: [], timeout: 0 });
    expect(translateHook({ path: '/bin/hook', args: [] }).args).toEqual(['/bin/hook']);
  });

  it('passes what is given', () => {
    expect(translateHook({ path: '/bin/hook', args: ['hook', 'x'], env: ['A=1'], timeout: 5 })).toEqual({
      path: '/bin/hook', args: ['hook', 'x'], env: ['A=1'], timeout: 5,
    });
  });

  it('gives startContainer hooks without env the process env (runc), not createContainer ones', () => {
    const hooks = translateInitHooks(
      {
        createContainer: [{ path: '/c' }],
        startContainer: [{ path: '/s' }, { path: '/t', env: ['X=1'] }],
      },
      ['PATH=/bin'],
    );
    expect(hooks.createContainer[0].env).toEqual([]);
    expect(hooks.startContainer.map((h) => h.env)).toEqual([['PATH=/bin'], ['X=1']]);
    expect(translateInitHooks(undefined, [])).toEqual({ createContainer: [], startContainer: [] });
  });
});
