// Frames of transpiled code mapped back to their sources: a small TypeScript
// project compiled by tsc here (map files, inline maps), a loader that
// transpiles in memory (as tsx does), and hand-made minified code with names.
import { encode, type SourceMapSegment } from '@jridgewell/sourcemap-codec';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TopReport } from '../lib/faces/report';
import { Snapshot } from '../lib/model/snapshot';
import { applySourceMaps } from '../lib/model/source-maps';
import { repoRoot } from './helpers/child';
import { cli, cliFixtures, lastJson, node, tempDir } from './helpers/cli';

const STORE_TS = `// Items, kept in a store.
export interface Item {
  id: number;
  tags?: string[];
}

export class Store {
  items: Item[] = [];

  fill(n: number): void {
    for (let i = 0; i < n; i++) this.items.push({ id: i });
  }
}

export function makeLabels(n: number): string[] {
  const labels: string[] = [];
  for (let i = 0; i < n; i++) labels.push(\`label-\${i}-\${'x'.repeat(i % 7)}\`);
  return labels;
}
`;

const MAIN_TS = `import { Store, makeLabels } from './store';

type Kept = { store: Store; labels: string[] };

export function main(): Kept {
  const store = new Store();
  store.fill(10000);
  return { store, labels: makeLabels(5000) };
}

(globalThis as { kept?: Kept }).kept = main();
`;

/** 1-based line of the first line of `source` containing `text`. */
function lineOf(source: string, text: string): number {
  const index = source.split('\n').findIndex((line) => line.includes(text));
  if (index < 0) throw new Error(`${text} not found`);
  return index + 1;
}

let tmp: ReturnType<typeof tempDir>;
let src: string;

function tsc(args: string[]): void {
  const result = node([path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), ...args]);
  if (result.status !== 0) throw new Error(`tsc failed:\n${result.stdout}${result.stderr}`);
}

beforeAll(() => {
  tmp = tempDir('source-maps');
  src = path.join(tmp.dir, 'src');
  fs.mkdirSync(src);
  fs.writeFileSync(path.join(src, 'store.ts'), STORE_TS);
  fs.writeFileSync(path.join(src, 'main.ts'), MAIN_TS);
  const common = ['--target', 'es2020', '--module', 'commonjs', '--rootDir', src, '--strict'];
  const inputs = [path.join(src, 'main.ts'), path.join(src, 'store.ts')];
  tsc([...common, '--sourceMap', '--outDir', path.join(tmp.dir, 'out-files'), ...inputs]);
  tsc([...common, '--inlineSourceMap', '--outDir', path.join(tmp.dir, 'out-inline'), ...inputs]);
});
afterAll(() => tmp.remove());

/** `tracemalloc run --exact --json --top all` on `args` (exact unless told); the report. */
function runReport(args: string[], tracing = ['--exact']): TopReport {
  const result = cli(['run', ...tracing, '--json', '--top', 'all', '-o', path.join(tmp.dir, 'x.ntm'), ...args], {
    cwd: tmp.dir,
  });
  if (result.status !== 0) throw new Error(`run failed:\n${result.stderr}`);
  return lastJson<TopReport>(result.stderr);
}

function site(report: TopReport, fn: string): { filename: string; lineno: number } {
  const stat = report.stats.find((s) => s.function === fn);
  if (stat === undefined) throw new Error(`no ${fn} in ${report.stats.map((s) => s.function).join(', ')}`);
  return { filename: stat.filename, lineno: stat.lineno };
}

const storeTs = (): string => path.join(src, 'store.ts');

describe('tsc output run by tracemalloc run', () => {
  test('.js.map files: frames name the .ts file and the function start line in it', () => {
    const report = runReport([path.join(tmp.dir, 'out-files', 'main.js')]);
    expect(site(report, 'fill')).toEqual({ filename: storeTs(), lineno: lineOf(STORE_TS, 'fill(n: number)') });
    expect(site(report, 'makeLabels')).toEqual({
      filename: storeTs(),
      lineno: lineOf(STORE_TS, 'function makeLabels'),
    });
  });

  test('inline maps (data: URLs)', () => {
    const report = runReport([path.join(tmp.dir, 'out-inline', 'main.js')]);
    expect(site(report, 'fill')).toEqual({ filename: storeTs(), lineno: lineOf(STORE_TS, 'fill(n: number)') });
  });

  test("with --enable-source-maps, from Node's own cache", () => {
    const report = runReport(['--node-arg=--enable-source-maps', path.join(tmp.dir, 'out-files', 'main.js')]);
    expect(site(report, 'makeLabels')).toEqual({
      filename: storeTs(),
      lineno: lineOf(STORE_TS, 'function makeLabels'),
    });
  });

  test('--no-source-maps keeps the .js positions', () => {
    const js = path.join(tmp.dir, 'out-files', 'store.js');
    const report = runReport(['--no-source-maps', path.join(tmp.dir, 'out-files', 'main.js')]);
    expect(site(report, 'fill')).toEqual({ filename: js, lineno: lineOf(fs.readFileSync(js, 'utf8'), 'fill(n)') });
  });

  test('a loader that transpiles in memory, as tsx does (the file on disk is the .ts)', () => {
    const loader = path.join(cliFixtures, 'ts-loader.js');
    // Sampled: loading TypeScript itself under exact tracing takes seconds; fill's 10,000 objects are still seen.
    // The allocated view: the peak view (run's default) may be a moment of
    // the transpiling, before fill ran (seen once on Node 26).
    const report = runReport(
      ['--', '--enable-source-maps', '--require', loader, path.join(src, 'main.ts')],
      ['--interval', '1K', '--view', 'allocated'],
    );
    expect(site(report, 'fill')).toEqual({ filename: storeTs(), lineno: lineOf(STORE_TS, 'fill(n: number)') });
  });

  test('zero-code activation maps too', () => {
    const out = path.join(tmp.dir, 'register.ntm');
    const result = node(['-r', 'node-tracemalloc/register', path.join(tmp.dir, 'out-inline', 'main.js')], {
      env: { NODE_TRACEMALLOC: '1', NODE_TRACEMALLOC_INTERVAL: '1', NODE_TRACEMALLOC_OUTPUT: out },
    });
    expect(result.status).toBe(0);
    const frames = Snapshot.load(out)
      .statistics('function')
      .map((s) => s.traceback.at(-1));
    expect(frames.find((f) => f?.functionName === 'fill')?.filename).toBe(storeTs());
  });
});

describe('applySourceMaps', () => {
  // Minified code whose map names the original functions, as bundlers write it.
  const GENERATED =
    'function a(b){const c=[];for(let d=0;d<b;d++)c.push({d});return c}var e=function(f){return a(f)};\n';
  const ORIGINAL = [
    'export function makeObjects(count) {',
    '  // ...',
    '}',
    '',
    'export const wrapper = function (n) {',
    '  return makeObjects(n);',
    '};',
  ];
  let generated: string;

  beforeAll(() => {
    const dir = path.join(tmp.dir, 'bundle');
    fs.mkdirSync(dir);
    generated = path.join(dir, 'bundle.min.js');
    const at = (text: string): number => GENERATED.indexOf(text);
    // [generated column, source, original line, original column, name]
    const line: SourceMapSegment[] = [
      [at('function a'), 0, 0, 0],
      [at('a(b)'), 0, 0, 16, 0],
      [at('(b)'), 0, 0, 27],
      [at('var e'), 0, 4, 0],
      [at('e=function'), 0, 4, 13, 1],
      [at('return a(f)'), 0, 5, 2],
    ];
    const map = {
      version: 3,
      file: 'bundle.min.js',
      sources: ['../src/objects.js'],
      names: ['makeObjects', 'wrapper'],
      mappings: encode([line]),
    };
    fs.writeFileSync(generated, `${GENERATED}//# sourceMappingURL=bundle.min.js.map\n`);
    fs.writeFileSync(`${generated}.map`, JSON.stringify(map));
  });

  /** A snapshot with one trace whose frame starts at the `(` after `before` in the generated line, as V8 records it. */
  function snapshotAt(before: string, name: string, filename = generated): Snapshot {
    const column = GENERATED.indexOf(before) + before.length + 1;
    return Snapshot.fromTraces([
      { domain: 0, size: 64, frames: [{ filename, lineno: 1, column, functionName: name }] },
    ]);
  }

  test("a function's original name, file and line from the map", () => {
    const frame = applySourceMaps(snapshotAt('function a', 'a')).traces.at(0)?.traceback.at(-1);
    expect(frame).toMatchObject({
      filename: path.join(tmp.dir, 'bundle', '..', 'src', 'objects.js'),
      lineno: 1,
      functionName: 'makeObjects',
    });
  });

  test('the name of a function assigned to a renamed variable (the named segment comes before its "(")', () => {
    const frame = applySourceMaps(snapshotAt('e=function', 'e')).traces.at(0)?.traceback.at(-1);
    expect(frame).toMatchObject({
      lineno: ORIGINAL.indexOf('export const wrapper = function (n) {') + 1,
      functionName: 'wrapper',
    });
  });

  test('frames without a map are left alone; nothing mapped gives the same snapshot', () => {
    const plain = path.join(tmp.dir, 'plain.js');
    fs.writeFileSync(plain, 'function f(x) { return [x]; }\n');
    const snapshot = snapshotAt('function a', 'f', plain);
    expect(applySourceMaps(snapshot)).toBe(snapshot);
    const pseudo = Snapshot.fromTraces([
      { domain: 0, size: 8, frames: [{ filename: 'node:internal/x', lineno: 3, column: 4 }] },
    ]);
    expect(applySourceMaps(pseudo)).toBe(pseudo);
  });

  test('a broken map is ignored', () => {
    const broken = path.join(tmp.dir, 'broken.js');
    fs.writeFileSync(
      broken,
      `${GENERATED}//# sourceMappingURL=data:application/json;base64,${Buffer.from('{"version":3,').toString('base64')}\n`,
    );
    const snapshot = snapshotAt('function a', 'a', broken);
    expect(applySourceMaps(snapshot)).toBe(snapshot);
  });

  test('argument check', () => {
    expect(() => applySourceMaps({} as Snapshot)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });
});
