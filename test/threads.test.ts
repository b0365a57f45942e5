// Every thread: workers traced with the main thread's settings under register
// and `tracemalloc run`, their tables merged into the dumps and the report
// (domain = thread id), --thread selecting them, takeSnapshotAllThreads().
// The fixture (test/fixtures/threads/workers.js) runs three workers that
// allocate in functions of their own, exactly (interval 1): one idles until
// the process ends, one ends first (its last table is kept), one spins in
// synchronous code (it cannot answer: reported missing, never waited for).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSnapshot } from '../lib/model/dump';
import type { TopReport } from '../lib/faces/report';
import { Snapshot } from '../lib/model/snapshot';
import { DomainFilter } from '../lib/model/filter';
import { mergeSnapshots, mergeTables } from '../lib/tracer/threads/merge';
import { isReplyMessage } from '../lib/tracer/threads/protocol';
import { parseThreadList, threadsOf } from '../lib/tracer/threads/select';
import { repoRoot, type ChildResult } from './helpers/child';
import { cli, lastJson, node, tempDir } from './helpers/cli';

const FIXTURE = path.join(repoRoot, 'test', 'fixtures', 'threads', 'workers.js');
const REGISTER = path.join(repoRoot, 'dist', 'register.js');
// Each function keeps this many objects alive (the fixture's OBJECTS): at
// interval 1 every one is recorded, so each count is at least this, exactly.
const OBJECTS = 3000;
const EXACT = { NODE_TRACEMALLOC: '4', NODE_TRACEMALLOC_INTERVAL: '1' };

interface Ids {
  stays: number;
  exits: number;
  spins: number;
}
type Counts = Record<string, Record<string, number>>;

/** Per thread (domain): objects whose most recent frame is each allocIn* function. */
function countsByThread(snapshot: Snapshot): Counts {
  const out: Counts = {};
  for (const trace of snapshot.traces) {
    const name = trace.traceback.at(-1)?.functionName ?? '';
    if (!name.startsWith('allocIn')) continue;
    const counts = (out[trace.domain] ??= {});
    counts[name] = (counts[name] ?? 0) + trace.count;
  }
  return out;
}

function succeeded(result: ChildResult): ChildResult {
  if (result.status !== 0)
    throw new Error(`exit ${result.status ?? result.signal}:\n${result.stderr}\n${result.stdout}`);
  return result;
}

/** What a merged dump of the fixture must hold: each function in its own thread only. */
function expectEveryThread(snapshot: Snapshot, ids: Ids): void {
  const counts = countsByThread(snapshot);
  expect(Object.keys(counts[0])).toEqual(['allocInMain']);
  expect(Object.keys(counts[ids.stays])).toEqual(['allocInStayingWorker']);
  expect(Object.keys(counts[ids.exits])).toEqual(['allocInExitingWorker']);
  expect(counts[0].allocInMain).toBeGreaterThanOrEqual(OBJECTS);
  expect(counts[ids.stays].allocInStayingWorker).toBeGreaterThanOrEqual(OBJECTS);
  // Its table as it exited, kept by the main thread.
  expect(counts[ids.exits].allocInExitingWorker).toBeGreaterThanOrEqual(OBJECTS);
  // Busy in synchronous code: not in the dump.
  expect(threadsOf(snapshot)).toEqual([0, ids.stays, ids.exits].sort((a, b) => a - b));
}

describe('every thread traced under register and tracemalloc run', () => {
  const tmp = tempDir('threads');
  afterAll(() => tmp.remove());
  const registerDump = path.join(tmp.dir, 'register.ntm');
  const runDump = path.join(tmp.dir, 'run.ntm');
  let register: { result: ChildResult; ids: Ids };
  let run: { result: ChildResult; ids: Ids };

  beforeAll(() => {
    const registered = succeeded(
      node(['-r', REGISTER, FIXTURE, 'dump'], { env: { ...EXACT, NODE_TRACEMALLOC_OUTPUT: registerDump } }),
    );
    register = { result: registered, ids: lastJson<{ ids: Ids }>(registered.stdout).ids };
    const ran = succeeded(cli(['run', '--exact', '--frames', '4', '-o', runDump, FIXTURE, 'dump'], { cwd: tmp.dir }));
    run = { result: ran, ids: lastJson<{ ids: Ids }>(ran.stdout).ids };
  }, 120_000);

  test('register: the dump holds every worker, domain = its thread id, under its own functions', () => {
    expectEveryThread(loadSnapshot(registerDump), register.ids);
  });

  test("register: the workers' tables are not topped by the tracer's own messaging (undici's MessageEvent, Node 22+)", () => {
    // The workers of the fixture only post messages: undici's frames in
    // their tables come from receiving our requests. Loaded while traced,
    // undici put about 10 MB there (Node 22 and 24, exact); warmed up before
    // start(), what is left is each event and undici's lazy parser setup
    // (about 25 KB measured on Node 22).
    const snapshot = loadSnapshot(registerDump);
    const undiciBytes = new Map<number, number>();
    for (const t of snapshot.traces) {
      if (t.domain !== 0 && [...t.traceback].some((f) => f.filename.includes('deps/undici'))) {
        undiciBytes.set(t.domain, (undiciBytes.get(t.domain) ?? 0) + t.size);
      }
    }
    for (const [domain, bytes] of undiciBytes) expect([domain, bytes < 128 * 1024]).toEqual([domain, true]);
    const top = snapshot.filterTraces([new DomainFilter(true, register.ids.stays)]).statistics('lineno')[0];
    expect(top.traceback.at(-1)?.functionName ?? '').toBe('allocInStayingWorker');
  });

  test('register: the busy worker is named as missing, once', () => {
    const lines = register.result.stderr.split('\n').filter((l) => l.includes('is not in'));
    expect(lines).toEqual([
      `node-tracemalloc: thread ${register.ids.spins} is not in ${registerDump}: no answer within 2000 ms (busy in synchronous code, or blocked in Atomics.wait?)`,
    ]);
  });

  test('tracemalloc run: the same, and its own relay worker is not traced', () => {
    // threadsOf() is exactly main + the two workers: the relay (a thread of ours) left no traces.
    expectEveryThread(loadSnapshot(runDump), run.ids);
    expect(run.result.stderr).toContain('threads: main, ');
  });

  test('--thread selects threads in top, with the threads the report covers', () => {
    const { stays, exits } = register.ids;
    const top = (args: string[]): TopReport =>
      JSON.parse(
        succeeded(cli(['top', '--json', '-k', 'function', '-n', 'all', ...args, registerDump])).stdout,
      ) as TopReport;
    const functions = (report: TopReport): string[] =>
      report.stats.map((s) => s.function).filter((f) => f.startsWith('allocIn'));
    const one = top(['--thread', String(stays)]);
    expect(one.snapshot.threads).toEqual([stays]);
    expect(one.filters.threads).toEqual([stays]);
    expect(functions(one)).toEqual(['allocInStayingWorker']);
    const two = top(['--thread', `0,${exits}`]);
    expect(two.snapshot.threads).toEqual([0, exits]);
    expect(new Set(functions(two))).toEqual(new Set(['allocInMain', 'allocInExitingWorker']));
    expect(top([]).snapshot.threads).toEqual([0, stays, exits].sort((a, b) => a - b));
    const text = succeeded(cli(['top', '--thread', `${stays},99`, registerDump])).stdout;
    // What the dump has, for a selection that names none of it (ids differ between register and run).
    const has = [0, stays, exits].sort((a, b) => a - b).map((id) => (id === 0 ? 'main' : String(id)));
    expect(text).toContain(
      `threads: ${stays} (selected: ${stays}, 99; no traces of 99; the dump has ${has.join(', ')})`,
    );
  });

  test('--thread selects threads in diff, export and flamegraph', () => {
    const { stays } = register.ids;
    const diff = JSON.parse(
      succeeded(cli(['diff', '--json', '--thread', String(stays), registerDump, registerDump])).stdout,
    ) as { old: { threads: number[] }; new: { threads: number[] } };
    expect([diff.old.threads, diff.new.threads]).toEqual([[stays], [stays]]);
    const exported = JSON.parse(
      succeeded(cli(['export', '-f', 'json', '--thread', String(stays), registerDump])).stdout,
    ) as { traces: { domain: number }[] };
    expect(exported.traces.length).toBeGreaterThan(0);
    expect(new Set(exported.traces.map((t) => t.domain))).toEqual(new Set([stays]));
    const html = path.join(tmp.dir, 'stays.html');
    succeeded(cli(['flamegraph', '--thread', String(stays), '-o', html, registerDump]));
    const page = fs.readFileSync(html, 'utf8');
    expect(page).toContain('allocInStayingWorker');
    expect(page).not.toContain('allocInMain');
  });

  test('periodic dumps merge the workers too, without waiting on the main thread', () => {
    const output = path.join(tmp.dir, 'periodic-%n.ntm');
    const env = {
      ...EXACT,
      NODE_TRACEMALLOC_OUTPUT: output,
      NODE_TRACEMALLOC_SNAPSHOT_EVERY: '200',
      NODE_TRACEMALLOC_KEEP: 'all',
    };
    const result = succeeded(node(['-r', REGISTER, FIXTURE, 'periodic'], { env }));
    const { stays, exits, dump } = lastJson<{ ids: Ids & { dump: string } }>(result.stdout).ids;
    const counts = countsByThread(loadSnapshot(dump));
    expect(counts[stays].allocInStayingWorker).toBeGreaterThanOrEqual(OBJECTS);
    expect(counts[exits].allocInExitingWorker).toBeGreaterThanOrEqual(OBJECTS);
    expect(counts[0].allocInMain).toBeGreaterThanOrEqual(OBJECTS);
  });

  test('--thread refuses what is not a list of thread ids', () => {
    const result = cli(['top', '--thread', '1,x', registerDump]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--thread: invalid thread list "1,x"');
  });
});

describe('workers a dump cannot hold are named, not silently left out', () => {
  test("a terminated worker and one blocked in Atomics.wait (a pool's idle workers)", () => {
    const tmp = tempDir('threads-ended');
    try {
      const dump = path.join(tmp.dir, 'ended.ntm');
      const fixture = path.join(repoRoot, 'test', 'fixtures', 'threads', 'ended.js');
      const result = succeeded(node(['-r', REGISTER, fixture], { env: { ...EXACT, NODE_TRACEMALLOC_OUTPUT: dump } }));
      const { terminated, waits } = lastJson<{ ids: { terminated: number; waits: number } }>(result.stdout).ids;
      const lines = result.stderr.split('\n').filter((l) => l.includes('is not in'));
      expect(lines.sort()).toEqual(
        [
          `node-tracemalloc: thread ${terminated} is not in ${dump}: it ended without a last table (a worker ended by terminate() runs no more JavaScript)`,
          `node-tracemalloc: thread ${waits} is not in ${dump}: no answer within 2000 ms (busy in synchronous code, or blocked in Atomics.wait?)`,
        ].sort(),
      );
      expect(threadsOf(loadSnapshot(dump))).toEqual([0]);
    } finally {
      tmp.remove();
    }
  }, 60_000);
});

describe('takeSnapshotAllThreads()', () => {
  interface ApiResult {
    ids: Ids;
    threads: { threadId: number; state: string; detail?: string }[];
    counts: Counts;
    waitedFor: boolean[];
  }
  let api: ApiResult;
  beforeAll(() => {
    api = lastJson<ApiResult>(succeeded(node(['-r', REGISTER, FIXTURE, 'api'], { env: EXACT })).stdout);
  }, 60_000);

  test('each thread answers with its own table; the exited one with its last; the busy one is missing', () => {
    const { stays, exits, spins } = api.ids;
    expect(api.threads.map((t) => [t.threadId, t.state])).toEqual([
      [0, 'answered'],
      [stays, 'answered'],
      [exits, 'exited'],
      [spins, 'missing'],
    ]);
    expect(api.threads[3].detail).toBe(
      'no answer within 1000 ms (busy in synchronous code, or blocked in Atomics.wait?)',
    );
    expect(api.counts[0].allocInMain).toBeGreaterThanOrEqual(OBJECTS);
    expect(api.counts[stays]).toEqual({ allocInStayingWorker: expect.any(Number) });
    expect(api.counts[stays].allocInStayingWorker).toBeGreaterThanOrEqual(OBJECTS);
    expect(api.counts[exits].allocInExitingWorker).toBeGreaterThanOrEqual(OBJECTS);
    expect(api.counts[spins]).toBeUndefined();
  });

  test('a thread that missed 3 collections in a row is no longer waited for', () => {
    // Missed in the first snapshot and the next two; the fourth does not wait for it.
    expect(api.waitedFor).toEqual([true, true, false]);
  });
});

describe('mergeTables', () => {
  const frame = (functionName: string, lineno: number) => ({ filename: '/app/a.js', lineno, functionName });
  const main = Snapshot.fromTraces(
    [
      { domain: 0, size: 100, count: 2, frames: [frame('leaf', 3), frame('root', 1)] },
      { domain: 0, size: 7, frames: [] },
    ],
    4,
  );
  const worker = Snapshot.fromTraces(
    [
      { domain: 5, size: 40, frames: [frame('leaf', 3), frame('root', 1)] },
      { domain: 5, size: 9, frames: [frame('other', 9), frame('root', 1)] },
    ],
    4,
  );

  test('keeps every trace with its domain, sharing frames and stacks', () => {
    const merged = mergeSnapshots([main, worker], [{ threadId: 0, state: 'answered' }]);
    expect(
      [...merged.traces].map((t) => [t.domain, t.size, t.count, t.traceback.toArray().map((f) => f.functionName)]),
    ).toEqual([
      [0, 100, 2, ['root', 'leaf']],
      [0, 7, 1, []],
      [5, 40, 1, ['root', 'leaf']],
      [5, 9, 1, ['root', 'other']],
    ]);
    // root, root>leaf, root>other: the common stacks once.
    expect(merged.table.stackFrame.length).toBe(3);
    expect(merged.table.frameName.length).toBe(3);
    expect(merged.statistics('lineno')[0].size).toBe(140);
    // Two threads' sample ids cannot be paired: no session.
    expect(merged.session).toBe(0);
  });

  test("a table whose callers come after their callees is refused (a stack's parent row comes first)", () => {
    const t = main.table;
    // Reverse the stack rows: callee 0 now points at caller 1.
    const reversed = {
      ...t,
      stackFrame: Uint32Array.from(t.stackFrame).reverse(),
      stackParent: Int32Array.from([1, -1]),
      sampleStack: Uint32Array.from(t.sampleStack, (s) => (s < 2 ? 1 - s : s)),
    };
    expect(() => mergeTables([reversed, worker.table])).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARG_VALUE',
        message: expect.stringMatching(/stack 0 has parent 1/),
      }),
    );
  });

  test('isReplyMessage refuses what a thread of ours would not send', () => {
    const bytes = new Uint8Array(1);
    expect(isReplyMessage({ kind: 'table', id: '0.1', threadId: 3, bytes })).toBe(true);
    expect(isReplyMessage({ kind: 'table', id: '0.1', threadId: 3, bytes: 'x' })).toBe(false);
    expect(isReplyMessage({ kind: 'table', threadId: 3, bytes })).toBe(false);
    expect(isReplyMessage({ kind: 'bye', threadId: 3, bytes: undefined, timestamp: 1 })).toBe(true);
    expect(isReplyMessage({ kind: 'bye', threadId: 3, bytes: [1], timestamp: 1 })).toBe(false);
    expect(isReplyMessage({ kind: 'hello', threadId: 1.5 })).toBe(false);
    expect(isReplyMessage({ kind: 'ask', id: '0.1', threadId: 1 })).toBe(false);
    expect(isReplyMessage(null)).toBe(false);
  });

  test('parseThreadList', () => {
    expect(parseThreadList('0, 3,3,12')).toEqual([0, 3, 12]);
    expect(() => parseThreadList('')).toThrow(/invalid thread list/);
    expect(() => parseThreadList('-1')).toThrow(/invalid thread list/);
    expect(() => parseThreadList('4294967296')).toThrow(/invalid thread list/);
  });
});
