// Terminal escape injection: a profiled program chooses its function and file
// names, and they reach terminals (top, diff, run, error messages, the API's
// str() forms) and line-based files (collapsed stacks). The program here
// names its functions and script after an OSC title sequence, `\r` plus a
// screen clear, an 8-bit CSI, bidi controls and line separators; no report of
// it may hold one raw.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { censusLabel } from '../lib/tracer/census';
import { escapeControlChars } from '../lib/helpers/control-chars';
import { loadSnapshot } from '../lib/model/dump';
import { escapeCollapsedLabel } from '../lib/faces/export/collapsed';
import { Frame } from '../lib/model/frame';
import { Snapshot } from '../lib/model/snapshot';
import { Statistic } from '../lib/model/statistics';
import { Traceback } from '../lib/model/traceback';
import { cli, cliFixtures, tempDir } from './helpers/cli';

const FIXTURE = path.join(cliFixtures, 'hostile-names.js');
/** What must never appear raw: C0 (newlines aside, checked per line), DEL, C1, separators, bidi controls. */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const FILE_SHOWN = '/tmp/evil\\x1b[2J\\r\\u202e\\x9b\\u2028;.js';

let tmp: ReturnType<typeof tempDir>;
let dump: string;
let runResult: ReturnType<typeof cli>;

beforeAll(() => {
  tmp = tempDir('hostile');
  dump = path.join(tmp.dir, 'hostile.ntm');
  runResult = cli(['run', '--exact', '--key', 'function', '--top', 'all', '-o', dump, FIXTURE], { cwd: tmp.dir });
});
afterAll(() => tmp.remove());

function expectNoRawControl(text: string): void {
  const bad = text.split('\n').findIndex((line) => RAW_CONTROL.test(line));
  expect(bad === -1 ? undefined : JSON.stringify(text.split('\n')[bad])).toBeUndefined();
}

test('the fixture really records the hostile names (else this file tests nothing)', () => {
  expect(runResult.status).toBe(0);
  const names = loadSnapshot(dump).table.strings;
  expect(names).toContain('\x1b]0;pwned\x07');
  expect(names).toContain('fake\r  999 GiB\x1b[2J');
  expect(names).toContain('/tmp/evil\x1b[2J\r\u202e\u009b\u2028;.js');
});

test('tracemalloc run: the report at exit shows every name escaped', () => {
  expectNoRawControl(runResult.stderr);
  expect(runResult.stderr).toContain('\\x1b]0;pwned\\x07');
  expect(runResult.stderr).toContain('fake\\r  999 GiB\\x1b[2J');
  expect(runResult.stderr).toContain('tab\\there;semi\\u2029\\u2066');
  expect(runResult.stderr).toContain(FILE_SHOWN);
});

test.each([
  [['--key', 'function', '--top', 'all']],
  [['--key', 'traceback', '--top', 'all']],
  [['--key', 'lineno', '--cumulative']],
  [['--key', 'filename']],
])('tracemalloc top %j', (args) => {
  const result = cli(['top', ...args, dump], { cwd: tmp.dir });
  expect(result.status).toBe(0);
  expectNoRawControl(result.stdout);
  expect(result.stdout).toContain(FILE_SHOWN);
});

test('tracemalloc top with colour forced: our own SGR codes only, names escaped', () => {
  const result = cli(['top', '--key', 'function', dump], { cwd: tmp.dir, env: { FORCE_COLOR: '1' } });
  const withoutOurColours = result.stdout.replace(/\x1b\[(?:[0-9;]*)m/g, '');
  expectNoRawControl(withoutOurColours);
  expect(withoutOurColours).toContain('\\x1b]0;pwned\\x07');
});

test('tracemalloc diff', () => {
  const empty = path.join(tmp.dir, 'empty.ntm');
  Snapshot.fromTraces([], 1).dump(empty);
  const result = cli(['diff', '--key', 'function', '--top', 'all', empty, dump], { cwd: tmp.dir });
  expect(result.status).toBe(0);
  expectNoRawControl(result.stdout);
  expect(result.stdout).toContain('fake\\r  999 GiB\\x1b[2J');
});

test('export --format collapsed: one line per path, no raw control characters, `;` only between frames', () => {
  const result = cli(['export', dump, '--format', 'collapsed'], { cwd: tmp.dir });
  expect(result.status).toBe(0);
  const lines = result.stdout.split('\n');
  expect(lines.pop()).toBe('');
  for (const line of lines) expect(line).toMatch(/^[^\n]+ \d+$/);
  expectNoRawControl(result.stdout);
  const hostile = lines.find((l) => l.includes('pwned'));
  expect(hostile).toContain(`\\x1b]0\\x3bpwned\\x07 (${FILE_SHOWN.replace(';', '\\x3b')}:3)`);
});

test('error messages that echo a file name escape it', () => {
  const evil = path.join(tmp.dir, 'no\x1b]0;pwned\x07such.ntm');
  const missing = cli(['top', evil], { cwd: tmp.dir });
  expect(missing.status).toBe(3);
  expect(missing.stderr).toBe(`tracemalloc top: cannot read ${escapeControlChars(evil)}: no such file\n`);
  const notDump = path.join(tmp.dir, 'not\ra\x1b[2Jdump.ntm');
  fs.writeFileSync(notDump, 'hello');
  const bad = cli(['top', notDump], { cwd: tmp.dir });
  expect(bad.status).toBe(3);
  expectNoRawControl(bad.stderr);
  expect(() => loadSnapshot(notDump)).toThrow(
    expect.objectContaining({
      file: notDump,
      message: expect.stringContaining(`dump ${tmp.dir}/not\\ra\\x1b[2Jdump.ntm: not-a-dump`),
    }),
  );
});

describe("the API's printed forms", () => {
  const frame = new Frame('/app/\x1b[2Jx.js', 3, 'f\r\u202eg');

  test('str(frame), str(statistic), traceback.format() escape names; ordinary names are unchanged', () => {
    expect(String(frame)).toBe('/app/\\x1b[2Jx.js:3');
    const traceback = new Traceback([frame]);
    expect(String(new Statistic(traceback, 64, 1))).toBe('/app/\\x1b[2Jx.js:3: size=64 B, count=1, average=64 B');
    expect(traceback.format()).toEqual(['  File "/app/\\x1b[2Jx.js", line 3, in f\\r\\u202eg']);
    const plain = new Traceback([new Frame('/app/a b.js', 3, 'héllo 😀 \\w')]);
    expect(String(new Statistic(plain, 64, 1))).toBe('/app/a b.js:3: size=64 B, count=1, average=64 B');
    expect(plain.format()).toEqual(['  File "/app/a b.js", line 3, in héllo 😀 \\w']);
  });

  test("the loaded dump's statistics print escaped", () => {
    const text = loadSnapshot(dump)
      .statistics('function')
      .map((s) => `${String(s)}\n${s.traceback.format().join('\n')}`)
      .join('\n');
    expectNoRawControl(text);
    expect(text).toContain(`File "${FILE_SHOWN}", line 3, in \\x1b]0;pwned\\x07`);
  });

  test('census labels and collapsed labels', () => {
    expect(censusLabel({ name: 'Evil\x1b[2J', type: 'object' })).toBe('Evil\\x1b[2J');
    expect(censusLabel({ name: 'cb\r', type: 'closure' })).toBe('cb\\r (closure)');
    expect(escapeCollapsedLabel('a;b\nc\x1b')).toBe('a\\x3bb\\nc\\x1b');
  });
});

describe('escapeControlChars', () => {
  test('escapes C0, DEL, C1, separators and bidi controls visibly', () => {
    expect(escapeControlChars('\x00\x07\t\n\r\x1b\x7f\x80\x9b\u2028\u2029\u202a\u202e\u2066\u2069')).toBe(
      '\\x00\\x07\\t\\n\\r\\x1b\\x7f\\x80\\x9b\\u2028\\u2029\\u202a\\u202e\\u2066\\u2069',
    );
  });

  test('returns ordinary text unchanged, and is idempotent', () => {
    for (const text of ['', 'plain', 'C:\\app\\x1b.js', 'héllo 😀', '\u00a0\u200b\u200e', 'a\\nb']) {
      expect(escapeControlChars(text)).toBe(text);
    }
    const once = escapeControlChars('x\x1b\r\u202e');
    expect(escapeControlChars(once)).toBe(once);
  });
});
