import { formatSize } from '../helpers/format';
import type { Traceback } from './traceback';

/**
 * Memory allocated at one place: V8's sample of one object (exact mode) or
 * the objects it stands for (sampled mode, `count` and `size` estimates).
 */
export class Trace {
  /** Thread id: 0 for the main thread, `worker_threads.threadId` in a worker. */
  readonly domain: number;
  /** Bytes (an unbiased estimate when the snapshot was sampled). */
  readonly size: number;
  /** Objects (1 in exact mode; an estimate when sampled). */
  readonly count: number;
  /** Where it was allocated, oldest frame first. */
  readonly traceback: Traceback;

  constructor(domain: number, size: number, count: number, traceback: Traceback) {
    this.domain = domain;
    this.size = size;
    this.count = count;
    this.traceback = traceback;
  }

  /** `app.js:12: 64 B`, as Python prints a trace. */
  toString(): string {
    return `${String(this.traceback)}: ${formatSize(this.size)}`;
  }
}
