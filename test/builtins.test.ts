// What builtins allocate is charged to the user's line that called them, as
// Python charges C code to the Python line: exact counts under V8's
// deterministic flags, in fresh processes (test/fixtures/builtins.js).
import { DETERMINISTIC_FLAGS, runFixture } from './helpers/child';

interface Totals {
  size: number;
  count: number;
}
interface Result {
  frames: number;
  kept: number;
  lineno: Record<string, (Totals & { function: string }) | null>;
  viaBuiltin: Record<string, Totals>;
  unknown: { function: string; count: number }[];
  traceback: string[];
}

const N = 1000;
// No Sparkplug: it compiles functions in batches, so whether splitLines's
// baseline code (a dozen metadata objects charged to its line, once) is made
// inside the N-call or the 2N-call run depends on how much other JS ran
// before (the tracer's own modules included), not on the calls measured.
const FLAGS = [...DETERMINISTIC_FLAGS, '--no-sparkplug'];
const run = (frames: number, n: number) => runFixture<Result>('builtins.js', FLAGS, [String(frames), String(n)]);
let once: Result;
let twice: Result;
let deep: Result;
beforeAll(() => {
  once = run(1, N);
  twice = run(1, 2 * N);
  deep = run(8, N);
});

/** Objects per call: the difference between N and 2N calls, over N (what the function does once cancels out). */
function perCall(pick: (r: Result) => Totals | null | undefined): number {
  const a = pick(once);
  const b = pick(twice);
  expect(a).toBeTruthy();
  expect(b).toBeTruthy();
  return ((b as Totals).count - (a as Totals).count) / N;
}

// OrderedHashMap (scripts/accuracy-table.js): a FixedArray header, 3
// counters, C/2 buckets and 3 words per entry, capacity doubled from 4.
function mapTableBytes(entries: number): number {
  let capacity = 4;
  while (capacity < entries) capacity *= 2;
  return 8 * (2 + 3 + capacity / 2 + 3 * capacity);
}

describe('builtins are charged to the user line that called them (frames = 1)', () => {
  test('split: one array per call, on splitLines', () => {
    expect(perCall((r) => r.viaBuiltin['split (builtin) in splitLines'])).toBe(1);
    expect(perCall((r) => r.lineno.splitLines)).toBe(1);
  });

  test('map: a JSArray and its store per call, on mapArrays', () => {
    expect(perCall((r) => r.viaBuiltin['map (builtin) in mapArrays'])).toBe(2);
    expect(perCall((r) => r.lineno.mapArrays)).toBe(2);
  });

  test('new Map: a JSMap and its table per call, on makeMaps', () => {
    expect(perCall((r) => r.viaBuiltin['Map (builtin) in makeMaps'])).toBe(2);
    expect(perCall((r) => r.lineno.makeMaps)).toBe(2);
  });

  test('set: the live table of the final capacity, on fillMap', () => {
    for (const [result, n] of [
      [once, N],
      [twice, 2 * N],
    ] as const) {
      expect(result.viaBuiltin['set (builtin) in fillMap']).toEqual({ count: 1, size: mapTableBytes(n) });
      expect(result.lineno.fillMap?.size).toBeGreaterThanOrEqual(mapTableBytes(n));
    }
  });

  test('push: the backing store of 10·N elements, on pushItems', () => {
    // Node 20 grows the store in pushItems' own frame, later Nodes in push's: the line is the same.
    expect(once.lineno.pushItems?.size).toBeGreaterThanOrEqual(8 * 10 * N);
    expect(twice.lineno.pushItems?.size).toBeGreaterThanOrEqual(8 * 20 * N);
  });

  test('the report names the builtin when all of a line goes through one', () => {
    expect(once.lineno.fillMap?.function).toBe('fillMap'); // new Map and set: two builtins
    expect(Object.keys(once.viaBuiltin)).toEqual(
      expect.arrayContaining([
        'split (builtin) in splitLines',
        'map (builtin) in mapArrays',
        'Map (builtin) in makeMaps',
        'set (builtin) in fillMap',
      ]),
    );
  });

  test('no <unknown>:0 line: every allocation here has a scripted caller', () => {
    expect(once.frames).toBe(1);
    expect(once.unknown).toEqual([]);
  });
});

test('frames = 1 finds the same lines and counts as frames = 8', () => {
  expect(deep.frames).toBe(8);
  expect(once.lineno).toEqual(deep.lineno);
  expect(once.viaBuiltin).toEqual(deep.viaBuiltin);
});

test("'traceback' keys keep the builtin as a leaf; formatted, it reads `split (builtin) in splitLines`", () => {
  const lines = once.traceback.map((t) => t.split('|')[0]);
  for (const [fn, builtin] of [
    ['splitLines', 'split'],
    ['mapArrays', 'map'],
    ['makeMaps', 'Map'],
    ['fillMap', 'set'],
  ]) {
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`builtins\\.js", line \\d+, in ${builtin} \\(builtin\\) in ${fn}$`)),
    );
  }
});
