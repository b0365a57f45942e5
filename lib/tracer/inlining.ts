// The V8 flags that keep inlined functions' frames visible, per V8 version,
// in one place: everything that turns inlining off (start({ inlining: false }),
// register and `tracemalloc run`, measure(), the tests' deterministic flags,
// the examples, the bench) goes through here.
//
// V8's sampler walks physical stack frames: once an optimizing compiler
// inlines a callee into its caller, the callee has no frame and its
// allocations are charged to the caller. Which compilers inline, measured
// with %OptimizeFunctionOnNextCall / %OptimizeMaglevOnNextCall on a caller
// of a small allocating helper (test/inlining.test.ts):
//
//   Node  V8    TurboFan  Maglev                      flags needed
//   20    11.3  inlines   off by default (no inlining)  --no-turbo-inlining (--no-maglev-inlining harmless)
//   22    12.4  inlines   off by default                --no-turbo-inlining, --no-maglev-inlining for --maglev
//   24    13.6  inlines   inlines                        both
//   26    14.6  inlines   inlines                        both
//
// Turbolev (`--turbolev`, off by default on 24 and 26) inlines through
// Maglev's graph builder: --no-maglev-inlining stops it too (measured), so
// its own non-eager-inlining flags need not be touched.
//
// V8 flags are process-wide and read when a function is optimized: they
// must be set before the program's hot code is optimized. Code optimized
// earlier keeps its inlining until V8 deoptimizes it.
import * as v8 from 'node:v8';

/** One flag that turns off one compiler's inlining. */
interface InliningFlag {
  /** The flag's name without `--` or `--no-`. */
  name: string;
  compiler: string;
  /** First V8 major version that has the flag (setting an unknown flag prints an error). */
  sinceV8: number;
}

const FLAGS: readonly InliningFlag[] = [
  { name: 'turbo-inlining', compiler: 'TurboFan', sinceV8: 0 },
  // Maglev appeared in V8 11 (Node 20), on by default from V8 12.x on some
  // platforms and everywhere from 13 (Node 24).
  { name: 'maglev-inlining', compiler: 'Maglev and Turbolev', sinceV8: 11 },
];

function v8Major(version: string = process.versions.v8): number {
  const major = Number.parseInt(version, 10);
  return Number.isFinite(major) ? major : 0;
}

/**
 * The V8 flags that turn inlining off on a V8 of this version (the running
 * one by default), e.g. `['--no-turbo-inlining', '--no-maglev-inlining']`:
 * to pass on a `node` command line, or to `v8.setFlagsFromString`.
 *
 * @example
 * spawn(process.execPath, [...noInliningFlags(), 'app.js']);
 */
export function noInliningFlags(v8Version: string = process.versions.v8): string[] {
  const major = v8Major(v8Version);
  return FLAGS.filter((f) => major >= f.sinceV8).map((f) => `--no-${f.name}`);
}

let turnedOff = false;

/**
 * Turns V8's inlining off for the rest of the process (all threads: V8 flags
 * are process-wide), so that every function keeps its own frame in traces.
 * Call it before the code you trace gets hot: functions V8 has already
 * optimized keep their inlining until deoptimized. Idempotent.
 */
export function disableInlining(): void {
  if (turnedOff) return;
  for (const flag of noInliningFlags()) v8.setFlagsFromString(flag);
  turnedOff = true;
}

/** The last word on `--[no-]name` in a list of node arguments (V8 takes `_` for `-`). */
function lastSetting(args: readonly string[], name: string): boolean | undefined {
  let value: boolean | undefined;
  for (const arg of args) {
    const [flag, given] = arg.replace(/_/g, '-').split('=', 2);
    if (flag === `--no-${name}`) value = false;
    else if (flag === `--${name}`) value = given !== 'false' && given !== '0';
  }
  return value;
}

/**
 * Whether V8 inlines in this process: `false` once {@link disableInlining}
 * ran, or when node was started with every flag of {@link noInliningFlags}
 * on its command line (NODE_OPTIONS does not take V8 flags); `true` otherwise.
 */
export function inliningEnabled(): boolean {
  if (turnedOff) return false;
  return !noInliningFlags().every((flag) => lastSetting(process.execArgv, flag.slice('--no-'.length)) === false);
}

/**
 * Whether `start()` leaves inlining on at sampled intervals (production)
 * when not told: chosen from bench/inlining.js's figures (docs/performance.md).
 */
export const SAMPLED_INLINING_DEFAULT = true;

/** Whether tracing at `interval` lets V8 inline unless told: never in exact mode (interval 1). */
export function defaultInlining(interval: number): boolean {
  return interval !== 1 && SAMPLED_INLINING_DEFAULT;
}

/** What a report says when inlining was on, and how to see the hidden frames. */
export const INLINING_NOTE =
  "inlined functions are charged to their callers (V8 inlined small functions); to see them: 'tracemalloc run --no-inlining', " +
  'NODE_TRACEMALLOC_INLINING=0, or start(frames, { inlining: false })';
