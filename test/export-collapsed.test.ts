// Collapsed stacks: the exact text for a snapshot with every awkward case,
// lines as flamegraph.pl and speedscope split them, and the CLI's --value.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exportCommand } from '../lib/faces/cli/export';
import { UsageError } from '../lib/faces/cli/command';
import { loadSnapshot } from '../lib/model/dump';
import { escapeCollapsedLabel, toCollapsed } from '../lib/faces/export/collapsed';
import { frameLabel } from '../lib/faces/export/label';
import { Frame } from '../lib/model/frame';
import type { Snapshot } from '../lib/model/snapshot';
import { awkwardSnapshot, captureIO, tempDir, workloadDump } from './fixtures/export/helpers';

/** What flamegraph.pl reads from a line: `^(.*)\s+?(\d+(?:\.\d*)?)$`, frames split on `;`. */
function parseLine(line: string): { frames: string[]; value: number } {
  const m = /^(.*)\s+?(\d+(?:\.\d*)?)$/.exec(line);
  if (m === null) throw new Error(`not a collapsed line: ${JSON.stringify(line)}`);
  return { frames: m[1].split(';'), value: Number(m[2]) };
}

describe('toCollapsed', () => {
  const snapshot = awkwardSnapshot();

  it('writes one line per call path, outermost first, self bytes rounded keeping the total', () => {
    expect(toCollapsed(snapshot)).toBe(
      [
        'main (/app/main.js:1);load (/app/db.js:40) 1751', // two domains, three traces, summed
        'main (/app/main.js:1);(anonymous) (/app/main.js:9) 300',
        'main (/app/main.js:1);a\\x3bb\\nc (/app/odd\\x3bname.js:2) 65',
        '(V8 API) 48',
        'esm (/app/esm.mjs:5) 33',
        '(no stack) 16',
        '',
      ].join('\n'),
    );
    const sum = toCollapsed(snapshot)
      .trimEnd()
      .split('\n')
      .reduce((a, l) => a + parseLine(l).value, 0);
    expect(sum).toBe(Math.round(snapshot.totalSize));
  });

  it('counts objects with value "count", leaving out paths that round to 0', () => {
    expect(toCollapsed(snapshot, { value: 'count' })).toBe(
      [
        'main (/app/main.js:1);load (/app/db.js:40) 18',
        'main (/app/main.js:1);(anonymous) (/app/main.js:9) 3',
        'main (/app/main.js:1);a\\x3bb\\nc (/app/odd\\x3bname.js:2) 1',
        '(V8 API) 1',
        'esm (/app/esm.mjs:5) 1',
        '',
      ].join('\n'),
    );
  });

  it('escapes ; and line breaks, the only characters the format cannot carry', () => {
    expect(escapeCollapsedLabel('a;b\nc\rd e\\f')).toBe('a\\x3bb\\nc\\rd e\\f');
    for (const line of toCollapsed(snapshot).trimEnd().split('\n')) {
      expect(parseLine(line).frames.length).toBeLessThanOrEqual(2);
    }
  });

  it('labels frames as functionName (file:line)', () => {
    expect(frameLabel(new Frame('/app/a.js', 12, 'getData'))).toBe('getData (/app/a.js:12)');
    expect(frameLabel(new Frame('<unknown>', 0, 'Uint8Array'))).toBe('Uint8Array (<unknown>)');
    expect(frameLabel(new Frame('<unknown>', 0, 'Uint8Array', 0, { builtin: true }))).toBe('Uint8Array (builtin)');
    expect(frameLabel(new Frame('(GC)', 0, '(GC)'))).toBe('(GC)');
    expect(frameLabel(new Frame('/app/a.js', 3, ''))).toBe('(anonymous) (/app/a.js:3)');
  });

  it('refuses bad arguments', () => {
    expect(() => toCollapsed(snapshot, { value: 'bytes' as 'size' })).toThrow(/"size" or "count"/);
    expect(() => toCollapsed(snapshot, { values: 'count' } as never)).toThrow(/Unknown option "values"/);
    expect(() => toCollapsed(null as unknown as Snapshot)).toThrow(TypeError);
  });
});

describe('tracemalloc export --format collapsed', () => {
  const dir = tempDir('collapsed');

  it('writes a real workload as flamegraph.pl lines, makePoints under main', async () => {
    const dump = workloadDump(dir, 'exact');
    const snapshot = loadSnapshot(dump);
    const io = captureIO(dir);
    expect(await exportCommand.run([dump, '--format', 'collapsed'], io)).toBe(0);
    const lines = io.out().trimEnd().split('\n').map(parseLine);
    expect(lines.reduce((a, l) => a + l.value, 0)).toBe(Math.round(snapshot.totalSize));
    const biggest = lines.sort((a, b) => b.value - a.value)[0];
    expect(biggest.frames.slice(-2).map((f) => f.replace(/ \(.*/, ''))).toEqual(['main', 'makePoints']);
  });

  it('infers the format from -o and honours --value count', async () => {
    const dump = workloadDump(dir, 'exact');
    const io = captureIO(dir);
    expect(await exportCommand.run([dump, '-o', 'heap.folded', '--value', 'count'], io)).toBe(0);
    const text = fs.readFileSync(path.join(dir, 'heap.folded'), 'utf8');
    const counts = text.trimEnd().split('\n').map(parseLine);
    expect(counts.reduce((a, l) => a + l.value, 0)).toBe(loadSnapshot(dump).totalCount);
  });

  it('refuses --value with another format, and an unknown --value', async () => {
    const io = captureIO(dir);
    await expect(exportCommand.run(['x.ntm', '--format', 'json', '--value', 'count'], io)).rejects.toThrow(UsageError);
    await expect(exportCommand.run(['x.ntm', '--format', 'collapsed', '--value', 'bytes'], io)).rejects.toThrow(
      /invalid --value "bytes"/,
    );
  });
});
