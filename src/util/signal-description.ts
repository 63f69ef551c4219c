/** What the C library's strsignal(3) says of each signal, lower-cased as Go's (and so runc's) messages print it. */
const DESCRIPTIONS: Record<string, string> = {
  SIGHUP: 'hangup',
  SIGINT: 'interrupt',
  SIGQUIT: 'quit',
  SIGILL: 'illegal instruction',
  SIGTRAP: 'trace/breakpoint trap',
  SIGABRT: 'aborted',
  SIGBUS: 'bus error',
  SIGFPE: 'floating point exception',
  SIGKILL: 'killed',
  SIGUSR1: 'user defined signal 1',
  SIGSEGV: 'segmentation fault',
  SIGUSR2: 'user defined signal 2',
  SIGPIPE: 'broken pipe',
  SIGALRM: 'alarm clock',
  SIGTERM: 'terminated',
  SIGSTKFLT: 'stack fault',
  SIGXCPU: 'cpu time limit exceeded',
  SIGXFSZ: 'file size limit exceeded',
  SIGVTALRM: 'virtual timer expired',
  SIGPROF: 'profiling timer expired',
  SIGIO: 'i/o possible',
  SIGPWR: 'power failure',
  SIGSYS: 'bad system call',
};

/** `SIGSYS (bad system call)`; the name alone for a signal without a description here. */
export function describeSignal(name: string): string {
  const text = DESCRIPTIONS[name];
  return text ? `${name} (${text})` : name;
}
