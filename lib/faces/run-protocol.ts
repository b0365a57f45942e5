// What the three parts of `tracemalloc run`'s signal relay say to each other:
// the parent (lib/faces/cli/run-child.ts), the child's main thread
// (lib/faces/run-control.ts) and the child's relay worker (lib/faces/run-control-worker.ts).
//
// Why a relay: a JS signal handler runs only when the event loop is free, so
// a busy or blocked program that has one never dies of the signal. The child
// therefore has no handler of ours (but the SIGINT shield, see inTerminal); the parent
// gets the signal and tells the child's worker, whose event loop is free; the
// worker makes the main thread write its dump through a V8 interrupt (an
// inspector Runtime.evaluate, which runs even inside a busy loop or
// Atomics.wait), and the main thread then dies of the signal.
import type { Socket } from 'node:net';
import { isatty } from 'node:tty';

/** The signals `tracemalloc run` relays to its child. */
export const RELAYED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type RelayedSignal = (typeof RELAYED_SIGNALS)[number];

export function isRelayedSignal(value: unknown): value is RelayedSignal {
  return (RELAYED_SIGNALS as readonly unknown[]).includes(value);
}

/**
 * Lines on the control socket. Parent to child: a signal name. Child to
 * parent: DUMPING (the main thread is writing the dump, then dies of the
 * signal) or DELIVER (the program handles that signal itself: send it on).
 */
export const MESSAGE = { DUMPING: 'dumping', DELIVER: 'deliver' } as const;

/**
 * What the main thread tells the worker after a relayed signal: a reply for
 * the parent, or that the dump is written and the worker must now end the
 * process with the signal (see lib/faces/run-control.ts for why the worker).
 */
export type MainMessage = typeof MESSAGE.DUMPING | typeof MESSAGE.DELIVER | { die: RelayedSignal };

/**
 * Whether Ctrl-C reaches the child as well as the parent: a terminal's
 * foreground process group gets it. The child, which inherits our stdio,
 * then catches SIGINT (its "shield") so that it lives until the relay has
 * had the dump written.
 */
export function inTerminal(): boolean {
  return isatty(0) || isatty(1) || isatty(2);
}

/** The worker's workerData. */
export interface RelayData {
  socketPath: string;
  /** Int32 per relayed signal: how many listeners the program has for it, kept by the main thread. */
  listeners: SharedArrayBuffer;
  /** `Symbol.for(entry)` on the main thread's global holds {@link RelayEntry}. */
  entry: string;
}

/** What the worker calls on the main thread. */
export interface RelayEntry {
  signal(name: RelayedSignal): void;
}

/** Calls `onLine` with each complete line received on `socket`. */
export function onLines(socket: Socket, onLine: (line: string) => void): void {
  let pending = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    let end: number;
    while ((end = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, end);
      pending = pending.slice(end + 1);
      onLine(line);
    }
    // Only our own short lines come here; anything else is not worth keeping.
    if (pending.length > 64) pending = '';
  });
}
