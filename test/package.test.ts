// How the package loads: CommonJS, ES modules, and the ABI check.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fixtures, repoRoot, runFixture, runNode } from './helpers/child';
import { tempDir } from './helpers/cli';

describe('CommonJS', () => {
  test('require("node-tracemalloc") gives the API', () => {
    const result = runNode([
      '-e',
      "const tm = require('node-tracemalloc'); console.log(JSON.stringify([typeof tm.start, typeof tm.takeSnapshot, typeof tm.Snapshot]))",
    ]);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual(['function', 'function', 'function']);
  });
});

describe('ES modules', () => {
  test('import * as tracemalloc from "node-tracemalloc" traces, with file paths for file URLs', () => {
    const result = runFixture<{
      names: string[];
      sameAsDefault: boolean;
      kept: number;
      filename: string;
      lineno: number;
    }>('esm-import.mjs');
    expect(result.names).toEqual(expect.arrayContaining(['start', 'stop', 'takeSnapshot', 'Snapshot', 'default']));
    expect(result.sameAsDefault).toBe(true);
    expect(result.filename).toBe(path.join(repoRoot, 'test', 'fixtures', 'esm-import.mjs'));
    expect(result.lineno).toBe(5);
  });
});

describe('the entry points, from a packed copy', () => {
  // What `npm pack` ships, unpacked as a dependency of a project: the
  // "exports" map, the ES module wrappers and the files list together.
  const tmp = tempDir('pack');
  const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
    exports: Record<string, string | { types?: string; import?: string; require?: string }>;
  };
  // register starts tracing when loaded (test/register.test.ts covers it).
  const entries = Object.keys(manifest.exports).filter((k) => k !== './register' && k !== './package.json');
  let loaded: Record<string, { imported: string[]; required: string[]; defaultIsRequired: boolean }>;
  let installed: string;

  beforeAll(() => {
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp.dir], {
        cwd: repoRoot,
        encoding: 'utf8',
      }),
    ) as { filename: string }[];
    installed = path.join(tmp.dir, 'app', 'node_modules', 'node-tracemalloc');
    fs.mkdirSync(installed, { recursive: true });
    execFileSync('tar', ['xzf', path.join(tmp.dir, packed.filename), '-C', installed, '--strip-components=1']);
    // Its dependencies, as npm would install them (the addon is not loaded).
    fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(installed, 'node_modules'));
    const probe = path.join(tmp.dir, 'app', 'subpath-imports.mjs');
    fs.copyFileSync(path.join(fixtures, 'subpath-imports.mjs'), probe);
    const result = execFileSync(process.execPath, [probe, ...entries], { cwd: tmp.dir, encoding: 'utf8' });
    loaded = JSON.parse(result) as typeof loaded;
  });
  afterAll(() => tmp.remove());

  test('each entry gives the same names to import and require, and ships its types', () => {
    expect(Object.keys(loaded)).toEqual(entries);
    for (const entry of entries) {
      const target = manifest.exports[entry];
      if (typeof target !== 'object' || !target.types) throw new Error(`${entry} has no types in package.json`);
      expect(fs.existsSync(path.join(installed, target.types))).toBe(true);
      expect(loaded[entry].required.length).toBeGreaterThan(0);
      expect({ entry, names: loaded[entry].imported }).toEqual({ entry, names: loaded[entry].required });
      expect(loaded[entry].defaultIsRequired).toBe(true);
    }
  });

  // TypeScript's default for `module: commonjs` is moduleResolution node10,
  // which ignores "exports": the subpaths' types must resolve there too.
  test.each(['node10', 'node16', 'bundler'])('every entry type-checks under moduleResolution %s', (resolution) => {
    const lines = entries.map((entry, i) => {
      const specifier = entry === '.' ? 'node-tracemalloc' : `node-tracemalloc/${entry.slice(2)}`;
      return `import * as m${i} from '${specifier}';\nexport const k${i}: string[] = Object.keys(m${i});`;
    });
    const file = path.join(tmp.dir, 'app', `types-${resolution}.ts`);
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const module = { node10: 'commonjs', node16: 'node16', bundler: 'esnext' }[resolution] ?? 'commonjs';
    const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    const args = [tsc, '--noEmit', '--strict', '--target', 'es2022', '--module', module];
    args.push('--moduleResolution', resolution, '--typeRoots', path.join(repoRoot, 'node_modules', '@types'));
    args.push('--types', 'node', file);
    let output = '';
    try {
      execFileSync(process.execPath, args, { cwd: path.join(tmp.dir, 'app'), encoding: 'utf8' });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout);
    }
    expect(output).toBe('');
  });

  test('the root is the Python-parity core; no name is on two entries', () => {
    expect(loaded['.'].required).toEqual(
      [
        'BaseFilter',
        'DomainFilter',
        'DumpFormatError',
        'Filter',
        'Frame',
        'Snapshot',
        'Statistic',
        'StatisticDiff',
        'Trace',
        'Traceback',
        'TracemallocError',
        'clearTraces',
        'decodeSnapshot',
        'dumpSnapshot',
        'encodeSnapshot',
        'formatSize',
        'getSamplingInterval',
        'getTracebackLimit',
        'getTracedMemory',
        'getTracemallocMemory',
        'isTracing',
        'loadSnapshot',
        'resetPeak',
        'start',
        'stop',
        'takeSnapshot',
        'takeSnapshotAllThreads',
        'ThreadsSnapshot',
      ].sort(),
    );
    const all = entries.flatMap((entry) => loaded[entry].required.map((name) => `${name} (${entry})`));
    const names = all.map((n) => n.split(' ')[0]);
    expect(all.filter((_, i) => names.indexOf(names[i]) !== i)).toEqual([]);
  });
});

describe('ABI check', () => {
  test('a binary built for another Node ABI refuses to load, with a clear error', () => {
    const result = runFixture<{ loaded: boolean; name: string; code: string; message: string }>('abi-mismatch.js');
    expect(result.loaded).toBe(false);
    expect(result.name).toBe('TracemallocError');
    expect(result.code).toBe('ERR_TRACEMALLOC_ABI_MISMATCH');
    expect(result.message).toMatch(/built for Node ABI \d+ but this Node runs ABI 999: rebuild it/);
  });
});

describe('the binding itself', () => {
  test('validates its arguments even when called directly', () => {
    const script = `
      const b = require('node-gyp-build')(${JSON.stringify(repoRoot)});
      const out = [];
      for (const args of [[0, 1, false], [1, 0, false], [NaN, 1, false], ['1', 1, false], [1, 1, 'no'], [1, 70000, false], []]) {
        try { b.start(...args); out.push('started'); b.stop(); } catch (e) { out.push(e.code); }
      }
      try { b.snapshot(); } catch (e) { out.push(e.code); }
      try { b.snapshot([1]); } catch (e) { out.push(e.code); }
      try { b.snapshot([]); } catch (e) { out.push(e.code); }
      console.log(JSON.stringify(out));`;
    const result = runNode(['-e', script]);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual([
      'ERR_OUT_OF_RANGE',
      'ERR_OUT_OF_RANGE',
      'ERR_OUT_OF_RANGE',
      'ERR_INVALID_ARG_TYPE',
      'ERR_INVALID_ARG_TYPE',
      'ERR_OUT_OF_RANGE',
      'ERR_INVALID_ARG_TYPE',
      'ERR_INVALID_ARG_TYPE',
      'ERR_INVALID_ARG_TYPE',
      'ERR_TRACEMALLOC_NOT_TRACING',
    ]);
  });
});

describe('supported versions', () => {
  // README's table is written by hand (no script rewrites README): it must
  // name exactly the releases package.json's engines says are tested.
  test("README's support table names the releases in engines", () => {
    const fs = jest.requireActual<typeof import('node:fs')>('node:fs');
    const engines = (
      JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { engines: { node: string } }
    ).engines.node;
    const tested = engines.split('||').map((part) => part.trim().replace(/^\^/, ''));
    const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Supported Node versions'), readme.indexOf('## Quick start'));
    const rows = [
      ...section.matchAll(/^\| (\d+\.\d+\.\d+) \| (\d+) \| `prebuilds\/linux-x64\/node\.abi(\d+)\.node` \|$/gm),
    ];
    expect(rows.map((r) => r[1])).toEqual(tested);
    for (const row of rows) expect(row[3]).toBe(row[2]);
    // The running Node's row, when it is one of them, has its real ABI.
    const mine = rows.find((r) => `v${r[1]}` === process.version);
    if (mine) expect(mine[2]).toBe(process.versions.modules);
  });
});
