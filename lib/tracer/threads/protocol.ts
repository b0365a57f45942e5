// How the threads of one process exchange their traces (see docs/production.md,
// "Worker threads"). V8's sampler is per isolate: each worker traces itself
// with the addon loaded in it, and answers a collecting thread's request with
// its own table, encoded by the dump encoder, over two BroadcastChannels:
//   ASK     collector -> every traced thread: { kind: 'ask', ... }
//   REPLY   traced threads -> collectors: hello, table, error, bye, gone
// BroadcastChannels reach every thread of the process without handles passed
// around, nested workers included, and a collector can read them
// synchronously (receiveMessageOnPort) where it cannot await: in 'exit'.
import type { SnapshotView } from '../../model/views';

export const ASK_CHANNEL = 'node-tracemalloc.threads.ask';
export const REPLY_CHANNEL = 'node-tracemalloc.threads.reply';
/** worker_threads environment data: the settings every worker traces with (inherited by nested workers). */
export const THREAD_SETTINGS_KEY = 'node-tracemalloc.threads.settings';

/** What a worker traces with: the main thread's settings, and the view its last table is taken in. */
export interface ThreadSettings {
  frames: number;
  interval: number;
  inlining: boolean;
  allocated: boolean;
  peak: boolean;
  /** The view of the table a worker posts when it exits. */
  view: SnapshotView;
  sourceMaps: boolean;
}

export interface AskMessage {
  kind: 'ask';
  /** Unique per request: `<collector threadId>.<n>`. */
  id: string;
  gc: boolean;
  view: SnapshotView | undefined;
  sourceMaps: boolean;
}

/** A thread started answering (sent once, when it starts tracing). */
export interface HelloMessage {
  kind: 'hello';
  threadId: number;
}

/** A thread's table, as encodeSnapshot's bytes. */
export interface TableMessage {
  kind: 'table';
  id: string;
  threadId: number;
  bytes: Uint8Array;
}

/** A thread could not take its snapshot (not tracing any more, a view it does not have). */
export interface ErrorMessage {
  kind: 'error';
  id: string;
  threadId: number;
  message: string;
}

/** A thread is exiting; `bytes` is its last table when it could take one. */
export interface ByeMessage {
  kind: 'bye';
  threadId: number;
  bytes: Uint8Array | undefined;
  timestamp: number;
}

/** A worker ended (seen by the thread that created it, from the Worker's 'exit': terminate() included). */
export interface GoneMessage {
  kind: 'gone';
  threadId: number;
}

export type ReplyMessage = HelloMessage | TableMessage | ErrorMessage | ByeMessage | GoneMessage;

const REPLY_KINDS: ReadonlySet<string> = new Set(['hello', 'table', 'error', 'bye', 'gone']);

/** A message from REPLY_CHANNEL, checked enough to be safe to dispatch on (anyone can open the channel). */
export function isReplyMessage(value: unknown): value is ReplyMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as { kind?: unknown; threadId?: unknown; id?: unknown; bytes?: unknown; timestamp?: unknown };
  if (typeof m.kind !== 'string' || !REPLY_KINDS.has(m.kind) || !Number.isSafeInteger(m.threadId)) return false;
  switch (m.kind) {
    case 'table':
      return typeof m.id === 'string' && m.bytes instanceof Uint8Array;
    case 'error':
      return typeof m.id === 'string' && typeof (value as { message?: unknown }).message === 'string';
    case 'bye':
      return (m.bytes === undefined || m.bytes instanceof Uint8Array) && typeof m.timestamp === 'number';
    default:
      return true;
  }
}

export function isAskMessage(value: unknown): value is AskMessage {
  if (typeof value !== 'object' || value === null) return false;
  const { kind, id } = value as { kind?: unknown; id?: unknown };
  return kind === 'ask' && typeof id === 'string';
}

let messageEventsWarm = false;

/**
 * Creates and dispatches one MessageEvent (once per thread), untraced if called before
 * `start()`. From Node 22 on, a thread's first message event loads undici
 * for its MessageEvent class and compiles its code: about 10 MB allocated,
 * which would top the table of a worker that receives our requests.
 */
export function warmMessageEvents(): void {
  // Register calls it before start(), and serveThreadSnapshots() again after.
  if (messageEventsWarm) return;
  messageEventsWarm = true;
  const Event = (globalThis as { MessageEvent?: new (type: string, init: { data: unknown }) => Event }).MessageEvent;
  if (Event === undefined) return;
  const target = new EventTarget();
  target.addEventListener('message', () => undefined);
  target.dispatchEvent(new Event('message', { data: null }));
}
