// JSON export (shape, order, a round trip through Snapshot.fromTraces), the
// export CLI's errors, and every export on a machine with no native addon.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../lib/faces/cli/main';
import { loadSnapshot } from '../lib/model/dump';
import { encodeSnapshotJson, toSnapshotJson, type SnapshotJson } from '../lib/faces/export/json';
import { Snapshot } from '../lib/model/snapshot';
import { awkwardSnapshot, captureIO, repoRoot, tempDir, workloadDump } from './fixtures/export/helpers';
import { fixtures } from './helpers/child';

describe('toSnapshotJson', () => {
  const snapshot = awkwardSnapshot();
  const json = toSnapshotJson(snapshot);

  it('starts with the format, version and info', () => {
    expect(json.format).toBe('node-tracemalloc-snapshot');
    expect(json.version).toBe(1);
    expect(json.info).toEqual({
      exact: false,
      interval: 512,
      tracebackLimit: 8,
      timestamp: 0,
      totalSize: snapshot.totalSize,
      totalCount: snapshot.totalCount,
      view: 'live',
      inlining: null,
    });
  });

  it('groups traces by stack and domain, largest first, frames most recent first', () => {
    expect(json.traces.map((t) => [t.frames.map((f) => f.functionName), t.domain, t.samples])).toEqual([
      [['load', 'main'], 0, 2],
      [['(anonymous)', 'main'], 0, 1],
      [['load', 'main'], 3, 1],
      [['a;b\nc', 'main'], 0, 1],
      [['(V8 API)'], 0, 1],
      [['esm'], 0, 1],
      [[], 0, 1],
    ]);
    expect(json.traces[0]).toEqual(expect.objectContaining({ size: 1000.4 + 500.3, count: 10.2 + 5.2 }));
    expect(json.traces[0].frames[0]).toEqual({
      filename: '/app/db.js',
      lineno: 40,
      column: 3,
      functionName: 'load',
      builtin: false,
    });
    expect(json.traces[5].frames[0].filename).toBe('/app/esm.mjs');
  });

  it('gives each trace the 95% intervals of its estimates', () => {
    for (const trace of json.traces) {
      const [low, high] = trace.sizeRange;
      expect(low).toBeLessThanOrEqual(trace.size);
      expect(high).toBeGreaterThanOrEqual(trace.size);
      expect(trace.countRange[0]).toBeLessThanOrEqual(trace.count);
    }
    // Exact snapshots: the values themselves.
    const exact = toSnapshotJson(
      Snapshot.fromTraces([{ domain: 0, size: 64, frames: [{ filename: 'a.js', lineno: 1 }] }]),
    );
    expect(exact.traces[0]).toMatchObject({ size: 64, sizeRange: [64, 64], countRange: [1, 1], samples: 1 });
  });

  it('keeps builtin frames as leaves, flagged, and fromTraces reads the flag back', () => {
    const split = { filename: '<unknown>', lineno: 0, functionName: 'split', builtin: true };
    const caller = { filename: '/app/parse.js', lineno: 3, functionName: 'parseLine' };
    const made = toSnapshotJson(Snapshot.fromTraces([{ domain: 0, size: 64, frames: [split, caller] }], 1));
    expect(made.traces[0].frames.map((f) => [f.functionName, f.builtin])).toEqual([
      ['split', true],
      ['parseLine', false],
    ]);
    const back = Snapshot.fromTraces(made.traces, 1);
    expect(back.statistics('lineno').map((s) => [String(s), s.traceback.at(0)?.functionLabel])).toEqual([
      ['/app/parse.js:3: size=64 B, count=1, average=64 B', 'split (builtin) in parseLine'],
    ]);
  });

  it('feeds Snapshot.fromTraces back to the same statistics', () => {
    const parsed = JSON.parse(encodeSnapshotJson(snapshot)) as SnapshotJson;
    const back = Snapshot.fromTraces(parsed.traces, parsed.info.tracebackLimit, { interval: parsed.info.interval });
    expect(back.statistics('traceback').map(String)).toEqual(snapshot.statistics('traceback').map(String));
    expect(back.totalSize).toBeCloseTo(snapshot.totalSize, 9);
  });

  it('is written one trace per line and parses back to the same object', () => {
    const text = encodeSnapshotJson(snapshot);
    expect(JSON.parse(text)).toEqual(json);
    expect(text.split('\n')).toHaveLength(json.traces.length + 3); // head line, traces, "]}", final newline
    expect(encodeSnapshotJson(Snapshot.fromTraces([]))).toMatch(/"traces":\[\]\}\n$/);
  });
});

describe('tracemalloc export errors', () => {
  const dir = tempDir('export-cli');

  async function run(args: string[], isTTY = false): Promise<{ code: number; out: string; err: string }> {
    const io = captureIO(dir, isTTY);
    const code = await main(args, io);
    return { code, out: io.out(), err: io.err() };
  }

  it('gives one line and exit code 3 for a file that is not a dump', async () => {
    fs.writeFileSync(path.join(dir, 'bad.ntm'), 'not a dump at all');
    const result = await run(['export', 'bad.ntm', '--format', 'json']);
    expect(result.code).toBe(3);
    expect(result.err).toMatch(/^tracemalloc export: bad\.ntm is not a readable dump \(not-a-dump\)[^\n]*\n$/);
    expect(await run(['flamegraph', 'missing.ntm'])).toEqual({
      code: 3,
      out: '',
      err: 'tracemalloc flamegraph: cannot read missing.ntm: no such file\n',
    });
  });

  it('gives exit code 2 for bad usage', async () => {
    for (const args of [
      ['export', 'x.ntm', '--format', 'svg'],
      ['export', 'x.ntm', '-o', 'out.txt'],
      ['export', 'x.ntm', '--bogus'],
      ['export'],
      ['export', 'a.ntm', 'b.ntm', '--format', 'json'],
      ['flamegraph', 'x.ntm', '--title'],
    ]) {
      const result = await run(args);
      expect([args.join(' '), result.code]).toEqual([args.join(' '), 2]);
      expect(result.err.split('\n')).toHaveLength(2);
    }
    expect((await run(['export', 'x.ntm', '--format', 'svg'])).err).toMatch(
      /invalid --format "svg" \(expected pprof, heapprofile, collapsed or json\)/,
    );
    // A flame graph is a command of its own: both ways of asking for one say which.
    const hint = 'the HTML flame graph is a command of its own: tracemalloc flamegraph <dump.ntm> -o report.html';
    expect((await run(['export', 'x.ntm', '--format', 'flamegraph'])).err).toContain(hint);
    expect((await run(['export', 'x.ntm', '-o', 'report.html'])).err).toContain(hint);
  });

  it('refuses to write binary pprof to a terminal', async () => {
    const dump = workloadDump(dir, '4096');
    const result = await run(['export', dump, '--format', 'pprof'], true);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/pprof is binary/);
  });

  it('gives one line and exit code 1 when the output cannot be written', async () => {
    const dump = workloadDump(dir, '4096');
    const result = await run(['export', dump, '--format', 'json', '-o', 'no/such/dir/heap.json']);
    expect(result).toEqual({
      code: 1,
      out: '',
      err: 'tracemalloc export: cannot write no/such/dir/heap.json: no such directory\n',
    });
  });

  it('prints its help', async () => {
    const result = await run(['export', '--help']);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^Usage: tracemalloc export <dump.ntm> --format <format>/);
  });
});

describe('exports on a machine without the addon', () => {
  const dir = tempDir('no-addon');
  const cli = path.join(repoRoot, 'dist', 'faces', 'cli', 'main.js');

  it('writes every format from the built CLI with the addon unloadable', () => {
    if (!fs.existsSync(cli))
      throw new Error('dist/faces/cli/main.js is missing: `npm run build:ts` first (npm test does)');
    const dump = workloadDump(dir, '4096');
    const preload = path.join(fixtures, 'export', 'no-addon.js');
    const node = (args: string[]): { status: number | null; stderr: string } =>
      spawnSync(process.execPath, ['-r', preload, cli, ...args], { cwd: dir, encoding: 'utf8' });
    // The preload works: loading the package's tracing API fails.
    const probe = spawnSync(process.execPath, ['-r', preload, '-e', `require(${JSON.stringify(repoRoot)}).start()`], {
      encoding: 'utf8',
    });
    expect(probe.status).not.toBe(0);
    for (const out of ['heap.pb.gz', 'heap.heapprofile', 'heap.collapsed', 'heap.json']) {
      expect([out, node(['export', dump, '-o', out])]).toEqual([
        out,
        expect.objectContaining({ status: 0, stderr: '' }),
      ]);
      expect(fs.statSync(path.join(dir, out)).size).toBeGreaterThan(100);
    }
    expect(node(['flamegraph', dump, '-o', 'heap.html'])).toEqual(expect.objectContaining({ status: 0, stderr: '' }));
    expect(loadSnapshot(dump).totalSize).toBeGreaterThan(0);
  });
});
