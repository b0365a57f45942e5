// The collecting side of takeSnapshotAllThreads(): which threads are traced
// (from their hello, bye and gone messages), a request to all of them, and
// their answers merged with this thread's own snapshot. Asynchronous for the
// API and register's periodic dumps; synchronous (receiveMessageOnPort) for
// the dump register writes in 'exit', where nothing can be awaited: workers
// still run then, so they can answer.
import { BroadcastChannel, receiveMessageOnPort, threadId } from 'node:worker_threads';
import { decodeSnapshot } from '../../model/dump';
import type { Snapshot } from '../../model/snapshot';
import type { SnapshotOptions } from '../tracemalloc';
import * as check from '../../helpers/validate';
import { mergeSnapshots, type ThreadsSnapshot, type ThreadStatus } from './merge';
import { ASK_CHANNEL, REPLY_CHANNEL, isReplyMessage, type AskMessage, type ReplyMessage } from './protocol';

// Node takes a BroadcastChannel too (since 15.12); @types/node says MessagePort only.
const receiveNow = receiveMessageOnPort as unknown as (port: BroadcastChannel) => { message: unknown } | undefined;

/** How long a collection waits for the threads' answers by default (ms). */
export const DEFAULT_THREAD_TIMEOUT = 2000;
// Exited threads' last tables kept for later snapshots: the most recent ones,
// within both bounds (a pool that churns through workers must not grow this).
const MAX_EXITED_TABLES = 32;
const MAX_EXITED_BYTES = 64 * 1024 * 1024;
// A thread that missed this many collections in a row is no longer waited
// for: one that died unseen (a nested worker whose parent was terminated
// sends no 'gone') would otherwise cost every dump the whole timeout. A busy
// one that answers later is known again from its answer.
const MAX_MISSES = 3;

/** Options of {@link takeSnapshotAllThreads}: those of `takeSnapshot()`, for every thread, and two more. */
export interface AllThreadsSnapshotOptions extends SnapshotOptions {
  /**
   * Milliseconds to wait for the threads' answers (default 2000). A thread
   * busy in synchronous code answers only when it yields: past this it is
   * listed as missing, and the snapshot is made without it.
   */
  timeout?: number;
  /**
   * Include the last table of each thread that has exited (what it held, or
   * allocated, as it ended: up to 32 threads, 64 MiB). Default `true`.
   */
  exited?: boolean;
}

interface Answer {
  bytes?: Uint8Array;
  error?: string;
}

interface Pending {
  answers: Map<number, Answer>;
  update: () => void;
}

interface Known {
  exited: boolean;
  /** Ended without a last table (terminate() runs no more JS there): reported as missing, not silently dropped. */
  endedAt?: number;
  /** Collections in a row it did not answer. */
  misses: number;
  last?: { bytes: Uint8Array; timestamp: number };
}

class ThreadCollector {
  private readonly replies = new BroadcastChannel(REPLY_CHANNEL);
  private readonly ask = new BroadcastChannel(ASK_CHANNEL);
  private readonly known = new Map<number, Known>();
  private readonly pending = new Map<string, Pending>();
  private requests = 0;

  constructor() {
    this.replies.onmessage = (event: unknown) => this.receive((event as { data?: unknown }).data);
    // Never what keeps the program alive.
    this.replies.unref();
    this.ask.unref();
  }

  private receive(message: unknown): void {
    if (!isReplyMessage(message) || message.threadId === threadId) return;
    const m: ReplyMessage = message;
    // The end of a thread never traced (our own relay, a worker that ended before its hello).
    if (m.kind === 'gone' && !this.known.has(m.threadId)) return;
    const entry = this.known.get(m.threadId) ?? { exited: false, misses: 0 };
    entry.misses = 0;
    this.known.set(m.threadId, entry);
    switch (m.kind) {
      case 'hello':
        break;
      case 'table':
      case 'error':
        this.pending.get(m.id)?.answers.set(m.threadId, m.kind === 'table' ? { bytes: m.bytes } : { error: m.message });
        break;
      case 'bye':
        entry.exited = true;
        entry.endedAt = undefined;
        if (m.bytes !== undefined) entry.last = { bytes: m.bytes, timestamp: m.timestamp };
        this.boundExited();
        break;
      case 'gone':
        entry.exited = true;
        if (entry.last === undefined) entry.endedAt ??= Date.now();
        this.boundExited();
        break;
    }
    for (const p of this.pending.values()) p.update();
  }

  /** Forgets the oldest exited threads (tables, or the note that they left none) past the bounds. */
  private boundExited(): void {
    const exited = [...this.known].filter(([, k]) => k.exited);
    let bytes = exited.reduce((sum, [, k]) => sum + (k.last?.bytes.byteLength ?? 0), 0);
    const when = (k: Known): number => k.last?.timestamp ?? k.endedAt ?? 0;
    exited.sort(([, a], [, b]) => when(a) - when(b));
    for (let i = 0; i < exited.length && (exited.length - i > MAX_EXITED_TABLES || bytes > MAX_EXITED_BYTES); i++) {
      bytes -= exited[i][1].last?.bytes.byteLength ?? 0;
      this.known.delete(exited[i][0]);
    }
  }

  private start(options: SnapshotOptions & { sourceMaps: boolean }): { id: string; pending: Pending } {
    const id = `${threadId}.${++this.requests}`;
    const pending: Pending = { answers: new Map(), update: () => undefined };
    this.pending.set(id, pending);
    const ask: AskMessage = {
      kind: 'ask',
      id,
      gc: options.gc !== false,
      view: options.view,
      sourceMaps: options.sourceMaps,
    };
    this.ask.postMessage(ask);
    return { id, pending };
  }

  /** True when every live thread has answered (exited ones answered with their bye). */
  private complete(pending: Pending): boolean {
    for (const [id, k] of this.known) if (!k.exited && !pending.answers.has(id)) return false;
    return true;
  }

  async collect(
    own: () => Snapshot,
    options: SnapshotOptions & { sourceMaps: boolean; timeout: number; exited: boolean; keepAlive: boolean },
  ): Promise<ThreadsSnapshot> {
    const { id, pending } = this.start(options);
    try {
      // This thread's snapshot while the others take theirs.
      const mine = own();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.timeout);
        if (!options.keepAlive) timer.unref();
        pending.update = () => {
          if (!this.complete(pending)) return;
          clearTimeout(timer);
          resolve();
        };
        pending.update();
      });
      return this.merge(mine, pending, options);
    } finally {
      this.pending.delete(id);
    }
  }

  /** {@link collect} without returning to the event loop: polls the reply channel until all answered or the deadline. */
  collectSync(
    own: () => Snapshot,
    options: SnapshotOptions & { sourceMaps: boolean; timeout: number; exited: boolean },
  ): ThreadsSnapshot {
    const { id, pending } = this.start(options);
    try {
      const mine = own();
      const deadline = Date.now() + options.timeout;
      for (;;) {
        for (let m = receiveNow(this.replies); m !== undefined; m = receiveNow(this.replies)) {
          this.receive(m.message);
        }
        if (this.complete(pending) || Date.now() >= deadline) break;
        // A spin: this may run inside the program's own Atomics.wait (an
        // interrupt of `tracemalloc run`'s relay), which V8 cannot nest.
      }
      return this.merge(mine, pending, options);
    } finally {
      this.pending.delete(id);
    }
  }

  private merge(mine: Snapshot, pending: Pending, options: { timeout: number; exited: boolean }): ThreadsSnapshot {
    const snapshots = [mine];
    const threads: ThreadStatus[] = [{ threadId, state: 'answered' }];
    const add = (id: number, bytes: Uint8Array, state: 'answered' | 'exited', detail?: string): void => {
      let snapshot: Snapshot;
      try {
        snapshot = decodeSnapshot(bytes, `thread ${id}'s table`);
      } catch (error) {
        threads.push({
          threadId: id,
          state: 'missing',
          detail: error instanceof Error ? error.message : String(error),
        });
        return;
      }
      const mismatch = settingsMismatch(mine, snapshot);
      if (mismatch !== undefined) {
        threads.push({ threadId: id, state: 'missing', detail: mismatch });
        return;
      }
      snapshots.push(snapshot);
      threads.push(detail === undefined ? { threadId: id, state } : { threadId: id, state, detail });
    };
    const ids = new Set([...this.known.keys(), ...pending.answers.keys()]);
    for (const id of [...ids].sort((a, b) => a - b)) {
      const answer = pending.answers.get(id);
      const known = this.known.get(id);
      if (answer?.bytes !== undefined) add(id, answer.bytes, 'answered');
      else if (answer?.error !== undefined) threads.push({ threadId: id, state: 'missing', detail: answer.error });
      else if (known?.last !== undefined) {
        if (options.exited)
          add(
            id,
            known.last.bytes,
            'exited',
            `its table as it exited, at ${new Date(known.last.timestamp).toISOString()}`,
          );
      } else if (known?.endedAt !== undefined) {
        threads.push({
          threadId: id,
          state: 'missing',
          detail: 'it ended without a last table (a worker ended by terminate() runs no more JavaScript)',
        });
      } else if (known !== undefined && !known.exited) {
        if (++known.misses >= MAX_MISSES) this.known.delete(id);
        threads.push({
          threadId: id,
          state: 'missing',
          detail: `no answer within ${options.timeout} ms (busy in synchronous code, or blocked in Atomics.wait?)`,
        });
      }
    }
    return mergeSnapshots(snapshots, threads);
  }
}

/** Why `other` cannot be merged into `mine`, or undefined. */
function settingsMismatch(mine: Snapshot, other: Snapshot): string | undefined {
  if (other.interval !== mine.interval) return `traced at interval ${other.interval}, not ${mine.interval}`;
  if (other.view !== mine.view) return `its table is of the ${other.view} view, not ${mine.view}`;
  return undefined;
}

let collector: ThreadCollector | undefined;

/** @internal This thread's collector, created on first use: from then on it learns which threads are traced. */
export function threadCollector(): ThreadCollector {
  collector ??= new ThreadCollector();
  return collector;
}

export type { ThreadCollector };

/** The options of {@link takeSnapshotAllThreads}, checked. @internal */
export function allThreadsOptions(options: unknown): { snapshot: SnapshotOptions; timeout: number; exited: boolean } {
  const opts = check.options(options, 'options', ['gc', 'view', 'sourceMaps', 'timeout', 'exited'] as const);
  const timeout =
    opts.timeout === undefined ? DEFAULT_THREAD_TIMEOUT : check.integerInRange(opts.timeout, 'timeout', 0, 600_000);
  const exited = opts.exited === undefined ? true : check.boolean(opts.exited, 'exited');
  // gc, view and sourceMaps are checked by takeSnapshot().
  const { gc, view, sourceMaps } = opts;
  return { snapshot: { gc, view, sourceMaps } as SnapshotOptions, timeout, exited };
}
