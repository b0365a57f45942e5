// Frame and Traceback value classes, and how V8's raw frames become them.
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Frame } from '../lib/model/frame';
import { Snapshot } from '../lib/model/snapshot';
import { Traceback } from '../lib/model/traceback';

describe('Frame.fromV8', () => {
  test('pseudo frames keep their V8 name as filename and function', () => {
    for (const name of ['(V8 API)', '(GC)', '(EXTERNAL)', '(JS)']) {
      const frame = Frame.fromV8('', name, 0, 0);
      expect(frame).toMatchObject({ filename: name, lineno: 0, functionName: name });
    }
  });

  test('frames with no script are <unknown>, line 0', () => {
    expect(Frame.fromV8('', 'Uint8Array', 0, 0)).toMatchObject({
      filename: '<unknown>',
      lineno: 0,
      functionName: 'Uint8Array',
    });
    expect(Frame.fromV8('', '', 0, 0).functionName).toBe('(anonymous)');
  });

  test('a frame with no script is a builtin; a script without a name (eval, a freed script) is not', () => {
    expect(Frame.fromV8('', 'split', 0, 0).builtin).toBe(true);
    expect(Frame.fromV8('', 'split', 0, 0).functionLabel).toBe('split (builtin)');
    expect(Frame.fromV8('', 'evaluated', 3, 1, 42).builtin).toBe(false);
    expect(Frame.fromV8('', '(V8 API)', 0, 0).builtin).toBe(false);
    expect(Frame.fromV8('/app/a.js', 'f', 3, 1, 42).builtin).toBe(false);
  });

  test('file URLs of ES modules become paths; other names stay', () => {
    const file = path.join(__dirname, 'app.mjs');
    expect(Frame.fromV8(pathToFileURL(file).href, 'f', 3, 7)).toMatchObject({ filename: file, lineno: 3, column: 7 });
    expect(Frame.fromV8('node:internal/vm', 'run', 10, 1).filename).toBe('node:internal/vm');
  });

  test('prints as filename:lineno', () => {
    expect(String(new Frame('app.js', 12, 'getData'))).toBe('app.js:12');
  });
});

describe('Traceback', () => {
  const frames = [new Frame('a.js', 1, 'main'), new Frame('b.js', 2, 'run'), new Frame(__filename, 1, 'leaf')];
  const traceback = new Traceback(frames);

  test('is iterable and indexable, oldest first', () => {
    expect([...traceback].map((f) => f.functionName)).toEqual(['main', 'run', 'leaf']);
    expect(traceback.length).toBe(3);
    expect(traceback.at(-1)!.functionName).toBe('leaf');
    expect(String(traceback)).toBe('a.js:1');
  });

  test('format() follows Python: limit, order, and the source line when readable', () => {
    expect(traceback.format()).toEqual([
      '  File "a.js", line 1, in main',
      '  File "b.js", line 2, in run',
      `  File "${__filename}", line 1, in leaf`,
      "    // Frame and Traceback value classes, and how V8's raw frames become them.",
    ]);
    expect(traceback.format(1)).toEqual([
      `  File "${__filename}", line 1, in leaf`,
      "    // Frame and Traceback value classes, and how V8's raw frames become them.",
    ]);
    // Python slices self[:limit]: a negative limit drops that many of the
    // most recent frames (its docs say "the abs(limit) oldest frames").
    expect(traceback.format(-1)).toEqual(['  File "a.js", line 1, in main', '  File "b.js", line 2, in run']);
    expect(traceback.format(-2)).toEqual(['  File "a.js", line 1, in main']);
    expect(traceback.format(2, true).filter((l) => l.startsWith('  File'))).toEqual([
      `  File "${__filename}", line 1, in leaf`,
      '  File "b.js", line 2, in run',
    ]);
    expect(traceback.format(0)).toEqual([]);
  });
});

describe('Snapshot.fromTraces', () => {
  test('builds interned tables; frames are given most recent first', () => {
    const snapshot = Snapshot.fromTraces(
      [
        {
          domain: 0,
          size: 10,
          frames: [
            { filename: 'a.js', lineno: 2 },
            { filename: 'b.js', lineno: 4 },
          ],
        },
        {
          domain: 1,
          size: 30,
          count: 3,
          frames: [
            { filename: 'a.js', lineno: 2 },
            { filename: 'b.js', lineno: 4 },
          ],
        },
        { domain: 0, size: 5, frames: [] },
      ],
      2,
    );
    expect(snapshot.traces.length).toBe(3);
    expect(snapshot.table.stackFrame.length).toBe(2);
    expect(snapshot.table.frameName.length).toBe(2);
    const first = snapshot.traces.at(0)!;
    expect(first.traceback.toArray().map(String)).toEqual(['b.js:4', 'a.js:2']);
    // Identical tracebacks are one shared object, as in CPython.
    expect(snapshot.traces.at(1)!.traceback).toBe(first.traceback);
    expect(snapshot.traces.at(1)).toMatchObject({ domain: 1, size: 30, count: 3 });
    expect(snapshot.traces.at(-1)!.traceback.length).toBe(0);
    expect(snapshot.totalSize).toBe(45);
    expect(snapshot.totalCount).toBe(5);
    expect(snapshot.exact).toBe(true);
  });

  test('rejects malformed traces with a TypeError', () => {
    expect(() => Snapshot.fromTraces([{ domain: 0, size: 1, frames: [{ filename: 3 }] }] as never)).toThrow(TypeError);
    expect(() => Snapshot.fromTraces([{ size: 1 }] as never)).toThrow(TypeError);
    expect(() => Snapshot.fromTraces('x' as never)).toThrow(TypeError);
  });
});

describe('Traceback.format with builtins', () => {
  const caller = new Frame('/app/parse.js', 3, 'parseLine');
  const main = new Frame('/app/main.js', 1, 'main');
  const split = new Frame('<unknown>', 0, 'split', 0, { builtin: true });
  const next = new Frame('<unknown>', 0, 'next', 0, { builtin: true });

  test('folds the builtins that allocated into the line of their scripted caller', () => {
    const lines = new Traceback([main, caller, split]).format();
    expect(lines.filter((l) => l.startsWith('  File'))).toEqual([
      '  File "/app/main.js", line 1, in main',
      '  File "/app/parse.js", line 3, in split (builtin) in parseLine',
    ]);
    // The builtin the scripted frame called is named, not the innermost of a run.
    expect(new Traceback([caller, split, next]).format()).toEqual([
      '  File "/app/parse.js", line 3, in split (builtin) in parseLine',
    ]);
    // limit counts lines as shown.
    expect(new Traceback([main, caller, split]).format(1)).toEqual([
      '  File "/app/parse.js", line 3, in split (builtin) in parseLine',
    ]);
  });

  test('keeps builtins with no scripted caller, and those between scripted frames, as lines of their own', () => {
    expect(new Traceback([split]).format()).toEqual(['  File "<unknown>", line 0, in split (builtin)']);
    const map = new Frame('<unknown>', 0, 'map', 0, { builtin: true });
    const lines = new Traceback([main, map, caller]).format().filter((l) => l.startsWith('  File'));
    expect(lines[1]).toBe('  File "<unknown>", line 0, in map (builtin)');
  });
});
