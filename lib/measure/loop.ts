// The loops that call the measured function, and the driver that runs a
// measuring plan over them synchronously or, once fn turns out to return a
// promise, asynchronously.
//
// Why the call sites are "primed": once TurboFan optimizes a loop it inlines
// a monomorphic callee into it, and V8's sampler then charges the callee's
// allocations to the loop's frame (inlined frames are invisible to it). The
// loop lives in this package, so the native side drops those samples as the
// tracer's own: an optimized `() => ({ a: 1 })` measured 0 B/op. A call site
// whose feedback is megamorphic is never inlined, so before each use every
// call site here is called with several distinct functions. Feedback vectors
// are allocated lazily (after a few calls), hence the repeats; priming again
// each time survives V8 flushing the bytecode (and feedback) of idle functions.

/** The function under measurement: called with no arguments. */
export type Measured = () => unknown;

/** @internal True for a value `await` would wait on. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function callOnce(fn: Measured): unknown {
  return fn();
}

function runSync(fn: Measured, calls: number): void {
  // Results are dropped, not kept in a sink: with fn never inlined here its
  // allocations escape through its return, so V8 cannot elide them, and a
  // sink would keep the last result alive (counted as retained).
  for (let i = 0; i < calls; i++) fn();
}

async function runAsync(fn: Measured, calls: number): Promise<void> {
  for (let i = 0; i < calls; i++) await fn();
}

const DUMMIES: readonly Measured[] = [
  function primeA(): void {},
  function primeB(): number {
    return 1;
  },
  function primeC(): string {
    return '';
  },
];

function prime(): void {
  for (let k = 0; k < 24; k++) {
    const dummy = DUMMIES[k % DUMMIES.length];
    callOnce(dummy);
    runSync(dummy, 1);
    // Runs synchronously up to its first await, which is past the call:
    // enough to record the feedback. The promise settles harmlessly later.
    void runAsync(dummy, 1);
  }
}

/**
 * A measuring plan: a generator that yields how many calls of fn to make
 * next (tracing on or off as it chose) and returns the result. The driver
 * throws fn's errors into it, so its `finally` blocks stop the sampler.
 */
export type Plan<T> = Generator<number, T, void>;

async function finishAsync<T>(fn: Measured, plan: Plan<T>, pending: PromiseLike<unknown>, left: number): Promise<T> {
  let step: IteratorResult<number, T>;
  try {
    await pending;
    await runAsync(fn, left);
    step = plan.next();
  } catch (error) {
    step = plan.throw(error);
  }
  while (!step.done) {
    try {
      await runAsync(fn, step.value);
      step = plan.next();
    } catch (error) {
      step = plan.throw(error);
    }
  }
  return step.value;
}

/**
 * @internal
 * Runs `plan`, calling fn as many times as it asks. The first call tells sync
 * from async: if it returns a thenable, every call from then on is awaited
 * and the result is a promise; otherwise the whole plan runs synchronously.
 */
export function drive<T>(fn: Measured, plan: Plan<T>): T | Promise<T> {
  prime();
  let sync = false;
  let step = plan.next();
  while (!step.done) {
    const calls = step.value;
    try {
      if (sync) {
        runSync(fn, calls);
      } else if (calls > 0) {
        const first = callOnce(fn);
        if (isThenable(first)) return finishAsync(fn, plan, first, calls - 1);
        sync = true;
        runSync(fn, calls - 1);
      }
      step = plan.next();
    } catch (error) {
      step = plan.throw(error);
    }
  }
  return step.value;
}
