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
