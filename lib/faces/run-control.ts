// The child's side of `tracemalloc run`'s signal relay, on the main thread:
// starts the relay worker (lib/faces/run-control-worker.ts) and gives it the entry
// points it calls through the inspector. See lib/faces/run-protocol.ts.
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { say, messageOf } from './register-session';
import { untracedWorker } from '../tracer/threads/register-threads';
import {
  MESSAGE,
  RELAYED_SIGNALS,
  inTerminal,
  isRelayedSignal,
  type RelayData,
  type RelayEntry,
  type RelayedSignal,
  type MainMessage,
} from './run-protocol';

/** How long this thread waits for the worker to end the process before doing it itself. */
const DIE_WAIT_MS = 1000;

/** What the relay needs from the session: the last dump now, then the rest. */
export interface Finisher {
  finishThen(then: () => void): void;
}

/** Starts the relay for `tracemalloc run`, whose control socket is `socketPath`. */
export function startRunControl(session: Finisher, socketPath: string): void {
  const listeners = new Int32Array(new SharedArrayBuffer(4 * RELAYED_SIGNALS.length));
  let worker: Worker | undefined;
  // Ctrl-C in a terminal reaches this process too; without a handler it would
  // die before the parent could ask for the dump. The parent ends the program
  // even when this handler cannot run (see lib/faces/cli/run-child.ts).
  const shield = (): void => onSignal('SIGINT');
  const programListeners = (signal: RelayedSignal): number =>
    process.listeners(signal).filter((l) => l !== shield).length;
  const publish = (signal: RelayedSignal, count: number): void => {
    Atomics.store(listeners, RELAYED_SIGNALS.indexOf(signal), count);
  };
  // The worker must know, even while this thread is blocked, whether the
  // program handles a signal itself: then it is the program's to handle.
  process.on('newListener', (event: string | symbol, listener: unknown) => {
    // Emitted before the listener is added: count it.
    if (isRelayedSignal(event) && listener !== shield) publish(event, programListeners(event) + 1);
  });
  process.on('removeListener', (event: string | symbol) => {
    if (isRelayedSignal(event)) publish(event, programListeners(event));
  });
  for (const signal of RELAYED_SIGNALS) publish(signal, programListeners(signal));
  if (inTerminal()) process.on('SIGINT', shield);

  const tell = (message: MainMessage): void => worker?.postMessage(message);
  function onSignal(signal: RelayedSignal): void {
    if (programListeners(signal) > 0) {
      tell(MESSAGE.DELIVER);
      return;
    }
    tell(MESSAGE.DUMPING);
    session.finishThen(() => {
      // With no listener left, the signal's default action applies: the
      // process dies of it, as the program would have without us. The worker
      // sends it: process.kill() of its own pid from this thread first runs
      // this thread's exit hooks, where Node prints "Waiting for the debugger
      // to disconnect..." because of the worker's inspector session.
      process.removeListener('SIGINT', shield);
      tell({ die: signal });
      // Spin, not Atomics.wait: this may run inside the program's own
      // Atomics.wait, and V8 cannot nest them (Node 20 aborts, later
      // versions wake the outer one).
      const until = Date.now() + DIE_WAIT_MS;
      while (Date.now() < until);
      process.kill(process.pid, signal);
    });
  }

  const entry = `node-tracemalloc.run-control.${randomUUID()}`;
  const calls: RelayEntry = {
    signal: (name) => {
      if (isRelayedSignal(name)) onSignal(name);
    },
  };
  // Not enumerable, under an unguessable name: out of the program's way.
  Object.defineProperty(globalThis, Symbol.for(entry), { value: Object.freeze(calls) });

  const data: RelayData = { socketPath, listeners: listeners.buffer, entry };
  try {
    // Untraced even when NODE_OPTIONS preloads register into it.
    worker = untracedWorker(
      () =>
        new Worker(path.join(__dirname, 'run-control-worker.js'), {
          workerData: data,
          // Not register nor the program's command-line preloads (-r, --import);
          // Node still runs NODE_OPTIONS' preloads in every worker.
          execArgv: [],
        }),
    );
  } catch (error) {
    process.removeListener('SIGINT', shield);
    say(`cannot relay signals (${messageOf(error)}): a signal will end the program without a dump`);
    return;
  }
  worker.on('error', (error) => {
    process.removeListener('SIGINT', shield);
    say(`signal relay stopped (${messageOf(error)}): a signal will end the program without a dump`);
  });
  // Never what keeps the program alive.
  worker.unref();
}
