// Which signal may ask a running program for a dump (NODE_TRACEMALLOC_SIGNAL,
// `tracemalloc run --signal`, dumpOnSignal()). Pure: no addon, and nothing
// of ours imported (lib/faces/activation.ts imports it).
import * as os from 'node:os';

// A JS listener replaces a signal's default action: these must keep theirs,
// or cannot have a listener at all.
const REFUSED: Readonly<Record<string, string>> = {
  SIGUSR1: "it belongs to Node's inspector (it opens the debugger)",
  SIGINT: 'the program would no longer stop on it (for a dump at exit, use tracemalloc run or handle it)',
  SIGTERM: 'the program would no longer stop on it (for a dump at exit, use tracemalloc run or handle it)',
  SIGKILL: 'it cannot be caught',
  SIGSTOP: 'it cannot be caught',
  SIGSEGV: 'it reports a fault, after which no JavaScript can safely run',
  SIGBUS: 'it reports a fault, after which no JavaScript can safely run',
  SIGFPE: 'it reports a fault, after which no JavaScript can safely run',
  SIGILL: 'it reports a fault, after which no JavaScript can safely run',
  SIGABRT: 'it reports a fault, after which no JavaScript can safely run',
  SIGIOT: 'it reports a fault, after which no JavaScript can safely run',
  SIGSYS: 'it reports a fault, after which no JavaScript can safely run',
  SIGTRAP: 'debuggers use it',
  SIGPROF: "V8's CPU profiler uses it",
  SIGPIPE: 'Node ignores it: a closed pipe would dump',
  SIGCHLD: 'every child process that ends sends it',
};

/**
 * A signal name from text (`SIGUSR2`, `usr2`, `SIGHUP`, `SIGWINCH`, ...), or
 * what is wrong with it: an unknown name, or one refused (SIGUSR1, SIGINT,
 * SIGTERM, ...) with why.
 */
export function parseDumpSignal(text: string): { signal: NodeJS.Signals } | { problem: string } {
  const upper = text.trim().toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  const why = REFUSED[name];
  if (why !== undefined) return { problem: `cannot dump on ${name}: ${why} (use SIGUSR2)` };
  if (!/^SIG[A-Z0-9]+$/.test(name) || !(name in os.constants.signals)) {
    return {
      problem: `unknown signal: ${JSON.stringify(text)} (expected a name such as SIGUSR2, SIGHUP or SIGWINCH)`,
    };
  }
  return { signal: name as NodeJS.Signals };
}

/** Calls `listener` on each `signal` until closed. */
export function listenForSignal(signal: NodeJS.Signals, listener: () => void): { close(): void } {
  const handler = (): void => listener();
  process.on(signal, handler);
  return { close: () => void process.removeListener(signal, handler) };
}
