// pprof export: the profile's shape decoded back with pprof-format, then the
// real consumer: `go tool pprof` must name the workload's top allocator and
// the snapshot's total.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { exportCommand } from '../lib/faces/cli/export';
import { loadSnapshot } from '../lib/model/dump';
import { encodePprof } from '../lib/faces/export/pprof';
import type { Snapshot } from '../lib/model/snapshot';
import {
  awkwardSnapshot,
  builtCli,
  captureIO,
  repoRoot,
  runCli,
  tempDir,
  workloadDump,
} from './fixtures/export/helpers';

function decode(bytes: Uint8Array): { profile: Profile; str: (i: number | bigint) => string } {
  const profile = Profile.decode(gunzipSync(bytes));
  return { profile, str: (i) => profile.stringTable.strings[Number(i)] };
}

/** Per sample: the leaf-first function names and the values. */
function samplesOf(
  bytes: Uint8Array,
): { names: string[]; files: string[]; domain: string; objects: number; space: number }[] {
  const { profile, str } = decode(bytes);
  const fn = new Map(profile.function.map((f) => [Number(f.id), f]));
  const loc = new Map(profile.location.map((l) => [Number(l.id), l]));
  return profile.sample.map((s) => {
    const functions = s.locationId.map((id) => fn.get(Number(loc.get(Number(id))?.line[0].functionId)));
    const label = s.label.find((l) => str(l.key) === 'domain');
    return {
      names: functions.map((f) => str(f?.name ?? 0)),
      files: functions.map((f) => str(f?.filename ?? 0)),
      domain: label === undefined ? '' : str(label.str),
      objects: Number(s.value[0]),
      space: Number(s.value[1]),
    };
  });
}

describe('encodePprof', () => {
  const snapshot = awkwardSnapshot();
  const bytes = encodePprof(snapshot);

  it('writes gzip, as pprof files are', () => {
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
  });

  it('uses the heap-profile sample types, period type and period', () => {
    const { profile, str } = decode(bytes);
    expect(profile.sampleType.map((t) => [str(t.type), str(t.unit)])).toEqual([
      ['objects', 'count'],
      ['space', 'bytes'],
    ]);
    expect(profile.periodType && [str(profile.periodType.type), str(profile.periodType.unit)]).toEqual([
      'space',
      'bytes',
    ]);
    expect(Number(profile.period)).toBe(512);
    expect(str(profile.defaultSampleType)).toBe('space');
    expect(profile.comment.map(str).join('\n')).toMatch(/estimated .*interval 512 bytes/);
  });

  it('writes integers that keep the totals within 0.5', () => {
    const samples = samplesOf(bytes);
    for (const s of samples) {
      expect(Number.isInteger(s.objects) && Number.isInteger(s.space)).toBe(true);
    }
    expect(samples.reduce((a, s) => a + s.space, 0)).toBe(Math.round(snapshot.totalSize));
    expect(samples.reduce((a, s) => a + s.objects, 0)).toBe(Math.round(snapshot.totalCount));
  });

  it('groups traces per stack and domain, leaf first, labelled with the domain', () => {
    const loads = samplesOf(bytes).filter((s) => s.names[0] === 'load');
    expect(loads.map((s) => [s.names, s.domain, s.space])).toEqual([
      [['load', 'main'], '0', 1501], // 1000.4 + 500.3
      [['load', 'main'], '3', 250],
    ]);
  });

  it('names functions and files, with start lines in Function.start_line and Line.line', () => {
    const { profile, str } = decode(bytes);
    const fns = profile.function.map((f) => ({ name: str(f.name), file: str(f.filename), start: Number(f.startLine) }));
    expect(fns).toEqual(
      expect.arrayContaining([
        { name: 'load', file: '/app/db.js', start: 40 },
        { name: 'main', file: '/app/main.js', start: 1 },
        { name: '(anonymous)', file: '/app/main.js', start: 9 },
        { name: 'esm', file: '/app/esm.mjs', start: 5 }, // file URL made a path, as Frame does
        { name: '(V8 API)', file: '(V8 API)', start: 0 },
        { name: '(no stack)', file: '<unknown>', start: 0 },
      ]),
    );
    const load = profile.function.find((f) => str(f.name) === 'load');
    const line = profile.location.map((l) => l.line[0]).find((l) => Number(l.functionId) === Number(load?.id));
    expect([Number(line?.line), Number(line?.column)]).toEqual([40, 3]);
  });

  it('refuses what is not a snapshot', () => {
    expect(() => encodePprof({} as Snapshot)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });
});

function findGo(): string | undefined {
  const probe = spawnSync('go', ['version'], { encoding: 'utf8' });
  return probe.status === 0 ? 'go' : undefined;
}

describe('go tool pprof reads the export', () => {
  const go = findGo();
  const dir = tempDir('pprof');
  // .ci/run installs Debian's golang-go; a developer machine may lack it.
  if (go === undefined) console.warn('SKIPPED go tool pprof checks: `go` is not installed (apt-get install golang-go)');
  const maybe = go === undefined ? it.skip : it;

  function pprofTop(file: string, args: string[]): string {
    const result = spawnSync('go', ['tool', 'pprof', '-top', ...args, file], {
      encoding: 'utf8',
      env: { ...process.env, HOME: dir, PPROF_TMPDIR: dir, GOCACHE: path.join(dir, 'gocache') },
      timeout: 120_000,
    });
    if (result.status !== 0) throw new Error(`go tool pprof failed:\n${result.stderr}`);
    return result.stdout;
  }

  /** `Showing nodes accounting for X, 100% of Y total` → Y; first row's function and flat value. */
  function parseTop(text: string): { total: number; top: string; flat: number } {
    const total = /of (\d+)B? total/.exec(text);
    const rows = text.split('\n').filter((l) => /^\s+\d+B?\s+[\d.]+%/.test(l));
    const first = /^\s+(\d+)B?\s+\S+\s+\S+\s+\S+\s+\S+\s+(.+)$/.exec(rows[0] ?? '');
    if (total === null || first === null) throw new Error(`unexpected go tool pprof output:\n${text}`);
    return { total: Number(total[1]), top: first[2], flat: Number(first[1]) };
  }

  maybe('names the top allocator and the total bytes and objects of a sampled dump', async () => {
    const dump = workloadDump(dir, '4096');
    const snapshot = loadSnapshot(dump);
    const io = captureIO(dir);
    expect(await exportCommand.run([dump, '--format', 'pprof', '-o', 'heap.pb.gz'], io)).toBe(0);
    const file = path.join(dir, 'heap.pb.gz');

    const space = pprofTop(file, ['-sample_index=space', '-unit=B']);
    fs.mkdirSync(path.join(repoRoot, 'test-artifacts'), { recursive: true });
    fs.writeFileSync(path.join(repoRoot, 'test-artifacts', 'pprof-top.txt'), space);
    const top = snapshot.statistics('function')[0].traceback.at(-1);
    expect(top?.functionName).toBe('makePoints');
    expect(parseTop(space)).toEqual(
      expect.objectContaining({ top: 'makePoints', total: Math.round(snapshot.totalSize) }),
    );
    expect(parseTop(space).flat).toBeCloseTo(snapshot.statistics('function')[0].size, -1);

    const objects = parseTop(pprofTop(file, ['-sample_index=objects']));
    expect(objects.total).toBe(Math.round(snapshot.totalCount));
  });

  maybe('reads an exact dump: every Point counted', () => {
    const dump = workloadDump(dir, 'exact');
    const snapshot = loadSnapshot(dump);
    const file = path.join(dir, 'exact.pb.gz');
    fs.writeFileSync(file, encodePprof(snapshot));
    const space = parseTop(pprofTop(file, ['-sample_index=space', '-unit=B']));
    expect(space).toEqual(expect.objectContaining({ top: 'makePoints', total: snapshot.totalSize }));
    const objects = parseTop(pprofTop(file, ['-sample_index=objects']));
    expect(objects.total).toBe(snapshot.totalCount);
    // 40,000 Points plus the array's backing stores, all charged to makePoints.
    expect(objects.flat).toBeGreaterThanOrEqual(40000);
  });

  const cli = builtCli();
  (go !== undefined && cli !== undefined ? it : it.skip)('works end to end through the built CLI', () => {
    const dump = workloadDump(dir, '4096');
    const result = runCli(['export', dump, '-o', 'cli.pb.gz'], dir);
    expect(result).toEqual(expect.objectContaining({ status: 0, stderr: '' }));
    expect(parseTop(pprofTop(path.join(dir, 'cli.pb.gz'), ['-sample_index=space', '-unit=B'])).top).toBe('makePoints');
  });
});
