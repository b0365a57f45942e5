// A traced thread's side of takeSnapshotAllThreads(): it answers each request
// with its own table, says hello when it starts and posts its last table as
// it exits. Register calls serveThreadSnapshots() in every worker; a program
// tracing its workers itself may call it after start() in each.
import { BroadcastChannel, isMainThread, threadId } from 'node:worker_threads';
import { encodeSnapshot } from '../../model/dump';
import { applySourceMaps } from '../../model/source-maps';
import * as tracer from '../tracemalloc';
import type { SnapshotView } from '../../model/views';
import {
  ASK_CHANNEL,
  REPLY_CHANNEL,
  isAskMessage,
  warmMessageEvents,
  type AskMessage,
  type ByeMessage,
  type ReplyMessage,
} from './protocol';
import { threadCollector } from './collect';

// Dumps are deflated for disks; in memory between threads, level 0 costs no CPU.
const LEVEL = 0;

const SERVING = Symbol.for('node-tracemalloc.threads.serving');

/** Posts on REPLY_CHANNEL through a channel of its own, closed at once: it would otherwise receive every other thread's tables. */
function reply(message: ReplyMessage): void {
  const channel = new BroadcastChannel(REPLY_CHANNEL);
  try {
    channel.postMessage(message);
  } finally {
    channel.close();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Options of {@link serveThreadSnapshots}. */
export interface ServeOptions {
  /** The view of the table posted at exit (default: the tracer's default view). */
  exitView?: SnapshotView;
  /** Map the exit table's frames through source maps. */
  sourceMaps?: boolean;
}

/**
 * Makes this worker answer `takeSnapshotAllThreads()` from the main thread
 * with its own table, and post its last table when it exits normally or by
 * process.exit() (a worker ended by terminate() runs no more JS: it is
 * reported as missing). On the main thread it starts listening for the
 * workers, and answers no one: call `takeSnapshotAllThreads()` there.
 * Idempotent; nothing keeps the thread alive. `node-tracemalloc/register`
 * calls it in every thread; without register, call it on the main thread
 * before creating workers, then in each worker, best before `start()`: from
 * Node 22 on, a worker's first message event loads undici's MessageEvent
 * class (about 10 MB allocated), which this loads at once, so that tracing
 * does not see it.
 */
export function serveThreadSnapshots(options: ServeOptions = {}): void {
  const global = globalThis as { [SERVING]?: boolean };
  if (global[SERVING] === true) return;
  global[SERVING] = true;
  const take = (gc: boolean, view: SnapshotView | undefined, sourceMaps: boolean): Uint8Array => {
    const snapshot = tracer.takeSnapshot({ gc, view, sourceMaps: false });
    return encodeSnapshot(sourceMaps ? applySourceMaps(snapshot) : snapshot, { level: LEVEL });
  };
  // Workers this thread creates: their end, terminate() included, is seen only here.
  process.on('worker', (worker) => {
    const id = worker.threadId; // -1 once it has exited
    worker.once('exit', () => reply({ kind: 'gone', threadId: id }));
  });
  // The main thread collects (its collector takes its own snapshot) and
  // answers no one: no message reaches it until a worker speaks, so a
  // program without workers never creates a MessageEvent (see
  // register-threads.ts: from Node 22 on the first one loads undici into the
  // traced heap). Its exit ends the process: no one is left to read its last table.
  if (isMainThread) {
    threadCollector();
    return;
  }
  // Before any request arrives (register-threads.ts says why).
  warmMessageEvents();
  const ask = new BroadcastChannel(ASK_CHANNEL);
  ask.onmessage = (event: unknown): void => {
    const data = (event as { data?: unknown }).data;
    if (!isAskMessage(data)) return;
    const { id, gc, view, sourceMaps }: AskMessage = data;
    // Our own thread's collector takes this thread's snapshot itself.
    if (id.startsWith(`${threadId}.`)) return;
    try {
      reply({ kind: 'table', id, threadId, bytes: take(gc === true, view, sourceMaps === true) });
    } catch (error) {
      reply({ kind: 'error', id, threadId, message: messageOf(error) });
    }
  };
  ask.unref();
  process.once('exit', () => {
    ask.close();
    const bye: ByeMessage = { kind: 'bye', threadId, bytes: undefined, timestamp: Date.now() };
    try {
      if (tracer.isTracing()) bye.bytes = take(true, options.exitView, options.sourceMaps === true);
    } catch {
      // No last table: collectors report this thread as missing.
    }
    reply(bye);
  });
  reply({ kind: 'hello', threadId });
}
