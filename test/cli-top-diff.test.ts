// `tracemalloc top` and `tracemalloc diff` on dumps made from plain data, the
// dispatcher's help, version and exit codes, and both working where the
// native addon cannot load. The real CLI runs in a child process.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DiffReport, TopReport } from '../lib/faces/report';
import { dumpSnapshot } from '../lib/model/dump';
import { Snapshot, type TraceData } from '../lib/model/snapshot';
import { repoRoot } from './helpers/child';
import { cli, node, tempDir } from './helpers/cli';

const server = { filename: '/srv/app/server.js', lineno: 10, functionName: 'handle' };
const db = { filename: '/srv/app/db.js', lineno: 5, functionName: 'query' };
const main = { filename: '/srv/app/index.js', lineno: 1, functionName: 'main' };
const cache = { filename: '/srv/app/cache.js', lineno: 3, functionName: 'fill' };
// A frame in the tracer's own files: hidden by every report.
const own = { filename: path.join(repoRoot, 'dist', 'model', 'snapshot.js'), lineno: 1, functionName: 'frame' };

const OLD: TraceData[] = [
  { domain: 0, size: 1000, count: 10, frames: [server, main] },
  { domain: 0, size: 500, count: 5, frames: [db, server, main] },
  { domain: 0, size: 99999, count: 1, frames: [own] },
];
const NEW: TraceData[] = [
  { domain: 0, size: 5000, count: 50, frames: [server, main] },
  { domain: 0, size: 400, count: 4, frames: [db, server, main] },
  { domain: 0, size: 2000, count: 20, frames: [cache, main] },
];

let tmp: ReturnType<typeof tempDir>;
let files: { old: string; new: string; sampled: string; local: string };

beforeAll(() => {
  tmp = tempDir('top');
  files = {
    old: path.join(tmp.dir, 'old.ntm'),
    new: path.join(tmp.dir, 'new.ntm'),
    sampled: path.join(tmp.dir, 'sampled.ntm'),
    local: path.join(tmp.dir, 'local.ntm'),
  };
  dumpSnapshot(Snapshot.fromTraces(OLD, 3), files.old);
  dumpSnapshot(Snapshot.fromTraces(NEW, 3), files.new);
  dumpSnapshot(Snapshot.fromTraces(NEW, 25, { interval: 512 * 1024 }), files.sampled);
  const inCwd = { filename: path.join(tmp.dir, 'src', 'app.js'), lineno: 7, functionName: 'run' };
  dumpSnapshot(Snapshot.fromTraces([{ domain: 0, size: 64, frames: [inCwd] }], 1), files.local);
});
afterAll(() => tmp.remove());

function top(args: string[], env: NodeJS.ProcessEnv = {}): ReturnType<typeof cli> {
  return cli(['top', ...args], { cwd: tmp.dir, env });
}

function diff(args: string[], env: NodeJS.ProcessEnv = {}): ReturnType<typeof cli> {
  return cli(['diff', ...args], { cwd: tmp.dir, env });
}

describe('tracemalloc top', () => {
  test('an aligned table with a header saying the numbers are exact', () => {
    const result = top(['old.ntm']);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.split('\n');
    expect(lines.slice(0, 4)).toEqual([
      'Top 2 of 2 lines by size — old.ntm',
      'exact: every allocation recorded, traceback limit 3 frames; 1500 B in 15 objects',
      'view: live: objects alive when the snapshot was taken (not what was freed before: the peak and allocated views keep it: --view, NODE_TRACEMALLOC_VIEW)',
      '',
    ]);
    expect(lines.slice(4, 7)).toEqual([
      '  size  count  average  location               function',
      '1000 B     10    100 B  /srv/app/server.js:10  handle',
      ' 500 B      5    100 B  /srv/app/db.js:5       query',
    ]);
  });

  test('a sampled dump says its numbers are estimates, and its interval', () => {
    const result = top(['sampled.ntm']);
    expect(result.stdout.split('\n')[1]).toBe(
      'estimated: sampled every 512 KiB, traceback limit 25 frames; ~7400 B in ~74 objects',
    );
  });

  test('a sampled dump shows error bars and the samples behind each row', () => {
    const lines = top(['sampled.ntm']).stdout.split('\n');
    // One sample of weight 50 (server), 20 (cache), 4 (db): wide intervals. Line 3 says the view.
    expect(lines[4]).toMatch(/^\s+size\s+±\s+count\s+±\s+samples\s+average\s+location\s+function$/);
    expect(lines[5]).toMatch(/^5000 B\s+[\d.]+ KiB\s+50\s+\d+\s+1\s+100 B\s+\/srv\/app\/server\.js:10\s+handle$/);
    expect(lines.at(-2)).toBe('± is half the 95% interval from the sampling model.');
    const report = JSON.parse(top(['--json', 'sampled.ntm']).stdout) as TopReport;
    const [low, high] = report.stats[0].sizeRange;
    expect(low).toBeLessThan(5000);
    expect(high).toBeGreaterThan(5000);
    expect(low).toBeGreaterThanOrEqual(100); // the sampled object itself
    expect(report.stats[0].samples).toBe(1);
  });

  test('builtins: the function column says which builtin allocated for the line', () => {
    const split = { filename: '', lineno: 0, functionName: 'split', builtin: true };
    const file = path.join(tmp.dir, 'builtins.ntm');
    dumpSnapshot(Snapshot.fromTraces([{ domain: 0, size: 640, count: 10, frames: [split, server, main] }], 1), file);
    const out = top(['builtins.ntm']).stdout;
    expect(out).toContain('640 B     10     64 B  /srv/app/server.js:10  split (builtin) in handle');
    expect(out).not.toContain('<unknown>');
    const report = JSON.parse(top(['--json', 'builtins.ntm']).stdout) as TopReport;
    expect(report.stats[0]).toMatchObject({ function: 'split (builtin) in handle', calledBuiltin: 'split' });
    const tracebacks = top(['--key', 'traceback', 'builtins.ntm']).stdout;
    expect(tracebacks).toContain('<unknown>                split (builtin)');
  });

  test('paths under the current directory are shown relative to it', () => {
    expect(top(['local.ntm']).stdout).toContain(`${path.join('src', 'app.js')}:7  run`);
  });

  test('--json', () => {
    const report = JSON.parse(top(['--json', 'old.ntm']).stdout) as TopReport;
    expect(report).toMatchObject({ command: 'top', key: 'lineno', cumulative: false, sites: 2 });
    expect(report.snapshot).toMatchObject({
      source: 'old.ntm',
      exact: true,
      interval: 1,
      tracebackLimit: 3,
      totalSize: 1500,
      totalCount: 15,
    });
    expect(report.stats[0]).toEqual({
      size: 1000,
      count: 10,
      average: 100,
      samples: 10,
      sizeRange: [1000, 1000],
      countRange: [10, 10],
      filename: '/srv/app/server.js',
      lineno: 10,
      function: 'handle',
      calledBuiltin: '',
      frames: [{ filename: '/srv/app/server.js', lineno: 10, function: 'handle', builtin: false, calledBuiltin: '' }],
    });
  });

  test('--top, --key filename (no function column)', () => {
    const result = top(['--top', '1', '--key', 'filename', 'new.ntm']);
    expect(result.stdout).toMatch(/^Top 1 of 3 files by size/);
    expect(result.stdout).toContain('  size  count  average  location\n');
    expect(result.stdout).toContain('5000 B     50    100 B  /srv/app/server.js\n');
  });

  test('--key traceback lists the callers under each site', () => {
    const result = top(['-k', 'traceback', 'old.ntm']);
    expect(result.stdout).toContain(
      [
        '1000 B     10    100 B  /srv/app/server.js:10    handle',
        '                          /srv/app/index.js:1    main',
        ' 500 B      5    100 B  /srv/app/db.js:5         query',
        '                          /srv/app/server.js:10  handle',
        '                          /srv/app/index.js:1    main',
      ].join('\n'),
    );
  });

  test('--cumulative counts a trace under every frame', () => {
    const report = JSON.parse(top(['--cumulative', '--key', 'function', '--json', 'old.ntm']).stdout) as TopReport;
    // Ties sort by traceback, descending, as Python's: server.js after index.js.
    expect(report.stats.map((s) => [s.function, s.size])).toEqual([
      ['handle', 1500],
      ['main', 1500],
      ['query', 500],
    ]);
  });

  test('--include, --exclude, --all-frames', () => {
    const names = (args: string[]): string[] =>
      (JSON.parse(top([...args, '--json', 'new.ntm']).stdout) as TopReport).stats.map((s) => s.function);
    expect(names(['--include', '/srv/app/db*'])).toEqual(['query']);
    expect(names(['--include', '*/db.js', '--include', '*/cache.js'])).toEqual(['fill', 'query']);
    expect(names(['--exclude', '*/server.js'])).toEqual(['fill', 'query']);
    expect(names(['--include', '*/server.js', '--all-frames'])).toEqual(['handle', 'query']);
  });

  test('the tracer its own files are hidden', () => {
    expect(top(['old.ntm']).stdout).not.toContain('snapshot.js');
  });

  test('colour only on request or on a terminal, never with NO_COLOR', () => {
    expect(top(['old.ntm']).stdout).not.toContain('\x1b[');
    expect(top(['old.ntm'], { FORCE_COLOR: '1' }).stdout).toContain('\x1b[1mTop 2 of 2 lines');
    expect(top(['old.ntm'], { FORCE_COLOR: '1', NO_COLOR: '1' }).stdout).not.toContain('\x1b[');
  });
});

describe('tracemalloc diff', () => {
  test('what changed, largest change first', () => {
    const result = diff(['old.ntm', 'new.ntm']);
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n').slice(0, 10)).toEqual([
      'Top 3 of 3 lines by size difference — old.ntm → new.ntm',
      'old: exact: every allocation recorded, traceback limit 3 frames; 1500 B in 15 objects',
      'new: exact: every allocation recorded, traceback limit 3 frames; 7400 B in 74 objects',
      'view: live: objects alive when the snapshot was taken (not what was freed before: the peak and allocated views keep it: --view, NODE_TRACEMALLOC_VIEW)',
      '',
      '  size     diff  count  diff  location               function',
      '5000 B  +4000 B     50   +40  /srv/app/server.js:10  handle',
      '2000 B  +2000 B     20   +20  /srv/app/cache.js:3    fill',
      ' 400 B   -100 B      4    -1  /srv/app/db.js:5       query',
      '',
    ]);
  });

  test('--json', () => {
    const report = JSON.parse(diff(['--json', '--key', 'function', 'old.ntm', 'new.ntm']).stdout) as DiffReport;
    expect(report).toMatchObject({ command: 'diff', key: 'function', sites: 3 });
    expect(report.old.totalSize).toBe(1500);
    expect(report.new.totalSize).toBe(7400);
    expect(report.stats.map((s) => [s.function, s.size, s.sizeDiff, s.count, s.countDiff])).toEqual([
      ['handle', 5000, 4000, 50, 40],
      ['fill', 2000, 2000, 20, 20],
      ['query', 400, -100, 4, -1],
    ]);
  });

  test('sampled dumps: error bars on the differences, ~ on those within noise', () => {
    // One sample each side for server (weight 50): +200 B is noise. cache
    // grows by 20 samples of weight 1 (objects past the interval): certain.
    const o = path.join(tmp.dir, 'sampled-old.ntm');
    const n = path.join(tmp.dir, 'sampled-new.ntm');
    const certain = Array.from({ length: 20 }, () => ({ domain: 0, size: 100, count: 1, frames: [cache, main] }));
    dumpSnapshot(
      Snapshot.fromTraces([{ domain: 0, size: 5000, count: 50, frames: [server, main] }], 3, { interval: 4096 }),
      o,
    );
    dumpSnapshot(
      Snapshot.fromTraces([{ domain: 0, size: 5200, count: 52, frames: [server, main] }, ...certain], 3, {
        interval: 4096,
      }),
      n,
    );
    const lines = diff(['sampled-old.ntm', 'sampled-new.ntm']).stdout.split('\n');
    expect(lines[5]).toMatch(/^\s+size\s+diff\s+±\s+count\s+diff\s+±\s+location\s+function$/);
    expect(lines[6]).toMatch(/^2000 B\s+\+2000 B\s+0 B\s+20\s+\+20\s+0\s+\/srv\/app\/cache\.js:3\s+fill$/);
    expect(lines[7]).toMatch(/^5200 B\s+~\+200 B\s+[\d.]+ KiB\s+52\s+~\+2\s+\d+\s+\/srv\/app\/server\.js:10\s+handle$/);
    expect(lines.at(-2)).toMatch(/^± is half the 95% interval .*; ~ marks a change whose interval holds 0/);
    const report = JSON.parse(diff(['--json', 'sampled-old.ntm', 'sampled-new.ntm']).stdout) as DiffReport;
    expect(report.stats.map((s) => s.withinNoise)).toEqual([false, true]);
    expect(report.stats[0].sizeDiffRange).toEqual([2000, 2000]);
  });

  test('colour: growth red, shrinking green', () => {
    const out = diff(['old.ntm', 'new.ntm'], { FORCE_COLOR: '1' }).stdout;
    expect(out).toContain('\x1b[31m+4000 B\x1b[0m');
    expect(out).toContain('\x1b[32m -100 B\x1b[0m');
  });
});

describe('exit codes and messages', () => {
  let bad: { text: string; truncated: string; dir: string };
  beforeAll(() => {
    bad = {
      text: path.join(tmp.dir, 'text.ntm'),
      truncated: path.join(tmp.dir, 'truncated.ntm'),
      dir: path.join(tmp.dir, 'adir'),
    };
    fs.writeFileSync(bad.text, 'not a dump at all\n');
    fs.writeFileSync(bad.truncated, fs.readFileSync(files.old).subarray(0, 40));
    fs.mkdirSync(bad.dir);
  });

  test.each([
    [['top', 'text.ntm'], /^tracemalloc top: text\.ntm is not a readable dump \(not-a-dump\): /],
    [['top', 'truncated.ntm'], /^tracemalloc top: truncated\.ntm is not a readable dump \((truncated|corrupt)\): /],
    [['top', 'missing.ntm'], /^tracemalloc top: cannot read missing\.ntm: no such file$/],
    [['top', 'adir'], /^tracemalloc top: cannot read adir: is a directory$/],
    [['diff', 'old.ntm', 'text.ntm'], /^tracemalloc diff: text\.ntm is not a readable dump \(not-a-dump\): /],
  ])('a bad dump: %j exits 3 with one line', (args, message) => {
    const result = cli(args, { cwd: tmp.dir });
    expect(result.status).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')).toHaveLength(2);
    expect(result.stderr.split('\n')[0]).toMatch(message);
  });

  test.each([
    [['top', '--bogus', 'old.ntm'], 'tracemalloc top: unknown option --bogus (try tracemalloc top --help)'],
    [['top'], 'tracemalloc top: missing the dump file to read (try tracemalloc top --help)'],
    [['top', 'old.ntm', 'new.ntm'], 'tracemalloc top: unexpected argument "new.ntm" (try tracemalloc top --help)'],
    [
      ['top', '--top', '0', 'old.ntm'],
      'tracemalloc top: invalid --top "0" (expected an integer ≥ 1, or all) (try tracemalloc top --help)',
    ],
    [
      ['top', '--key', 'line', 'old.ntm'],
      'tracemalloc top: invalid --key "line" (expected filename, lineno, function or traceback) (try tracemalloc top --help)',
    ],
    [
      ['top', '-c', '-k', 'traceback', 'old.ntm'],
      'tracemalloc top: --cumulative cannot be used with --key traceback (try tracemalloc top --help)',
    ],
    [['top', '--json=yes', 'old.ntm'], 'tracemalloc top: option --json takes no value (try tracemalloc top --help)'],
    [
      ['diff', 'old.ntm'],
      'tracemalloc diff: missing the new dump file (expected <old.ntm> <new.ntm>) (try tracemalloc diff --help)',
    ],
    [['frobnicate'], 'tracemalloc: unknown command "frobnicate" (try tracemalloc --help)'],
    [['--bogus'], 'tracemalloc: unknown option --bogus (try tracemalloc --help)'],
  ])('bad usage: %j exits 2 with one line', (args, message) => {
    const result = cli(args, { cwd: tmp.dir });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`${message}\n`);
  });

  test('no command: the help, on stderr, exit 2', () => {
    const result = cli([]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^Usage: tracemalloc <command> \[options\]/);
  });
});

describe('help and version', () => {
  test('tracemalloc --help lists every command', () => {
    const result = cli(['--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: tracemalloc <command> \[options\]\n/);
    for (const name of ['run', 'top', 'diff', 'export', 'flamegraph'])
      expect(result.stdout).toMatch(new RegExp(`\\n  ${name} +\\S`));
  });

  test.each([
    [['top', '--help'], /^Usage: tracemalloc top \[options\] <dump\.ntm>\n/],
    [['top', '-h'], /^Usage: tracemalloc top /],
    [['diff', '--help'], /^Usage: tracemalloc diff \[options\] <old\.ntm> <new\.ntm>\n/],
    [['help', 'diff'], /^Usage: tracemalloc diff /],
    [['help'], /^Usage: tracemalloc <command>/],
  ])('%j', (args, text) => {
    const result = cli(args);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(text);
  });

  test('--version', () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    expect(cli(['--version']).stdout).toBe(`tracemalloc ${version}\n`);
  });
});

describe('without the native addon', () => {
  // A copy of the package without build/ and without node-gyp-build: the
  // addon cannot load, as on a laptop that never built it.
  let pkg: string;
  beforeAll(() => {
    pkg = path.join(tmp.dir, 'pkg');
    fs.mkdirSync(path.join(pkg, 'node_modules'), { recursive: true });
    fs.cpSync(path.join(repoRoot, 'dist'), path.join(pkg, 'dist'), { recursive: true });
    fs.copyFileSync(path.join(repoRoot, 'package.json'), path.join(pkg, 'package.json'));
    for (const name of fs.readdirSync(path.join(repoRoot, 'node_modules'))) {
      if (name === 'node-gyp-build' || name.startsWith('.')) continue;
      fs.symlinkSync(path.join(repoRoot, 'node_modules', name), path.join(pkg, 'node_modules', name));
    }
  });

  test('the copy really cannot load it', () => {
    const result = node(['-e', `require(${JSON.stringify(path.join(pkg, 'dist', 'tracer', 'native.js'))})`], {
      cwd: tmp.dir,
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("Cannot find module 'node-gyp-build'");
  });

  test('top and diff work', () => {
    const main = path.join(pkg, 'dist', 'faces', 'cli', 'main.js');
    const topResult = node([main, 'top', 'old.ntm'], { cwd: tmp.dir });
    expect(topResult.stderr).toBe('');
    expect(topResult.status).toBe(0);
    expect(topResult.stdout).toMatch(/\/srv\/app\/server\.js:10 +handle\n/);
    const diffResult = node([main, 'diff', '--json', 'old.ntm', 'new.ntm'], { cwd: tmp.dir });
    expect(diffResult.status).toBe(0);
    // The copy hides its own files, not the repository's: the "own" frame shows here.
    expect((JSON.parse(diffResult.stdout) as DiffReport).stats.map((d) => d.function)).toEqual([
      'frame',
      'handle',
      'fill',
      'query',
    ]);
  });

  test('run fails in one line, before the program runs', () => {
    const result = node(
      [path.join(pkg, 'dist', 'faces', 'cli', 'main.js'), 'run', '--', '-e', 'console.log("USER CODE RAN")'],
      {
        cwd: tmp.dir,
      },
    );
    expect(result.stdout).not.toContain('USER CODE RAN');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^node-tracemalloc: cannot start tracing: Cannot find module 'node-gyp-build'.*\n$/);
  });
});
