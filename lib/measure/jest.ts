// The jest matchers behind node-tracemalloc/jest (lib/entries/jest.ts):
// measure() and the leak check as toAllocateAtMost, toAllocateObjectsAtMost
// and toLeak, registered on jest's global expect when it is there.
import { argError } from '../helpers/errors';
import { formatSize } from '../helpers/format';
import { checkLeaks, type LeakOptions, type LeakResult } from './leaks';
import { measure, type MeasureOptions, type MeasureResult } from './measure';
import { formatPerCall, formatTopSites } from './report';
import { isThenable } from './loop';
import { describeSize, parseSize, type Size } from '../helpers/size';

/** What a matcher on `expect(fn)` returns: a promise to await when fn is async (the matcher awaits fn). */
export type AwaitedFor<T, R> = T extends (...args: never[]) => PromiseLike<unknown> ? Promise<R> : R;

declare global {
  // Declaration merging with @types/jest's `jest.Matchers` (same type
  // parameters, as merging requires); harmless without @types/jest.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface Matchers<R, T = {}> {
      /**
       * Passes when one call of the received function allocates at most
       * `limit` bytes of JS heap (exact, per call: see `measure`). Await it
       * for an async function.
       */
      toAllocateAtMost(limit: Size, options?: MeasureOptions): AwaitedFor<T, R>;
      /** Passes when one call allocates at most `count` objects (exact, per call). */
      toAllocateObjectsAtMost(count: number, options?: MeasureOptions): AwaitedFor<T, R>;
      /**
       * Passes when repeated calls leave more than `threshold` bytes alive
       * after a full GC; use as `expect(fn).not.toLeak()`.
       */
      toLeak(options?: LeakOptions): AwaitedFor<T, R>;
    }
  }
}

/** The part of jest's matcher context these matchers use. */
export interface MatcherContextLike {
  /** Set under `.not`. */
  isNot?: boolean;
  /** `'resolves'` or `'rejects'` under `.resolves`/`.rejects`. */
  promise?: string;
  /** jest's helpers. */
  utils?: {
    /** Writes the matcher's first line (`expect(fn).toLeak()`). */
    matcherHint?: (
      name: string,
      received?: string,
      expected?: string,
      options?: { isNot?: boolean; promise?: string },
    ) => string;
  };
}

/** What a matcher returns to jest. */
export interface MatcherResult {
  /** Whether the expectation holds (before `.not`). */
  pass: boolean;
  /** The failure message, made only when shown. */
  message: () => string;
}

function hint(ctx: MatcherContextLike, name: string, expected: string): string {
  const options = { isNot: ctx.isNot, promise: ctx.promise };
  if (typeof ctx.utils?.matcherHint === 'function') return ctx.utils.matcherHint(name, 'fn', expected, options);
  return `expect(fn)${ctx.isNot ? '.not' : ''}.${name}(${expected})`;
}

function receivedFunction(received: unknown, name: string): () => unknown {
  if (typeof received !== 'function') {
    const kind = received === null ? 'null' : typeof received;
    throw argError('ERR_INVALID_ARG_TYPE', `${name}: expect() must be given the function to measure, received ${kind}`);
  }
  return received as () => unknown;
}

function then<T>(value: T | Promise<T>, next: (value: T) => MatcherResult): MatcherResult | Promise<MatcherResult> {
  return isThenable(value) ? Promise.resolve(value).then(next) : next(value);
}

/** "5552 B", or "31.3 KiB (32048 B)" from 10 KiB up, where formatSize leaves bytes. */
function bytesText(bytes: number): string {
  const text = formatSize(Math.round(bytes));
  return text.endsWith(' B') ? `${formatPerCall(bytes)} B` : `${text} (${formatPerCall(bytes)} B)`;
}

function received(r: MeasureResult): string {
  const objects = `${formatPerCall(r.allocsPerOp)} ${r.allocsPerOp === 1 ? 'object' : 'objects'}`;
  const how = r.exact ? 'exact' : `not settled after ${r.rounds} rounds: smallest round shown`;
  return `${bytesText(r.bytesPerOp)} and ${objects} per call (${r.iterations} calls, ${how})`;
}

function sites(r: MeasureResult): string {
  const note =
    r.snapshot.inlining === true
      ? '\n(inlined functions are charged to their callers: { inlining: true } let V8 inline)'
      : '';
  return `Top allocation sites over ${r.iterations} calls:\n${formatTopSites(r.snapshot, { calls: r.iterations })}${note}`;
}

/**
 * `expect(fn).toAllocateAtMost(limit, options?)`: one call of fn allocates at
 * most `limit` bytes (a number or a size string, see `parseSize`).
 */
function toAllocateAtMost(
  this: MatcherContextLike,
  fn: unknown,
  limit: Size,
  options?: MeasureOptions,
): MatcherResult | Promise<MatcherResult> {
  const f = receivedFunction(fn, 'toAllocateAtMost');
  const bytes = parseSize(limit);
  const head = hint(this, 'toAllocateAtMost', typeof limit === 'string' ? JSON.stringify(limit) : String(limit));
  return then(measure(f, { retained: false, ...options }), (r) => ({
    pass: r.bytesPerOp <= bytes,
    message: () =>
      `${head}\n\n` +
      `Expected: ${this.isNot ? 'more than' : 'at most'} ${describeSize(limit)} per call\n` +
      `Received: ${received(r)}\n\n${sites(r)}`,
  }));
}

/** `expect(fn).toAllocateObjectsAtMost(count, options?)`: one call of fn allocates at most `count` objects. */
function toAllocateObjectsAtMost(
  this: MatcherContextLike,
  fn: unknown,
  count: number,
  options?: MeasureOptions,
): MatcherResult | Promise<MatcherResult> {
  const f = receivedFunction(fn, 'toAllocateObjectsAtMost');
  if (typeof count !== 'number' || !(count >= 0)) {
    throw argError(
      'ERR_INVALID_ARG_TYPE',
      `toAllocateObjectsAtMost: expected a number of objects ≥ 0, received ${String(count)}`,
    );
  }
  const head = hint(this, 'toAllocateObjectsAtMost', String(count));
  return then(measure(f, { retained: false, ...options }), (r) => ({
    pass: r.allocsPerOp <= count,
    message: () =>
      `${head}\n\n` +
      `Expected: ${this.isNot ? 'more than' : 'at most'} ${count} ${count === 1 ? 'object' : 'objects'} per call\n` +
      `Received: ${received(r)}\n\n${sites(r)}`,
  }));
}

function leakMessage(ctx: MatcherContextLike, head: string, r: LeakResult): string {
  const objects = `${r.retainedAllocs} ${r.retainedAllocs === 1 ? 'object' : 'objects'}`;
  const left = `${r.iterations} calls left ${bytesText(r.retainedBytes)} in ${objects} alive after a full GC`;
  const expected = ctx.isNot
    ? `Expected: at most ${bytesText(r.threshold)} left alive by ${r.iterations} calls (threshold)`
    : `Expected: more than ${bytesText(r.threshold)} left alive by ${r.iterations} calls (threshold)`;
  return (
    `${head}\n\n${expected}\nReceived: ${left} (smallest of ${r.passes} ${r.passes === 1 ? 'pass' : 'passes'})\n\n` +
    `Top retained allocation sites:\n${formatTopSites(r.snapshot, { calls: r.iterations })}`
  );
}

/**
 * `expect(fn).not.toLeak({ iterations, threshold })`: `iterations` calls of
 * fn (after warm-up) leave at most `threshold` bytes alive after a full GC.
 */
function toLeak(this: MatcherContextLike, fn: unknown, options?: LeakOptions): MatcherResult | Promise<MatcherResult> {
  const f = receivedFunction(fn, 'toLeak');
  const head = hint(this, 'toLeak', options === undefined ? '' : 'options');
  return then(checkLeaks(f, options), (r) => ({ pass: r.leaks, message: () => leakMessage(this, head, r) }));
}

/**
 * The matchers, for `expect.extend(matchers)` in any jest-compatible runner
 * (jest, vitest, bun's).
 *
 * @example
 * import { expect } from '@jest/globals';
 * import { matchers } from 'node-tracemalloc/jest';
 * expect.extend(matchers);
 */
export const matchers = {
  /** `expect(fn).toAllocateAtMost(limit, options?)`: one call of fn allocates at most `limit` bytes. */
  toAllocateAtMost,
  /** `expect(fn).toAllocateObjectsAtMost(count, options?)`: one call of fn allocates at most `count` objects. */
  toAllocateObjectsAtMost,
  /** `expect(fn).not.toLeak(options?)`: repeated calls of fn leave at most `threshold` bytes alive. */
  toLeak,
};

/** What {@link register} needs of `expect`. */
export interface ExpectLike {
  /** Adds matchers to `expect`. */
  extend(matchers: object): void;
}

function isExpectLike(value: unknown): value is ExpectLike {
  return (
    (typeof value === 'function' || typeof value === 'object') &&
    value !== null &&
    typeof (value as ExpectLike).extend === 'function'
  );
}

/**
 * Adds the matchers to `expect` (jest's global one by default).
 *
 * @example
 * // jest.config.js: setupFilesAfterEnv: ['node-tracemalloc/jest'] registers them by itself;
 * // or in a setup file:
 * require('node-tracemalloc/jest').register();
 * @throws {TypeError} no `expect` given and no global one (not running under jest)
 */
export function register(expectImpl?: ExpectLike): void {
  const target: unknown = expectImpl ?? (globalThis as { expect?: unknown }).expect;
  if (!isExpectLike(target)) {
    throw Object.assign(
      new TypeError(
        "register() needs jest's expect: import node-tracemalloc/jest from a setupFilesAfterEnv file, " +
          "or pass expect (from '@jest/globals' or 'vitest')",
      ),
      { code: 'ERR_INVALID_ARG_TYPE' },
    );
  }
  target.extend(matchers);
}

// Importing this module under jest (a setupFilesAfterEnv entry, or a test
// file) is enough: jest's global expect is there to extend.
if (isExpectLike((globalThis as { expect?: unknown }).expect)) register();
