// Allocated bytes at no per-allocation cost, from the binding's GC accounting
// (native/heap_watch.h): bytes allocated = growth of the used heap + what
// every GC freed, a monotonic total since the binding loaded. Windows are
// differences of it, whatever starts and stops tracing meanwhile.
import { heapCounters } from './tracemalloc';

function read(): number {
  return heapCounters().allocated;
}

// What one read allocates itself (its result object and boxed numbers),
// measured once as the smallest gap between back-to-back reads. A window's
// first read is allocated inside it; its last read is made after the heap is
// measured: each window holds exactly one read to take off.
let readCost: number | undefined;

function costOfRead(): number {
  if (readCost === undefined) {
    let cost = Infinity;
    for (let i = 0; i < 5; i++) {
      const a = read();
      const b = read();
      cost = Math.min(cost, b - a);
    }
    readCost = Math.max(0, cost);
  }
  return readCost;
}

/**
 * Bytes allocated on this thread's JS heap so far: a running total for
 * taking differences (its origin is when the package was loaded, roughly),
 * read from GC accounting at no per-allocation cost. Counts everything the
 * heap allocated, whoever asked: your code, V8's compilers and inline caches,
 * and this package's own work (snapshots). Off-heap memory (ArrayBuffer and
 * Buffer contents) is not counted.
 *
 * Accuracy: used-heap growth plus bytes freed per GC agreed with exact
 * tracing within the error `scripts/accuracy-table.js` prints (see the
 * accuracy table in docs/measure.md); the tail of a collection that V8 sweeps
 * concurrently can be missed.
 *
 * @example
 * const before = allocatedBytes();
 * build();
 * console.log(`build allocated ${allocatedBytes() - before} bytes`);
 * @throws {TracemallocError} `ERR_TRACEMALLOC_NO_BINARY` without the addon; `ERR_TRACEMALLOC_TEARDOWN` at exit
 */
export function allocatedBytes(): number {
  return read();
}

/** A window over {@link allocatedBytes}; see {@link allocationCounter}. */
export interface AllocationCounter {
  /** Bytes allocated since the counter was made or last reset, less the counter's own reads. */
  bytes(): number;
  /** Starts the window again from now. */
  reset(): void;
}

class HeapWindow implements AllocationCounter {
  private start = 0;
  private readonly cost: number;

  constructor() {
    this.cost = costOfRead();
    this.reset();
  }

  reset(): void {
    this.start = read();
  }

  bytes(): number {
    // The used heap can shrink a little after a GC's epilogue as concurrent
    // sweeping finishes; never report a negative allocation for it.
    return Math.max(0, read() - this.start - this.cost);
  }
}

/**
 * A window for counting the bytes a piece of code allocates, at no
 * per-allocation cost (unlike {@link measure}, nothing is traced: code runs
 * at full speed). Everything the thread allocates in the window counts,
 * including V8's own work (see {@link allocatedBytes}); for per-site,
 * per-object figures use {@link measure}.
 *
 * @example
 * const counter = allocationCounter();
 * for (let i = 0; i < 1000; i++) handle(request);
 * console.log(`${counter.bytes() / 1000} B per request`);
 * @throws {TracemallocError} `ERR_TRACEMALLOC_NO_BINARY` without the addon
 */
export function allocationCounter(): AllocationCounter {
  return new HeapWindow();
}
