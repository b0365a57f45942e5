// Filter, DomainFilter and Snapshot.filterTraces: a port of CPython's
// TestFilters and TestSnapshot.test_filter_traces*, over the columnar table.
import * as path from 'node:path';
import { BaseFilter, DomainFilter, Filter, TRACER_FILTERS, defaultReportFilters } from '../lib/model/filter';
import { Frame } from '../lib/model/frame';
import { Snapshot, type TraceData } from '../lib/model/snapshot';
import type { Trace } from '../lib/model/trace';
import { Traceback } from '../lib/model/traceback';

type RawTrace = [domain: number, size: number, frames: [string, number][]];

/** Python's create_snapshots(): frames most recent first, as `_get_traces()` gives them. */
function fromRaw(raw: RawTrace[]): Snapshot {
  const traces: TraceData[] = raw.map(([domain, size, frames]) => ({
    domain,
    size,
    frames: frames.map(([filename, lineno]) => ({ filename, lineno })),
  }));
  return Snapshot.fromTraces(traces, 2);
}

const RAW1: RawTrace[] = [
  [
    0,
    10,
    [
      ['a.py', 2],
      ['b.py', 4],
    ],
  ],
  [
    0,
    10,
    [
      ['a.py', 2],
      ['b.py', 4],
    ],
  ],
  [
    0,
    10,
    [
      ['a.py', 2],
      ['b.py', 4],
    ],
  ],
  [
    1,
    2,
    [
      ['a.py', 5],
      ['b.py', 4],
    ],
  ],
  [2, 66, [['b.py', 1]]],
  [3, 7, [['<unknown>', 0]]],
];

/** The traces back as raw tuples, most recent frame first. */
function raw(snapshot: Snapshot): RawTrace[] {
  return [...snapshot.traces].map((t) => [
    t.domain,
    t.size,
    t.traceback
      .toArray()
      .reverse()
      .map((f): [string, number] => [f.filename, f.lineno]),
  ]);
}

/** A traceback from Python's raw frames (most recent first). */
function tb(...frames: [string, number][]): Traceback {
  return new Traceback(frames.map(([filename, lineno]) => new Frame(filename, lineno)).reverse());
}

describe('Filter', () => {
  test('attributes, as test_filter_attributes', () => {
    let f = new Filter(true, 'abc');
    expect(f.inclusive).toBe(true);
    expect(f.filenamePattern).toBe('abc');
    expect(f.lineno).toBeUndefined();
    expect(f.allFrames).toBe(false);
    expect(f.domain).toBeUndefined();

    f = new Filter(false, 'test.py', 123, true, 7);
    expect(f.inclusive).toBe(false);
    expect(f.filenamePattern).toBe('test.py');
    expect(f.lineno).toBe(123);
    expect(f.allFrames).toBe(true);
    expect(f.domain).toBe(7);
    expect(new Filter(true, 'x', null, false, null).lineno).toBeUndefined();

    // Read-only, like Python's filename_pattern.
    expect(() => Object.assign(f, { filenamePattern: 'abc' })).toThrow(TypeError);
    expect(f.filenamePattern).toBe('test.py');
  });

  test('bad arguments are typed errors with codes', () => {
    const make =
      (...args: unknown[]) =>
      () =>
        new (Filter as unknown as new (...a: unknown[]) => Filter)(...args);
    expect(make('yes', 'a.py')).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }));
    expect(make(true, 42)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }));
    expect(make(true, 'a.py', -1)).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }));
    expect(make(true, 'a.py', 1.5)).toThrow(RangeError);
    expect(make(true, 'a.py', undefined, 1)).toThrow(TypeError);
    expect(make(true, 'a.py', undefined, false, -3)).toThrow(RangeError);
    expect(() => new DomainFilter(true, 'x' as unknown as number)).toThrow(TypeError);
  });

  test('frame match, as test_filter_match', () => {
    // _match_frame is the one-frame traceback case of _match_traceback.
    const m = (f: Filter, filename: string, lineno: number) => f.matchTraceback(tb([filename, lineno]));
    const cases: [Filter, boolean[]][] = [
      // results for abc:0, abc:5, abc:10, 12356:0, 12356:5, 12356:10
      [new Filter(true, 'abc'), [true, true, true, false, false, false]],
      [new Filter(false, 'abc'), [false, false, false, true, true, true]],
      [new Filter(true, 'abc', 5), [false, true, false, false, false, false]],
      [new Filter(false, 'abc', 5), [true, false, true, true, true, true]],
      [new Filter(true, 'abc', 0), [true, false, false, false, false, false]],
      [new Filter(false, 'abc', 0), [false, true, true, true, true, true]],
    ];
    for (const [filter, expected] of cases) {
      const got = ['abc', '12356'].flatMap((name) => [0, 5, 10].map((line) => m(filter, name, line)));
      expect(got).toEqual(expected);
    }
    // matchFrame is the raw test, inclusive or not.
    expect(new Filter(false, 'abc', 5).matchFrame('abc', 5)).toBe(true);
    expect(new Filter(false, 'abc', 5).matchFrame('abc', 6)).toBe(false);
  });

  test('filename match, as test_filter_match_filename', () => {
    const m = (inclusive: boolean, filename: string, pattern: string) =>
      new Filter(inclusive, pattern).matchTraceback(tb([filename, 0]));
    expect(m(true, 'abc', 'abc')).toBe(true);
    expect(m(true, '12356', 'abc')).toBe(false);
    expect(m(true, '<unknown>', 'abc')).toBe(false);
    expect(m(false, 'abc', 'abc')).toBe(false);
    expect(m(false, '12356', 'abc')).toBe(true);
    expect(m(false, '<unknown>', 'abc')).toBe(true);
  });

  test('traceback match, as test_filter_match_trace', () => {
    const t1 = tb(['a.py', 2], ['b.py', 3]);
    const t2 = tb(['b.py', 4], ['b.py', 5]);
    const t3 = tb(['c.py', 5], ['<unknown>', 0]);
    const unknown = tb(['<unknown>', 0]);
    const all = [t1, t2, t3, unknown];
    const results = (f: Filter) => all.map((t) => f.matchTraceback(t));

    expect(results(new Filter(true, 'b.py', undefined, true))).toEqual([true, true, false, false]);
    // Without allFrames only the most recent frame counts: t1 has b.py as caller only.
    expect(results(new Filter(true, 'b.py', undefined, false))).toEqual([false, true, false, false]);
    expect(results(new Filter(false, 'b.py', undefined, true))).toEqual([false, false, true, true]);
    expect(results(new Filter(false, 'b.py', undefined, false))).toEqual([true, false, true, true]);
    expect(results(new Filter(false, '<unknown>', undefined, false))).toEqual([true, true, true, false]);
    expect(results(new Filter(true, '<unknown>', undefined, true))).toEqual([false, false, true, true]);
    expect(results(new Filter(false, '<unknown>', undefined, true))).toEqual([true, true, false, false]);
  });

  test('an empty traceback is tested as <unknown>:0', () => {
    const empty = new Traceback([]);
    expect(new Filter(false, '<unknown>').matchTraceback(empty)).toBe(false);
    expect(new Filter(true, '<unknown>', 0, true).matchTraceback(empty)).toBe(true);
  });
});

describe('Snapshot.filterTraces', () => {
  test('as test_filter_traces', () => {
    const snapshot = fromRaw(RAW1);
    const original = raw(snapshot);
    const filter1 = new Filter(false, 'b.py');
    const filter2 = new Filter(true, 'a.py', 2);
    const filter3 = new Filter(true, 'a.py', 5);

    // exclude b.py
    const snapshot3 = snapshot.filterTraces([filter1]);
    expect(raw(snapshot3)).toEqual([RAW1[0], RAW1[1], RAW1[2], RAW1[3], RAW1[5]]);
    // filterTraces() must not touch the original snapshot
    expect(raw(snapshot)).toEqual(original);

    // only include two lines of a.py
    const snapshot4 = snapshot3.filterTraces([filter2, filter3]);
    expect(raw(snapshot4)).toEqual([RAW1[0], RAW1[1], RAW1[2], RAW1[3]]);

    // no filter: a copy
    const snapshot5 = snapshot.filterTraces([]);
    expect(snapshot5).not.toBe(snapshot);
    expect(snapshot5.table.sampleSize).not.toBe(snapshot.table.sampleSize);
    expect(raw(snapshot5)).toEqual(original);
    expect(snapshot5.tracebackLimit).toBe(2);

    // a filter, not a list of filters
    expect(() => snapshot.filterTraces(filter1 as unknown as Filter[])).toThrow(
      expect.objectContaining({ name: 'TypeError', message: 'filters must be a list of filters, not Filter' }),
    );
    expect(() => snapshot.filterTraces('b.py' as unknown as Filter[])).toThrow(TypeError);
    expect(() => snapshot.filterTraces([{ inclusive: true }] as unknown as Filter[])).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
  });

  test('any iterable of filters, such as a Set', () => {
    const snapshot = fromRaw(RAW1);
    expect(raw(snapshot.filterTraces(new Set([new Filter(false, 'b.py')])))).toHaveLength(5);
  });

  test('Filter with a domain, as test_filter_traces_domain', () => {
    const snapshot = fromRaw(RAW1);
    // exclude a.py of domain 1
    expect(raw(snapshot.filterTraces([new Filter(false, 'a.py', undefined, false, 1)]))).toEqual([
      RAW1[0],
      RAW1[1],
      RAW1[2],
      RAW1[4],
      RAW1[5],
    ]);
    // include a.py of domain 1 only
    expect(raw(snapshot.filterTraces([new Filter(true, 'a.py', undefined, false, 1)]))).toEqual([RAW1[3]]);
  });

  test('DomainFilter, as test_filter_traces_domain_filter', () => {
    const snapshot = fromRaw(RAW1);
    expect(raw(snapshot.filterTraces([new DomainFilter(false, 3)]))).toEqual(RAW1.slice(0, 5));
    expect(raw(snapshot.filterTraces([new DomainFilter(true, 3)]))).toEqual([RAW1[5]]);
  });

  test('inclusive filters are OR-ed; any exclusive filter that rejects drops the trace', () => {
    const snapshot = fromRaw(RAW1);
    const kept = snapshot.filterTraces([
      new Filter(true, 'a.py'),
      new Filter(true, 'b.py'),
      new Filter(false, '*', 5),
      new DomainFilter(false, 2),
    ]);
    expect(raw(kept)).toEqual([RAW1[0], RAW1[1], RAW1[2]]);
  });

  test('a trace with no frames is tested as <unknown>:0', () => {
    const snapshot = Snapshot.fromTraces([
      { domain: 0, size: 1, frames: [] },
      { domain: 0, size: 2, frames: [{ filename: 'a.js', lineno: 1 }] },
    ]);
    expect(snapshot.filterTraces([new Filter(false, '<unknown>')]).totalSize).toBe(2);
    expect(snapshot.filterTraces([new Filter(true, '<unknown>', 0, true)]).totalSize).toBe(1);
  });

  test('a custom BaseFilter gets each trace', () => {
    class Big extends BaseFilter {
      override match(trace: Trace): boolean {
        return trace.size >= 10;
      }
    }
    expect(raw(fromRaw(RAW1).filterTraces([new Big(true)]))).toEqual([RAW1[0], RAW1[1], RAW1[2], RAW1[4]]);
  });

  test('the columnar filter agrees with Filter.match(trace) on shared deep stacks', () => {
    // Deterministic pseudo-random traces over few files, so stacks share prefixes.
    let seed = 42;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return Math.floor((seed / 2 ** 32) * n);
    };
    const files = ['app.js', 'lib/x.js', 'node:internal/a', '<unknown>', 'vendor/y.js'];
    const traces: TraceData[] = [];
    for (let i = 0; i < 400; i++) {
      const depth = 1 + rand(6);
      const frames = Array.from({ length: depth }, () => ({ filename: files[rand(files.length)], lineno: rand(3) }));
      traces.push({ domain: rand(3), size: 1 + rand(100), frames: rand(20) === 0 ? [] : frames });
    }
    const snapshot = Snapshot.fromTraces(traces, 6);
    const filters = [
      new Filter(true, '*.js', undefined, true),
      new Filter(true, 'node:*', 1),
      new Filter(false, 'lib/*', undefined, true),
      new Filter(false, '<unknown>'),
      new Filter(false, 'vendor/*', 2, false, 1),
      new Filter(true, 'app.js', undefined, false, 2),
    ];
    for (let mask = 1; mask < 1 << filters.length; mask++) {
      const chosen = filters.filter((_, k) => mask & (1 << k));
      const include = chosen.filter((f) => f.inclusive);
      const exclude = chosen.filter((f) => !f.inclusive);
      // Python's Snapshot._filter_trace, one Trace object at a time.
      const expected = [...snapshot.traces].filter(
        (t) => (include.length === 0 || include.some((f) => f.match(t))) && exclude.every((f) => f.match(t)),
      );
      const got = [...snapshot.filterTraces(chosen).traces];
      expect(got.map(String)).toEqual(expected.map(String));
      expect(got.map((t) => t.domain)).toEqual(expected.map((t) => t.domain));
    }
  });
});

describe('TRACER_FILTERS', () => {
  const root = path.resolve(__dirname, '..');
  const snapshot = Snapshot.fromTraces([
    { domain: 0, size: 1, frames: [{ filename: path.join(root, 'lib', 'snapshot.js'), lineno: 3 }] },
    { domain: 0, size: 2, frames: [{ filename: path.join(root, 'dist', 'faces', 'export', 'pprof.js'), lineno: 9 }] },
    { domain: 0, size: 4, frames: [{ filename: 'node:internal/streams/readable', lineno: 1 }] },
    // Called back from our code: the allocation is the user's.
    {
      domain: 0,
      size: 8,
      frames: [
        { filename: path.join(root, 'test', 'user.js'), lineno: 5 },
        { filename: path.join(root, 'lib', 'measure.js'), lineno: 7 },
      ],
    },
  ]);

  test("hide the package's lib/ and dist/ files, not node internals nor callbacks", () => {
    expect(snapshot.filterTraces(TRACER_FILTERS).traces.length).toBe(2);
    expect(snapshot.filterTraces(TRACER_FILTERS).totalSize).toBe(12);
    expect(TRACER_FILTERS.every((f) => !f.inclusive && !f.allFrames)).toBe(true);
  });

  test('defaultReportFilters() is a fresh, extensible copy', () => {
    const filters = defaultReportFilters();
    expect(filters).toEqual([...TRACER_FILTERS]);
    filters.push(new Filter(false, 'node:*'));
    expect(TRACER_FILTERS).toHaveLength(2);
    expect(snapshot.filterTraces(filters).totalSize).toBe(8);
    expect(Object.isFrozen(TRACER_FILTERS)).toBe(true);
  });
});

describe('filters and builtins', () => {
  // parseLine called split, which allocated: the trace is parse.js's, as in statistics.
  const split = { filename: '<unknown>', lineno: 0, functionName: 'split', builtin: true };
  const parseLine = { filename: '/app/parse.js', lineno: 3, functionName: 'parseLine' };
  const snapshot = Snapshot.fromTraces([
    { domain: 0, size: 100, frames: [split, parseLine] },
    { domain: 0, size: 7, frames: [split] }, // no scripted caller recorded
  ]);
  const sizes = (filters: Filter[]) => [...snapshot.filterTraces(filters).traces].map((t) => t.size);

  test('test the most recent frame with a script, past the builtins in front of it', () => {
    expect(sizes([new Filter(false, '<unknown>')])).toEqual([100]);
    expect(sizes([new Filter(true, '/app/*')])).toEqual([100]);
    expect(sizes([new Filter(true, '<unknown>')])).toEqual([7]);
  });

  test('Filter.match on Trace objects agrees with the columnar filter', () => {
    const filter = new Filter(false, '<unknown>');
    expect([...snapshot.traces].map((t) => filter.match(t))).toEqual([true, false]);
  });
});
