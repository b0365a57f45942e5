// Heap-limit capture: a program that leaks until V8 runs out of JS heap
// leaves a dump and its top lines, written natively from V8's near-heap-limit
// callback, then still dies of the out-of-memory error, as it would have.
// Real child processes under --max-old-space-size=64, real out-of-memory.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSnapshot, type Snapshot } from '../lib';
import { captureNearHeapLimit } from '../lib/entries/production';
import { node, cliFixtures, tempDir } from './helpers/cli';
import type { ChildResult } from './helpers/child';

const FIXTURE = path.join(cliFixtures, 'leak-until-oom.js');
/** The line a function starts on in a fixture (V8 records functions' start lines). */
function lineOf(file: string, text: string): number {
  return (
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .findIndex((line) => line.includes(text)) + 1
  );
}
const LEAK_LINE = lineOf(FIXTURE, 'function growLeak(');
const SMALL_HEAP = '--max-old-space-size=64';
const REGISTER = 'node-tracemalloc/register';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('oom');
});
afterEach(() => tmp.remove());

/** It died of V8's out-of-memory error: Node prints it and aborts. */
function expectOutOfMemory(result: ChildResult): void {
  expect(result.signal).toBe('SIGABRT');
  expect(result.stderr).toContain('JavaScript heap out of memory');
}

/** The text's lines are the dump's top 20 lines as lib/ prints them, and the leak is on top. */
function expectDumpAndText(file: string, site = `${FIXTURE}:${LEAK_LINE}`, heapMiB = 64): Snapshot {
  const snapshot = loadSnapshot(file);
  const stats = snapshot.statistics('lineno');
  const top = stats[0].traceback.at(-1);
  expect(`${top?.filename}:${top?.lineno}`).toBe(site);
  // Most of the heap is the leak (an estimate: sampled every 4 KiB, so
  // thousands of samples, and half the heap lies hundreds of σ below).
  expect(stats[0].size).toBeGreaterThan((heapMiB / 2) * 1024 * 1024);
  expect(snapshot.view).toBe('live');
  expect(snapshot.interval).toBe(4096);
  const text = fs.readFileSync(`${file}.txt`, 'utf8');
  const [header, body] = text.split('\n\n');
  expect(header).toContain('the JS heap neared its limit');
  expect(header).toContain(`Dump: ${file}`);
  expect(header).toContain('estimated: sampled every 4096 B');
  expect(body.trimEnd().split('\n')).toEqual(stats.slice(0, 20).map(String));
  return snapshot;
}

test('NODE_TRACEMALLOC_OOM_DUMP: a leak that runs out of heap leaves a dump whose top line is the leak, and its text; the program still dies of the OOM', () => {
  const result = node([SMALL_HEAP, '-r', REGISTER, FIXTURE], {
    env: {
      NODE_TRACEMALLOC: '8',
      NODE_TRACEMALLOC_INTERVAL: '4K',
      NODE_TRACEMALLOC_OOM_DUMP: path.join(tmp.dir, 'oom-%p.ntm'),
    },
  });
  expectOutOfMemory(result);
  const dumps = fs.readdirSync(tmp.dir).filter((name) => name.endsWith('.ntm'));
  expect(dumps).toEqual([expect.stringMatching(/^oom-\d+\.ntm$/)]);
  const file = path.join(tmp.dir, dumps[0]);
  expect(fs.readdirSync(tmp.dir).sort()).toEqual([dumps[0], `${dumps[0]}.txt`]);
  expectDumpAndText(file);
  // Once: the callback removed itself after writing.
  expect(result.stderr.match(/node-tracemalloc: the JS heap neared its limit .*: wrote /g)).toHaveLength(1);
});

test.each([
  [
    'control characters and a bidi override, escaped',
    '/tmp/evil\u001b]0;x\u0007\u202e\u0085.js',
    '/tmp/evil\\x1b]0;x\\x07\\u202e\\x85.js:1',
  ],
  ['a file URL, as a path', 'file:///tmp/a%20b%C3%A9.mjs', '/tmp/a bé.mjs:1'],
])('the text names a script as lib/ prints it: %s', (_, name, shown) => {
  const file = path.join(tmp.dir, 'named.ntm');
  const result = node([SMALL_HEAP, '-r', REGISTER, FIXTURE, 'named', name], {
    env: { NODE_TRACEMALLOC: '8', NODE_TRACEMALLOC_INTERVAL: '4K', NODE_TRACEMALLOC_OOM_DUMP: file },
  });
  expectOutOfMemory(result);
  const site = fileURLOrName(name);
  expectDumpAndText(file, `${site}:1`);
  expect(fs.readFileSync(`${file}.txt`, 'utf8')).toContain(`\n${shown}: size=`);
});

function fileURLOrName(name: string): string {
  return name.startsWith('file:') ? fileURLToPath(name) : name;
}

test('captureNearHeapLimit() in a program that traces itself', () => {
  const file = path.join(tmp.dir, 'api.ntm');
  const result = node([SMALL_HEAP, FIXTURE, 'api', file]);
  expectOutOfMemory(result);
  const snapshot = expectDumpAndText(file);
  expect(snapshot.tracebackLimit).toBe(8);
  expect(new Set(snapshot.table.sampleDomain)).toEqual(new Set([0]));
});

test('in a worker: the dump of its own heap, under its thread id; the worker then ends with ERR_WORKER_OUT_OF_MEMORY and the process lives on', () => {
  const fixture = path.join(cliFixtures, 'leak-in-worker.js');
  const file = path.join(tmp.dir, 'worker.ntm');
  const result = node([fixture, file]);
  expect(result.status).toBe(0);
  expect(result.stdout).toBe('worker error ERR_WORKER_OUT_OF_MEMORY\nmain thread alive\n');
  const snapshot = expectDumpAndText(file, `${fixture}:${lineOf(fixture, 'function growLeak(')}`, 32);
  expect(new Set(snapshot.table.sampleDomain)).toEqual(new Set([1]));
  expect(fs.readFileSync(`${file}.txt`, 'utf8')).toContain('(thread 1)');
});

test('close() disarms it: no dump, the same out-of-memory death', () => {
  const file = path.join(tmp.dir, 'closed.ntm');
  const result = node([SMALL_HEAP, FIXTURE, 'api', file, 'close']);
  expectOutOfMemory(result);
  expect(fs.readdirSync(tmp.dir)).toEqual([]);
  expect(result.stderr).not.toContain('node-tracemalloc');
});

test('refused: not tracing, a path that could never be written', () => {
  expect(() => captureNearHeapLimit(path.join(tmp.dir, 'missing', 'x.ntm'))).toThrow(
    expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE', message: expect.stringContaining('does not exist') }),
  );
  expect(() => captureNearHeapLimit(tmp.dir)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
  expect(() => captureNearHeapLimit(42 as unknown as string)).toThrow(
    expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
  );
  expect(() => captureNearHeapLimit(path.join(tmp.dir, 'x.ntm'))).toThrow(
    expect.objectContaining({ code: 'ERR_TRACEMALLOC_NOT_TRACING' }),
  );
});

test('NODE_TRACEMALLOC_OOM_DUMP in a missing directory is a setting error', () => {
  const result = node(['-r', REGISTER, '-e', 'console.log("ran")'], {
    env: {
      NODE_TRACEMALLOC: '8',
      NODE_TRACEMALLOC_OOM_DUMP: path.join(tmp.dir, 'missing', 'oom.ntm'),
      NODE_TRACEMALLOC_ON_ERROR: 'fail',
    },
  });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain('NODE_TRACEMALLOC_OOM_DUMP: directory');
});
