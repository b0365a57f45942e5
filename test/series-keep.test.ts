// Bounded series: `--snapshot-every` / NODE_TRACEMALLOC_SNAPSHOT_EVERY keep the
// newest N dumps (NODE_TRACEMALLOC_KEEP, `run --keep`, default 10), say so,
// and never remove the last one, written at exit.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSnapshot } from '../lib/model/dump';
import { cli, cliFixtures, filesIn, lastJson, node, tempDir } from './helpers/cli';

const CJS = path.join(cliFixtures, 'alloc.js');

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('keep');
});
afterEach(() => tmp.remove());

/**
 * Runs alloc.js under register with a series every 20 ms until dump number
 * `until` appears (then one more batch, and the exit dump); returns what it
 * wrote (the manifest) and what is left.
 */
function series(
  until: number,
  extra: NodeJS.ProcessEnv,
): { status: number | null; stderr: string; written: string[]; left: string[] } {
  const manifest = path.join(tmp.dir, 'manifest');
  fs.writeFileSync(manifest, '');
  const result = node(['-r', 'node-tracemalloc/register', CJS], {
    env: {
      NODE_TRACEMALLOC: '1',
      NODE_TRACEMALLOC_OUTPUT: path.join(tmp.dir, 'series.ntm'),
      NODE_TRACEMALLOC_SNAPSHOT_EVERY: '20',
      // The list of every dump written, as `tracemalloc run` reads it.
      NODE_TRACEMALLOC_RUN_MANIFEST: manifest,
      UNTIL_FILE: path.join(tmp.dir, `series-${String(until).padStart(4, '0')}.ntm`),
      ...extra,
    },
  });
  const written = fs
    .readFileSync(manifest, 'utf8')
    .split('\n')
    .filter((line) => line !== '');
  return { status: result.status, stderr: result.stderr, written, left: filesIn(tmp.dir, /\.ntm$/) };
}

describe('NODE_TRACEMALLOC_KEEP', () => {
  test('keeps the newest N dumps, says so once, and the exit dump is among them', () => {
    const run = series(5, { NODE_TRACEMALLOC_KEEP: '3', NODE_TRACEMALLOC_INTERVAL: '1' });
    expect(run.status).toBe(0);
    // More written than kept, or the test shows nothing.
    expect(run.written.length).toBeGreaterThan(3);
    expect(run.left).toEqual(run.written.slice(-3));
    expect(run.stderr).toBe(
      'node-tracemalloc: keeping the last 3 dumps of the series, removing older ones (NODE_TRACEMALLOC_KEEP=all keeps every one)\n',
    );
    // The last one is the exit dump: the program kept allocating, so it holds the most.
    const counts = run.left.map((file) => loadSnapshot(file).totalCount);
    expect(counts[2]).toBeGreaterThan(counts[0]);
  });

  test('by default, 10', () => {
    const run = series(12, {});
    expect(run.status).toBe(0);
    expect(run.written.length).toBeGreaterThan(10);
    expect(run.left).toEqual(run.written.slice(-10));
    expect(run.stderr).toContain('keeping the last 10 dumps of the series');
  });

  test('all keeps every one, silently', () => {
    const run = series(5, { NODE_TRACEMALLOC_KEEP: 'all' });
    expect(run.status).toBe(0);
    expect(run.written.length).toBeGreaterThan(3);
    expect(run.left).toEqual(run.written);
    expect(run.stderr).toBe('');
  });

  test('a dump path without %n and no series is never removed', () => {
    const out = path.join(tmp.dir, 'one.ntm');
    const result = node(['-r', 'node-tracemalloc/register', CJS], {
      env: { NODE_TRACEMALLOC: '1', NODE_TRACEMALLOC_OUTPUT: out, NODE_TRACEMALLOC_KEEP: '1' },
    });
    expect(result.status).toBe(0);
    expect(filesIn(tmp.dir, /\.ntm$/)).toEqual([out]);
  });

  test.each(['0', '-1', 'few', '2.5'])(
    '%j is refused (NODE_TRACEMALLOC_ON_ERROR=fail: before the program runs)',
    (value) => {
      const result = node(['-r', 'node-tracemalloc/register', CJS], {
        env: { NODE_TRACEMALLOC: '1', NODE_TRACEMALLOC_ON_ERROR: 'fail', NODE_TRACEMALLOC_KEEP: value },
      });
      expect(result.status).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(
        `node-tracemalloc: NODE_TRACEMALLOC_KEEP: invalid number of dumps to keep: ${JSON.stringify(value)} (expected an integer ≥ 1, or all)\n`,
      );
    },
  );
});

describe('tracemalloc run --keep', () => {
  test('the report names the dumps left and how many were written', () => {
    const result = cli(['run', '--snapshot-every', '20ms', '--keep', '2', '-o', 'leak.ntm', CJS], {
      cwd: tmp.dir,
      env: { UNTIL_FILE: path.join(tmp.dir, 'leak-0004.ntm') },
    });
    expect(result.status).toBe(0);
    const left = filesIn(tmp.dir, /^leak-\d+\.ntm$/).map((file) => path.basename(file));
    expect(left).toHaveLength(2);
    const match = /\n2 dumps \((\d+) written, the oldest removed\): (leak-\d+\.ntm) \.\.\. (leak-\d+\.ntm)\n$/.exec(
      result.stderr,
    );
    expect(match).not.toBeNull();
    const [, written, first, last] = match as RegExpExecArray;
    expect([first, last]).toEqual(left);
    expect(last).toBe(`leak-${written.padStart(4, '0')}.ntm`);
  });

  test('--json lists the dumps left and the number written', () => {
    const result = cli(['run', '--snapshot-every', '20ms', '--keep', '2', '-o', 'leak.ntm', '--json', CJS], {
      cwd: tmp.dir,
      env: { UNTIL_FILE: path.join(tmp.dir, 'leak-0004.ntm') },
    });
    expect(result.status).toBe(0);
    const report = lastJson<{ dumps: string[]; written: number }>(result.stderr);
    expect(report.written).toBeGreaterThan(2);
    expect(report.dumps).toEqual(filesIn(tmp.dir, /^leak-\d+\.ntm$/));
  });

  test('--keep 0 is a usage error', () => {
    const result = cli(['run', '--keep', '0', CJS], { cwd: tmp.dir });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^tracemalloc run: --keep: invalid number of dumps to keep: "0"/);
  });
});
