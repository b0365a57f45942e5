// The bundled examples run as a user would run them, and print what the
// seed's walkthrough prints.
import * as path from 'node:path';
import { repoRoot, runNode } from './helpers/child';

const STAT = /^\S+:\d+: size=\d+(\.\d)? (B|KiB|MiB), count=\d+, average=\d+(\.\d)? (B|KiB)$/;
const DIFF =
  /^\S+:\d+: size=\d+(\.\d)? (B|KiB|MiB) \([+-]\d+(\.\d)? (B|KiB|MiB)\), count=\d+ \([+-]\d+\), average=\d+(\.\d)? (B|KiB)$/;

function run(example: string): string[] {
  const result = runNode([path.join(repoRoot, 'examples', example)]);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return result.stdout.trimEnd().split('\n');
}

test('top10.js prints the 10 biggest allocation sites, Python style', () => {
  const lines = run('top10.js');
  expect(lines[0]).toBe('[ Top 10 ] (exact; lines are function start lines)');
  const stats = lines.slice(1, lines.indexOf(''));
  expect(stats.length).toBeGreaterThanOrEqual(5);
  expect(stats.length).toBeLessThanOrEqual(10);
  for (const line of stats) expect(line).toMatch(STAT);
  // parseCsv (line 13 of app/inventory.js) makes the records: its
  // `lines.map` callback (line 16) is the biggest site, with what `split`
  // allocated for it: builtins are charged to their callers, and no line
  // says `<unknown>:0`.
  expect(stats[0]).toContain(`${path.join('examples', 'app', 'inventory.js')}:16:`);
  expect(stats.some((line) => line.startsWith('<unknown>'))).toBe(false);
  expect(lines.at(-1)).toBe('20000 records kept');
});

test('compare-snapshots.js prints the top 10 differences', () => {
  const lines = run('compare-snapshots.js');
  expect(lines[0]).toBe('[ Top 10 differences ]');
  const diffs = lines.slice(1, lines.indexOf(''));
  expect(diffs.length).toBeGreaterThanOrEqual(5);
  for (const line of diffs) expect(line).toMatch(DIFF);
  expect(diffs.some((line) => /inventory\.js:16: .*\(\+\d/.test(line))).toBe(true);
});

test('waste-memory.js shows the top 3 differences and the traceback run → getData → MyObject', () => {
  const lines = run('waste-memory.js');
  expect(lines[0]).toBe('[ Top 3 differences ] (exact)');
  for (const line of lines.slice(1, 4)) expect(line).toMatch(DIFF);
  const header = lines.findIndex((l) => l.startsWith('[ Biggest offender ]'));
  expect(lines[header]).toMatch(/^\[ Biggest offender \] \d+ memory blocks: \d+\.\d KiB$/);
  const calls = lines
    .slice(header + 1)
    .filter((l) => l.startsWith('  File "') && l.includes('waste-memory.js'))
    .map((l) => l.replace(/.*, in /, ''));
  // Oldest first, as Python prints a traceback: the module, run, getData, the constructor.
  expect(calls).toEqual(['(anonymous)', 'run', 'getData', 'MyObject']);
  expect(lines).toContain('    constructor() {');
  expect(lines.at(-1)).toBe('(10000 objects kept)');
});
