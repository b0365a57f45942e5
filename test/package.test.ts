// How the package loads: CommonJS, ES modules, and the ABI check.
import * as path from 'node:path';
import { repoRoot, runFixture, runNode } from './helpers/child';

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
