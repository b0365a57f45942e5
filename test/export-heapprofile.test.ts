// DevTools .heapprofile export, checked against a file `node --heap-prof`
// writes in the same run: same keys at each level, same types, the same
// 0-based positions for the functions both profiles saw.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../lib/faces/cli/main';
import { loadSnapshot } from '../lib/model/dump';
import {
  encodeHeapProfile,
  stringifyHeapProfile,
  toHeapProfile,
  type HeapProfile,
  type HeapProfileNode,
} from '../lib/faces/export/heapprofile';
import { Snapshot } from '../lib/model/snapshot';
import { awkwardSnapshot, captureIO, tempDir, workloadDump } from './fixtures/export/helpers';
import { fixtures } from './helpers/child';
import { NODE_MAJOR, V8_MAJOR } from './helpers/versions';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every node of a profile tree, without recursion. */
function nodesOf(head: HeapProfileNode): HeapProfileNode[] {
  const out: HeapProfileNode[] = [];
  const stack = [head];
  while (stack.length > 0) {
    const node = stack.pop() as HeapProfileNode;
    out.push(node);
    stack.push(...node.children);
  }
  return out;
}

/** Keys (in order) and JS types of an object: `callFrame:object,selfSize:number,...`. */
function shapeOf(value: { [key: string]: Json } | object): string {
  return Object.entries(value)
    .map(([k, v]) => `${k}:${Array.isArray(v) ? 'array' : typeof v}`)
    .join(',');
}

/** The distinct shapes found at each level of a profile. */
function levels(profile: HeapProfile): Record<string, string[]> {
  const nodes = nodesOf(profile.head);
  const distinct = (xs: string[]): string[] => [...new Set(xs)].sort();
  return {
    top: [shapeOf(profile)],
    node: distinct(nodes.map(shapeOf)),
    callFrame: distinct(nodes.map((n) => shapeOf(n.callFrame))),
    sample: distinct(profile.samples.map(shapeOf)),
  };
}

/** A heap profile written by Node itself, of a script loaded through the CommonJS loader. */
function nodeHeapProfile(dir: string): HeapProfile {
  const out = path.join(dir, 'v8');
  fs.mkdirSync(out);
  const script = path.join(dir, 'alloc.js');
  const source = 'function makeThings(n){const o=[];for(let i=0;i<n;i++)o.push({i});return o}\n';
  fs.writeFileSync(script, `${source}globalThis.k=makeThings(50000);\n`);
  const result = spawnSync(
    process.execPath,
    ['--heap-prof', `--heap-prof-dir=${out}`, '--heap-prof-interval=1024', '-e', `require(${JSON.stringify(script)})`],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`node --heap-prof failed: ${result.stderr}`);
  const [file] = fs.readdirSync(out).filter((f) => f.endsWith('.heapprofile'));
  return JSON.parse(fs.readFileSync(path.join(out, file), 'utf8')) as HeapProfile;
}

describe('heapprofile export against node --heap-prof', () => {
  const dir = tempDir('heapprofile');
  let real: HeapProfile;
  let ours: HeapProfile;
  let snapshot: Snapshot;

  beforeAll(async () => {
    real = nodeHeapProfile(dir);
    const dump = workloadDump(dir, '4096');
    snapshot = loadSnapshot(dump);
    const io = captureIO(dir);
    expect(await main(['export', dump, '--format', 'heapprofile', '-o', 'ours.heapprofile'], io)).toBe(0);
    ours = JSON.parse(fs.readFileSync(path.join(dir, 'ours.heapprofile'), 'utf8')) as HeapProfile;
  });

  it('has the same keys, in the same order, with the same types at every level', () => {
    expect(levels(real)).toEqual({
      top: ['head:object,samples:array'],
      node: ['callFrame:object,selfSize:number,id:number,children:array'],
      callFrame: ['functionName:string,scriptId:string,url:string,lineNumber:number,columnNumber:number'],
      sample: ['size:number,nodeId:number,ordinal:number'],
    });
    expect(levels(ours)).toEqual(levels(real));
  });

  it('has a (root) head as V8 writes it', () => {
    expect(ours.head.callFrame).toEqual(real.head.callFrame);
    expect(ours.head.callFrame.functionName).toBe('(root)');
  });

  it('gives unique integer ids, and every sample a node that exists', () => {
    const ids = nodesOf(ours.head).map((n) => n.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every(Number.isInteger)).toBe(true);
    const known = new Set(ids);
    expect(ours.samples.filter((s) => !known.has(s.nodeId))).toEqual([]);
    // (Node's own file may name nodes its tree lacks: it is written while sampling goes on.)
  });

  it('has self sizes that are the sums of their samples, and the snapshot total', () => {
    const bySample = new Map<number, number>();
    for (const s of ours.samples) {
      expect(Number.isInteger(s.size)).toBe(true);
      bySample.set(s.nodeId, (bySample.get(s.nodeId) ?? 0) + s.size);
    }
    for (const node of nodesOf(ours.head)) expect(node.selfSize).toBe(bySample.get(node.id) ?? 0);
    const total = nodesOf(ours.head).reduce((a, n) => a + n.selfSize, 0);
    expect(total).toBe(Math.round(snapshot.totalSize));
    expect(ours.samples.length).toBe(snapshot.traces.length);
  });

  it("places Node's own functions at the same 0-based line and column as V8's file", () => {
    const key = (n: HeapProfileNode): string => `${n.callFrame.functionName}@${n.callFrame.url}`;
    const realByKey = new Map(nodesOf(real.head).map((n) => [key(n), n.callFrame]));
    const shared = nodesOf(ours.head).filter((n) => n.callFrame.url.startsWith('node:') && realByKey.has(key(n)));
    // Node's CommonJS loader on the path to the workload: its methods on Node
    // 20; from Node 22 they are anonymous, and wrapModuleLoad is named.
    const loader = NODE_MAJOR >= 22 ? ['wrapModuleLoad'] : ['Module._compile', 'Module.load'];
    expect(shared.map((n) => n.callFrame.functionName)).toEqual(expect.arrayContaining(loader));
    // A name and a file identify a named function; anonymous ones are matched
    // by their position, which must then be one V8's own file has.
    const where = (n: HeapProfileNode): string =>
      `${n.callFrame.url}:${n.callFrame.lineNumber}:${n.callFrame.columnNumber}`;
    const realPlaces = new Set(nodesOf(real.head).map(where));
    for (const n of shared) {
      if (n.callFrame.functionName === '') {
        expect(realPlaces.has(where(n)) ? where(n) : `${where(n)} is not in V8's file`).toBe(where(n));
        continue;
      }
      const v8 = realByKey.get(key(n));
      expect([key(n), n.callFrame.lineNumber, n.callFrame.columnNumber]).toEqual([
        key(n),
        v8?.lineNumber,
        v8?.columnNumber,
      ]);
    }
  });

  it('names the workload: makePoints is the largest self size', () => {
    const top = nodesOf(ours.head).sort((a, b) => b.selfSize - a.selfSize)[0];
    expect(top.callFrame.functionName).toBe('makePoints');
    expect(top.callFrame.url).toMatch(/workload\.js$/);
    const source = fs.readFileSync(path.join(fixtures, 'export', 'workload.js'), 'utf8').split('\n');
    expect(top.callFrame.lineNumber).toBe(source.findIndex((l) => l.startsWith('function makePoints(')));
  });
});

describe('toHeapProfile', () => {
  it('hangs traces without frames under (no stack) and keeps V8 raw names', () => {
    const profile = toHeapProfile(awkwardSnapshot());
    const names = nodesOf(profile.head).map((n) => n.callFrame.functionName);
    expect(names).toEqual(expect.arrayContaining(['(root)', '(no stack)', '(V8 API)', 'load', 'main', '']));
    const esm = nodesOf(profile.head).find((n) => n.callFrame.functionName === 'esm');
    expect(esm?.callFrame).toEqual({
      functionName: 'esm',
      scriptId: '0',
      url: 'file:///app/esm.mjs',
      lineNumber: 4,
      columnNumber: 6,
    });
  });

  it('writes trees deeper than JSON.stringify can', () => {
    const frames = Array.from({ length: 20000 }, (_, i) => ({
      filename: '/deep.js',
      lineno: i + 1,
      functionName: `f${i}`,
    }));
    const snapshot = Snapshot.fromTraces([{ domain: 0, size: 64, frames }], 20000);
    const profile = toHeapProfile(snapshot);
    const text = encodeHeapProfile(snapshot);
    if (V8_MAJOR >= 14) {
      // V8 14 (Node 26) made JSON.stringify iterative: there it must agree.
      expect(text).toBe(JSON.stringify(profile));
    } else {
      expect(() => JSON.stringify(profile)).toThrow(RangeError);
    }
    // Root 1, then the 20,000 frames outermost first: the allocating one is 20001.
    expect(text.startsWith('{"head":{"callFrame":{"functionName":"(root)"')).toBe(true);
    expect(text.endsWith(`"samples":[{"size":64,"nodeId":20001,"ordinal":1}]}`)).toBe(true);
  });

  it('stringifies as JSON.stringify does', () => {
    const profile = toHeapProfile(awkwardSnapshot());
    expect(stringifyHeapProfile(profile)).toBe(JSON.stringify(profile));
  });
});
