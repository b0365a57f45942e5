// Allocation workloads for the overhead benchmark. Each returns something
// derived from its allocations so the optimizer cannot drop them.
'use strict';

// Objects must escape (into a ring) or the optimizer removes the allocation.
const ring = new Array(1024).fill(null);

function smallObjects(n) {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const o = { id: i, next: ring[(i - 1) & 1023], value: i * 2 };
    ring[i & 1023] = o;
    sum += o.value;
  }
  return sum;
}

function stringBuilding(n) {
  let total = 0;
  for (let i = 0; i < n / 10; i++) {
    let s = '';
    for (let j = 0; j < 10; j++) s += `item-${i}-${j};`;
    total += s.length;
  }
  return total;
}

function mapChurn(n) {
  const map = new Map();
  for (let i = 0; i < n; i++) {
    map.set(`k${i % 5000}`, [i, i + 1]);
    if (i % 3 === 0) map.delete(`k${(i * 7) % 5000}`);
  }
  return map.size;
}

function jsonRoundTrip(n) {
  const doc = { users: Array.from({ length: 50 }, (_, i) => ({ id: i, name: `user${i}`, tags: ['a', 'b'] })) };
  let total = 0;
  for (let i = 0; i < n / 500; i++) total += JSON.parse(JSON.stringify(doc)).users.length;
  return total;
}

// A real program nobody here wrote: the TypeScript compiler (a devDependency)
// type-checks and emits a small generated project in memory, one file per
// 250k of n (4 files at the default n). Deep stacks, many object shapes,
// strings, closures: the allocation profile of a big JS application.
//
// noLib with a small lib of our own: parsing and checking TypeScript's real
// lib.*.d.ts costs ~2 s per fresh process and would swamp the project itself.
const TS_LIB = `interface Array<T> { length: number; [n: number]: T; push(...items: T[]): number; join(sep?: string): string;
  map<U>(f: (v: T, i: number) => U): U[]; filter(f: (v: T) => boolean): T[]; }
interface Boolean {} interface Function {} interface IArguments {} interface Number { toFixed(d?: number): string; }
interface Object {} interface RegExp {} interface String { length: number; toUpperCase(): string; slice(a?: number, b?: number): string; }
interface CallableFunction extends Function {} interface NewableFunction extends Function {}
interface TemplateStringsArray extends Array<string> {}
`;

function tsProject(files) {
  const src = new Map([['/p/lib.d.ts', TS_LIB]]);
  for (let f = 0; f < files; f++) {
    let s = `export interface Item${f} { id: number; name: string; tags: string[] }\n`;
    s += `export class Store${f}<T extends { id: number }> {\n  private items: T[] = [];\n`;
    s += `  add(item: T): void { this.items.push(item); }\n  find(pred: (t: T) => boolean): T[] { return this.items.filter(pred); }\n}\n`;
    for (let i = 0; i < 20; i++) {
      s += `export function fn${f}_${i}(xs: Item${f}[], k: number): string[] {\n  const out: string[] = [];\n`;
      s += `  for (let j = 0; j < xs.length; j++) { const x = xs[j]; if (x.id % ${i + 2} === k) out.push(\`\${x.name}:\${x.tags.join(',')}\`); }\n`;
      s += `  return out.map((s) => s.toUpperCase());\n}\n`;
    }
    if (f > 0) s += `import { fn${f - 1}_0 } from './m${f - 1}';\nexport const dep${f} = fn${f - 1}_0;\n`;
    src.set(`/p/m${f}.ts`, s);
  }
  return src;
}

function tscCompile(n) {
  const ts = require('typescript');
  const src = tsProject(Math.max(1, Math.round(n / 250000)));
  const options = {
    target: ts.ScriptTarget.ES2020,
    module: ts.ModuleKind.CommonJS,
    strict: true,
    declaration: true,
    noLib: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  let emitted = 0;
  host.getSourceFile = (name, lang) => (src.has(name) ? ts.createSourceFile(name, src.get(name), lang) : undefined);
  host.fileExists = (name) => src.has(name);
  host.directoryExists = (dir) => dir === '/p';
  host.readFile = (name) => src.get(name);
  host.writeFile = (_name, text) => {
    emitted += text.length;
  };
  const program = ts.createProgram([...src.keys()], options, host);
  const diagnostics = ts.getPreEmitDiagnostics(program);
  if (diagnostics.length > 0) throw new Error(ts.flattenDiagnosticMessageText(diagnostics[0].messageText, '\n'));
  program.emit();
  return emitted;
}

// Small methods and getters called in a hot loop, as object-oriented code
// does: what inlining is for. Inlined, add() and the constructor melt into
// the loop and escape analysis drops most Vec allocations; not inlined, each
// call allocates and costs a call.
class Vec {
  constructor(x, y) {
    this.x = x;
    this.y = y;
  }
  add(other) {
    return new Vec(this.x + other.x, this.y + other.y);
  }
  get norm2() {
    return this.x * this.x + this.y * this.y;
  }
}

function helperCalls(n) {
  const step = new Vec(1, 2);
  let v = new Vec(0, 0);
  let odd = 0;
  for (let i = 0; i < n; i++) {
    v = v.add(step);
    odd += v.norm2 & 1;
    if ((i & 1023) === 0) ring[(i >> 10) & 1023] = v;
  }
  return odd;
}

module.exports = { smallObjects, stringBuilding, mapChurn, jsonRoundTrip, tscCompile, helperCalls };
