// The layers load in one direction: no module requires, at load time, a
// module that (through others) requires it back. Read from dist/, the code
// users run (npm test builds it first), where each top-level require() is
// one edge; a require() inside a function body runs later and is no edge.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './helpers/child';

function modules(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return modules(file);
    return file.endsWith('.js') ? [file] : [];
  });
}

function loadTimeRequires(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const match of text.matchAll(/^\S[^\n]*?require\("(\.[^"]+)"\)/gm)) {
    const target = path.resolve(path.dirname(file), match[1]);
    if (fs.existsSync(`${target}.js`)) out.push(`${target}.js`);
    else if (fs.existsSync(path.join(target, 'index.js'))) out.push(path.join(target, 'index.js'));
  }
  return out;
}

test('dist/ has no import cycle at load time', () => {
  const dist = path.join(repoRoot, 'dist');
  const graph = new Map(modules(dist).map((file) => [file, loadTimeRequires(file)]));
  expect(graph.size).toBeGreaterThan(50);
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') {
        cycles.push([...stack.slice(stack.indexOf(next)), next].map((f) => path.relative(dist, f)).join(' -> '));
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  expect(cycles).toEqual([]);
});

/** Every relative import or require() of each lib/ source, as lib/-relative paths without extension. */
function sourceImports(): Map<string, string[]> {
  const lib = path.join(repoRoot, 'lib');
  const files = fs
    .readdirSync(lib, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  return new Map(
    files.map((file) => {
      const text = fs.readFileSync(path.join(lib, file), 'utf8');
      const specs = [...text.matchAll(/(?:from|import\(|require\()\s*'(\.[^']+)'/g)].map((m) => m[1]);
      return [file, specs.map((spec) => path.relative(lib, path.resolve(path.dirname(path.join(lib, file)), spec)))];
    }),
  );
}

// docs/contributing.md: a layer imports from the layers before it in this list, never from those after.
const LAYERS = ['helpers', 'model', 'tracer', 'measure', 'faces', 'entries'];
const layerOf = (file: string): number => {
  const top = file.split(path.sep)[0];
  return LAYERS.includes(top) && top !== file ? LAYERS.indexOf(top) : LAYERS.indexOf('entries');
};

test('lib/ imports go one way through its layers: helpers, model, tracer, measure, faces, entry points', () => {
  const upward: string[] = [];
  for (const [file, targets] of sourceImports()) {
    for (const target of targets) {
      if (layerOf(target) > layerOf(file)) upward.push(`${file} -> ${target}`);
    }
  }
  expect(upward).toEqual([]);
});

test('one driver per native area: only the tracer, the census and the heap-limit capture import the binding', () => {
  const importers = [...sourceImports()]
    .filter(([, targets]) => targets.includes(path.join('tracer', 'native')))
    .map(([file]) => file)
    .sort();
  expect(importers).toEqual(
    ['tracer/census.ts', 'tracer/heap-limit-dump.ts', 'tracer/tracemalloc.ts'].map((f) => path.join(...f.split('/'))),
  );
});
