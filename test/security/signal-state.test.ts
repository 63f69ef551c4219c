// Signal state: Node ignores SIGPIPE and a caller may ignore or block anything; the
// container's process must start with every disposition default and an empty mask.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { afterAll, afterEach, expect, it } from 'vitest';
import { TestScope, lines, procStatusField, stateOf } from '../helpers/containers';
import { OCIRT } from '../helpers/ocirt-cli';
import { pollFor, runToFiles, withSignalState } from '../helpers/security';
import { describeNeeds, host } from '../helpers/host-capabilities';

const scope = new TestScope();

afterEach(() => scope.reset());
afterAll(() => {
  expect(scope.finish()).toEqual([]);
});

const S = os.constants.signals;
/** What the hostile caller ignores and blocks (SIGRTMIN+2 = 36 included). */
const IGNORE = [S.SIGINT, S.SIGQUIT, S.SIGHUP, S.SIGTERM, S.SIGUSR1, S.SIGPIPE, S.SIGTSTP, S.SIGTTOU, S.SIGTTIN];
const BLOCK = [S.SIGUSR2, S.SIGTERM, S.SIGALRM, S.SIGCHLD, S.SIGWINCH, S.SIGINT, 36];

const ZERO = '0000000000000000';

describeNeeds(host.root, host.python3)('signal state (python3 makes a caller with blocked signals)', () => {
  it('run from a caller that ignores and blocks signals: SigIgn, SigBlk and pending signals are all 0 in the container', () => {
    const b = scope.bundle(['grep', '-E', '^(SigPnd|ShdPnd|SigBlk|SigIgn):', '/proc/self/status']);
    const dir = scope.scratch('ocirt-sig-');
    const r = runToFiles(withSignalState([OCIRT, '--root', scope.root, 'run', '--bundle', b.dir, scope.id('sig')], { block: BLOCK, ignore: IGNORE }), dir);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(lines(r.stdout).map((l) => l.replace(/\s+/g, ' '))).toEqual([`SigPnd: ${ZERO}`, `ShdPnd: ${ZERO}`, `SigBlk: ${ZERO}`, `SigIgn: ${ZERO}`]);
  });

  it('the caller\'s state really was hostile (the wrapper works): a plain program it runs shows it', () => {
    // the same wrapper around grep on the host: this is what ocirt had to undo
    const dir = scope.scratch('ocirt-sig-');
    const r = runToFiles(withSignalState(['/bin/busybox', 'grep', '-E', '^Sig(Blk|Ign):', '/proc/self/status'], { block: BLOCK, ignore: IGNORE }), dir);
    expect(r.status).toBe(0);
    for (const l of lines(r.stdout)) expect(l.replace(/\s+/g, ' ')).not.toMatch(new RegExp(`: ${ZERO}$`));
  });

  it('create and start from such callers: the started process (seen from the host) has no ignored or blocked signal', async () => {
    const id = scope.id('sig-cs');
    const b = scope.bundle(['sleep', '1000']);
    const dir = scope.scratch('ocirt-sig-');
    const hostile = (args: string[]) => runToFiles(withSignalState([OCIRT, '--root', scope.root, ...args], { block: BLOCK, ignore: IGNORE }), dir);
    const c = hostile(['create', '--bundle', b.dir, id]);
    expect(c.stderr).toBe('');
    expect(c.status).toBe(0);
    const s = hostile(['start', id]);
    expect(s.stderr).toBe('');
    expect(s.status).toBe(0);
    const pid = stateOf(scope.root, id).pid;
    const started = await pollFor(() => (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep\0') ? true : undefined));
    expect(started).toBe(true);
    for (const field of ['SigPnd', 'ShdPnd', 'SigBlk', 'SigIgn']) expect(procStatusField(pid, field), field).toBe(ZERO);
    expect(scope.ocirt(['delete', '--force', id]).status).toBe(0);
  });
});
