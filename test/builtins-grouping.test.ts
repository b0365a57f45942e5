// Builtin attribution (issue 11) inside the linear grouping (issue 12): the
// key of a trace is its nearest scripted frame, named with the builtin it
// called, and cumulative sums skip builtins below a scripted caller; the
// subtree sums must give what walking each trace to its root gives. And the
// builtin labels, like every name, reach a terminal escaped.
import { formatTop, topReport } from '../lib/faces/report';
import type { FrameData } from '../lib/model/table';
import { Snapshot, type TraceData } from '../lib/model/snapshot';

const scripted: FrameData[] = [
  { filename: 'a.js', lineno: 1, functionName: 'f' },
  { filename: 'a.js', lineno: 5, functionName: 'g' },
  { filename: 'b.js', lineno: 3, functionName: 'h' },
];
const builtins: FrameData[] = ['split', 'map'].map((functionName) => ({
  filename: '',
  lineno: 0,
  functionName,
  builtin: true,
}));

/** Deterministic traces (a linear congruential generator), frames most recent first, builtins anywhere. */
function randomTraces(seed: number, n: number): TraceData[] {
  let state = seed >>> 0;
  const next = (k: number): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % k;
  };
  const pool = [...scripted, ...builtins];
  return Array.from({ length: n }, () => ({
    domain: 0,
    size: 8 * (1 + next(50)),
    count: 1 + next(3),
    frames: Array.from({ length: 1 + next(7) }, () => pool[next(pool.length)]),
  }));
}

/** The reference: each trace on its own, frame by frame (what issue 11's walk computed). */
function reference(traces: TraceData[], key: 'lineno' | 'function', cumulative: boolean): Map<string, number> {
  const out = new Map<string, number>();
  const add = (k: string, size: number): void => {
    out.set(k, (out.get(k) ?? 0) + size);
  };
  const where = (f: FrameData): string => (f.builtin === true ? '<unknown>:0' : `${f.filename}:${f.lineno}`);
  for (const t of traces) {
    const frames = t.frames;
    const nearest = frames.findIndex((f) => f.builtin !== true);
    if (cumulative) {
      frames.forEach((f, i) => {
        // A builtin counts only when no scripted frame called it.
        if (f.builtin === true && frames.slice(i + 1).some((g) => g.builtin !== true)) return;
        add(
          key === 'function' ? `${where(f)} ${f.functionName}${f.builtin === true ? ' (builtin)' : ''}` : where(f),
          t.size,
        );
      });
      continue;
    }
    if (nearest < 0) {
      add(key === 'function' ? `<unknown>:0 ${frames[0].functionName} (builtin)` : '<unknown>:0', t.size);
    } else {
      const f = frames[nearest];
      const called = nearest > 0 ? frames[nearest - 1].functionName : '';
      const label = called === '' ? f.functionName : `${called} (builtin) in ${f.functionName}`;
      add(key === 'function' ? `${where(f)} ${label}` : where(f), t.size);
    }
  }
  return out;
}

function grouped(snapshot: Snapshot, key: 'lineno' | 'function', cumulative: boolean): Map<string, number> {
  const out = new Map<string, number>();
  for (const stat of snapshot.statistics(key, cumulative)) {
    const frame = stat.traceback.at(0);
    const k = key === 'function' ? `${String(stat.traceback)} ${frame?.functionLabel}` : String(stat.traceback);
    expect(out.has(k)).toBe(false);
    out.set(k, stat.size);
  }
  return out;
}

test.each([1, 2, 3, 4, 5])('random tables with builtins (seed %i): statistics equal the per-trace walk', (seed) => {
  const traces = randomTraces(seed, 400);
  const snapshot = Snapshot.fromTraces(traces, 8);
  for (const key of ['lineno', 'function'] as const) {
    for (const cumulative of [false, true]) {
      const want = [...reference(traces, key, cumulative)].sort();
      expect([...grouped(snapshot, key, cumulative)].sort()).toEqual(want);
    }
  }
});

test('builtin labels are escaped in Traceback.format and the top report', () => {
  const evil = { filename: '', lineno: 0, functionName: 'sp\x1b[2Jlit', builtin: true };
  const caller = { filename: 'a.js', lineno: 3, functionName: 'parse\x07Line' };
  const snapshot = Snapshot.fromTraces([{ domain: 0, size: 64, frames: [evil, caller] }], 2);
  const [stat] = snapshot.statistics('function');
  expect(stat.traceback.at(0)?.functionLabel).toBe('sp\x1b[2Jlit (builtin) in parse\x07Line'); // exact in the API
  const formatted = snapshot.statistics('traceback')[0].traceback.format().join('\n');
  expect(formatted).toContain('in sp\\x1b[2Jlit (builtin) in parse\\x07Line');
  const options = { key: 'function' as const, top: 10, cumulative: false, include: [], exclude: [] };
  const text = formatTop(topReport(snapshot, options, 'test'), { source: 'test', cwd: '/', color: false });
  expect(text).toContain('sp\\x1b[2Jlit (builtin) in parse\\x07Line');
  for (const out of [formatted, text]) expect(out).not.toMatch(/[\x07\x1b]/);
});
