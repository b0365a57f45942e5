// The relay worker in `tracemalloc run`'s child (see lib/faces/run-protocol.ts).
// Its event loop stays free whatever the program does, so it can always
// hear the parent, and it reaches the main thread through the inspector:
// Runtime.evaluate runs at the main thread's next interrupt check, inside a
// busy loop or Atomics.wait as well as from an idle event loop.
import * as fs from 'node:fs';
import * as inspector from 'node:inspector';
import * as net from 'node:net';
import * as path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import {
  MESSAGE,
  RELAYED_SIGNALS,
  isRelayedSignal,
  onLines,
  type MainMessage,
  type RelayData,
  type RelayedSignal,
} from './run-protocol';

const data = workerData as RelayData;
const listeners = new Int32Array(data.listeners);

// Connected only while a call is under way: while an inspector session is
// connected, Node prints "Waiting for the debugger to disconnect..." when
// the program exits.
let session: inspector.Session | undefined;

function onMainThread(call: string): void {
  if (session === undefined) {
    session = new inspector.Session();
    session.connectToMainThread();
  }
  const expression = `globalThis[Symbol.for(${JSON.stringify(data.entry)})].${call}`;
  // The answer comes back through the main thread's event loop, which may
  // be busy: the main thread replies on parentPort instead.
  session.post('Runtime.evaluate', { expression, silent: true }, () => undefined);
}

function callsDone(): void {
  session?.disconnect();
  session = undefined;
}

const programHandles = (signal: RelayedSignal): boolean => Atomics.load(listeners, RELAYED_SIGNALS.indexOf(signal)) > 0;

const socket = net.connect(data.socketPath);
let connected = false;
let parentGone = false;
socket.on('connect', () => {
  connected = true;
});
socket.on('error', () => undefined);
onLines(socket, (line) => {
  if (!isRelayedSignal(line)) return;
  // Known at once, even while the main thread is blocked.
  if (programHandles(line)) socket.write(`${MESSAGE.DELIVER}\n`);
  else onMainThread(`signal(${JSON.stringify(line)})`);
});
parentPort?.on('message', (message: MainMessage) => {
  if (typeof message === 'object') {
    // The dump is written: die of the signal, as the program would have untraced.
    if (parentGone) removeParentDirectory();
    if (isRelayedSignal(message.die)) process.kill(process.pid, message.die);
    return;
  }
  if (message === MESSAGE.DELIVER) callsDone();
  if (!parentGone) {
    socket.write(`${message}\n`);
  } else if (message === MESSAGE.DELIVER) {
    removeParentDirectory();
    process.kill(process.pid, 'SIGTERM');
  }
});
// The parent never closes first while we live: it waits for this process.
// So a close means it was killed (even by SIGKILL): end the program as if
// it had passed on a SIGTERM, rather than leave it running alone.
socket.on('close', () => {
  if (!connected) return;
  parentGone = true;
  if (programHandles('SIGTERM')) {
    removeParentDirectory();
    process.kill(process.pid, 'SIGTERM');
  } else {
    onMainThread(`signal("SIGTERM")`);
  }
});

/** The parent's private directory (the socket's), which it can no longer remove. */
function removeParentDirectory(): void {
  try {
    fs.rmSync(path.dirname(data.socketPath), { recursive: true, force: true });
  } catch {
    // Nothing more we can do.
  }
}
