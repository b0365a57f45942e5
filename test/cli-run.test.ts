// `tracemalloc run`: the real CLI (dist/faces/cli/main.js) running fixture
// programs in a child node, end to end.
import * as path from 'node:path';
import { loadSnapshot } from '../lib/model/dump';
import type { TopReport } from '../lib/faces/report';
import { cli, cliFixtures, cliMain, filesIn, lastJson, nodeWithSignal, tempDir } from './helpers/cli';

const CJS = path.join(cliFixtures, 'alloc.js');
const ESM = path.join(cliFixtures, 'alloc.mjs');
const MARKER = 'USER CODE RAN';

type RunReport = TopReport & { dumps: string[]; exitCode: number | null; signal: string | null };

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('run');
});
afterEach(() => tmp.remove());

/** `tracemalloc run` in the temporary directory. */
function run(args: string[], env: NodeJS.ProcessEnv = {}): ReturnType<typeof cli> {
  return cli(['run', ...args], { cwd: tmp.dir, env });
}

function statFor(report: TopReport, fn: string): TopReport['stats'][number] | undefined {
  return report.stats.find((s) => s.function === fn);
}

describe('tracemalloc run', () => {
  test('--help', () => {
    const result = cli(['run', '--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: tracemalloc run \[options\] <script> \[args\.\.\.\]\n/);
    for (const option of [
      '--frames',
      '--interval',
      '--exact',
      '--top',
      '--key',
      '--cumulative',
      '--include',
      '--exclude',
      '--snapshot-every',
      '--output',
      '--json',
      '--node-arg',
      '--no-source-maps',
      '--view',
      '--inlining',
      '--no-inlining',
    ]) {
      expect(result.stdout).toContain(option);
    }
  });

  test('runs the script unmodified with its arguments, reports on stderr, keeps a dump', () => {
    const result = run([CJS, 'one', '--top', 'two']);
    expect(result.status).toBe(0);
    // Options after the script are the script's.
    expect(result.stdout).toBe(`${MARKER} {"args":["one","--top","two"]}\n`);
    expect(result.stderr).toMatch(/^Top \d+ of \d+ lines by size — tracemalloc-alloc\.\d+\.ntm\n/);
    expect(result.stderr).toMatch(/\nestimated: sampled every 512 KiB, traceback limit 16 frames; ~/);
    expect(result.stderr).toMatch(/\nDump: tracemalloc-alloc\.\d+\.ntm\n$/);
    const dumps = filesIn(tmp.dir, /^tracemalloc-alloc\.\d+\.ntm$/);
    expect(dumps).toHaveLength(1);
    expect(loadSnapshot(dumps[0]).interval).toBe(512 * 1024);
  });

  test('a program that calls tracemalloc.start() itself runs unchanged, with a warning', () => {
    // As under python -X tracemalloc: the program's own start() keeps the
    // settings `run` started with.
    const example = path.join(cliFixtures, '..', '..', '..', 'examples', 'top10.js');
    const result = run(['--exact', '-o', 'x.ntm', example]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^\[ Top 10 \] \(exact; lines are function start lines\)\n/);
    expect(result.stdout).toMatch(/\n20000 records kept\n$/);
    expect(result.stderr).toContain(
      '[TRACEMALLOC_SETTINGS_KEPT] TracemallocWarning: already tracing with frames=16, interval=1',
    );
    expect(filesIn(tmp.dir, /^x\.ntm$/)).toHaveLength(1);
  });

  test('--exact --frames --key traceback --top --json', () => {
    const result = run(['--exact', '--frames', '3', '--key', 'traceback', '--top', '2', '--json', '-o', 'x.ntm', CJS]);
    expect(result.status).toBe(0);
    const report = lastJson<RunReport>(result.stderr);
    expect(report).toMatchObject({ command: 'top', key: 'traceback', exitCode: 0, signal: null });
    expect(report.snapshot).toMatchObject({ exact: true, interval: 1, tracebackLimit: 3 });
    expect(report.stats).toHaveLength(2);
    const top = report.stats[0];
    expect(top.function).toBe('makeObjects');
    expect(top.count).toBeGreaterThanOrEqual(15000);
    expect(top.frames.map((f) => f.function)).toEqual(['makeObjects', 'main', '(anonymous)']);
    expect(report.dumps).toEqual([path.join(tmp.dir, 'x.ntm')]);
  });

  test('--interval with a suffix', () => {
    const result = run(['--interval', '64K', '--json', CJS]);
    expect(lastJson<RunReport>(result.stderr).snapshot.interval).toBe(65536);
  });

  test('--cumulative counts callers too', () => {
    const result = run(['--exact', '--cumulative', '--key', 'function', '--top', 'all', '--json', CJS]);
    const report = lastJson<RunReport>(result.stderr);
    expect(report.cumulative).toBe(true);
    const inner = statFor(report, 'makeObjects');
    const caller = statFor(report, 'main');
    expect(inner?.count).toBeGreaterThanOrEqual(15000);
    expect(caller?.size).toBeGreaterThanOrEqual(inner?.size ?? Infinity);
  });

  test('--include and --exclude filter the report, not the dump', () => {
    const only = lastJson<RunReport>(
      run(['--exact', '--top', 'all', '--include', '*/alloc.js', '--json', '-o', 'a.ntm', CJS]).stderr,
    );
    expect(only.stats.length).toBeGreaterThan(0);
    expect(only.stats.every((s) => s.filename === CJS)).toBe(true);
    const without = lastJson<RunReport>(
      run(['--exact', '--top', 'all', '--exclude', '*/alloc.js', '--exclude', 'node:*', '--json', CJS]).stderr,
    );
    expect(without.stats.some((s) => s.filename === CJS || s.filename.startsWith('node:'))).toBe(false);
    expect(loadSnapshot(path.join(tmp.dir, 'a.ntm')).statistics('filename').length).toBeGreaterThan(1);
  });

  test('--snapshot-every writes a series; the report is of the last', () => {
    // The program runs until it sees the second periodic dump, then exits: the third is its last.
    const result = run(['--exact', '--snapshot-every', '50ms', '-o', 'leak.ntm', '--json', CJS], {
      UNTIL_FILE: path.join(tmp.dir, 'leak-0002.ntm'),
    });
    expect(result.status).toBe(0);
    const report = lastJson<RunReport>(result.stderr);
    expect(report.dumps.length).toBeGreaterThanOrEqual(3);
    expect(report.dumps.map((d) => path.basename(d))).toEqual(
      report.dumps.map((_, i) => `leak-${String(i + 1).padStart(4, '0')}.ntm`),
    );
    expect(report.snapshot.source).toBe(path.basename(report.dumps[report.dumps.length - 1]));
    // Each dump loads; only the last holds what the program allocated in its 'exit' listener.
    const lastObjects = report.dumps.map((dump) => {
      const snapshot = loadSnapshot(dump);
      expect(snapshot.exact).toBe(true);
      return (
        snapshot.statistics('function').find((s) => s.traceback.at(-1)?.functionName === 'makeLastObjects')?.count ?? 0
      );
    });
    expect(lastObjects.slice(0, -1).every((n) => n === 0)).toBe(true);
    expect(lastObjects[lastObjects.length - 1]).toBeGreaterThanOrEqual(100);
  });

  test('an ES module', () => {
    const result = run(['--exact', '--json', ESM, 'x']);
    expect(result.stdout).toContain(`${MARKER} {"esm":true,"args":["x"]}`);
    const report = lastJson<RunReport>(result.stderr);
    expect(statFor(report, 'makeObjects')?.filename).toBe(ESM);
  });

  test('node flags: --node-arg, or a whole node command line after --', () => {
    const flags = run(['--node-arg=--no-warnings', '--node-arg=--stack-size=2000', '--json', CJS]);
    expect(flags.status).toBe(0);
    const line = run(['--exact', '--json', '--', '--no-warnings', CJS, 'after']);
    expect(line.status).toBe(0);
    expect(line.stdout).toContain('"args":["after"]');
    expect(lastJson<RunReport>(line.stderr).dumps[0]).toMatch(/\/tracemalloc\.\d+\.ntm$/);
    const evaluated = run(['--json', '--', '-e', 'globalThis.x = Array.from({ length: 1e5 }, (_, i) => ({ i }))']);
    expect(evaluated.status).toBe(0);
    expect(lastJson<RunReport>(evaluated.stderr).exitCode).toBe(0);
  });

  test('the exit code is passed through; an uncaught error still gets its report', () => {
    expect(run([CJS], { EXIT_CODE: '7' }).status).toBe(7);
    const thrown = run(['--json', CJS], { THROW: '1' });
    expect(thrown.status).toBe(1);
    expect(thrown.stderr).toContain('Error: boom from the program');
    expect(lastJson<RunReport>(thrown.stderr)).toMatchObject({ exitCode: 1, signal: null });
  });

  test('SIGINT: the program dumps, the report is printed, and tracemalloc dies of SIGINT', async () => {
    const result = await nodeWithSignal([cliMain, 'run', '--exact', '-o', 'int.ntm', CJS], 'SIGINT', {
      cwd: tmp.dir,
      env: { WAIT: '1' },
      ready: 'READY',
    });
    expect(result.signal === 'SIGINT' || result.status === 130).toBe(true);
    expect(result.stderr).toMatch(/^Top \d+ of \d+ lines by size — int\.ntm\n/);
    expect(result.stderr).toMatch(/alloc\.js:6\s+makeObjects/);
  });

  test('SIGTERM is passed on too', async () => {
    const result = await nodeWithSignal([cliMain, 'run', '-o', 'term.ntm', CJS], 'SIGTERM', {
      cwd: tmp.dir,
      env: { WAIT: '1' },
      ready: 'READY',
    });
    expect(result.signal === 'SIGTERM' || result.status === 143).toBe(true);
    expect(filesIn(tmp.dir, /^term\.ntm$/)).toHaveLength(1);
  });

  test('--no-source-maps is accepted (source maps: test/source-maps.test.ts)', () => {
    expect(run(['--no-source-maps', CJS]).status).toBe(0);
  });
});

describe('tracemalloc run: bad usage exits 2 with one line, before the program runs', () => {
  test.each([
    [['--bogus', CJS], /^tracemalloc run: unknown option --bogus \(try tracemalloc run --help\)\n$/],
    [[], /^tracemalloc run: missing the script to run/],
    // Not node's stack trace followed by an empty report and an empty dump.
    [['no-such-script.js'], /^tracemalloc run: cannot find the script "no-such-script.js" \(from /],
    [['--top'], /^tracemalloc run: option --top needs a value/],
    [['--frames', '0', CJS], /^tracemalloc run: --frames: must be at least 1/],
    [['--frames', 'many', CJS], /^tracemalloc run: --frames: invalid number of frames: "many"/],
    [['--interval', '0', CJS], /^tracemalloc run: --interval: invalid sampling interval: "0"/],
    [['--exact', '--interval', '4K', CJS], /^tracemalloc run: --exact and --interval cannot be used together/],
    [['--key', 'bogus', CJS], /^tracemalloc run: invalid --key "bogus"/],
    [['--top', '0', CJS], /^tracemalloc run: invalid --top "0"/],
    [['--cumulative', '--key', 'traceback', CJS], /^tracemalloc run: --cumulative cannot be used with --key traceback/],
    [['--snapshot-every', 'often', CJS], /^tracemalloc run: --snapshot-every: invalid period: "often"/],
    [['-o', '/no/such/dir/x.ntm', CJS], /^tracemalloc run: --output: directory \/no\/such\/dir does not exist/],
    [['-o', 'x%z.ntm', CJS], /^tracemalloc run: --output: unknown placeholder %z/],
    [
      ['--node-arg', '--no-warnings', CJS],
      /^tracemalloc run: option --node-arg needs a value; write --node-arg=--no-warnings for a value starting with "-"/,
    ],
    [['--node-arg=--no-warnings', '--', CJS], /^tracemalloc run: --node-arg cannot be used with --/],
  ])('%j', (args, message) => {
    const result = run(args);
    expect(result.status).toBe(2);
    expect(result.stdout).not.toContain(MARKER);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
