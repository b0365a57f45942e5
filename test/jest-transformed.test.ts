// Code jest transformed (babel-jest for .js, ts-jest for .ts) runs from
// other lines than the ones written; frames in snapshots taken inside tests
// and in matcher messages name the written ones. A child jest runs the small
// project in test/fixtures/jest-project.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fixtures, repoRoot } from './helpers/child';
import { node, tempDir } from './helpers/cli';

const PROJECT = path.join(fixtures, 'jest-project');

interface Assertion {
  title: string;
  status: string;
  failureMessages: string[];
}
interface JestJson {
  testResults: { name: string; assertionResults: Assertion[] }[];
}

/** 1-based line of the first line of `file` containing `text`. */
function lineOf(file: string, text: string): number {
  const index = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((line) => line.includes(text));
  if (index < 0) throw new Error(`${text} not found in ${file}`);
  return index + 1;
}

let tmp: ReturnType<typeof tempDir>;
let results: JestJson;
let frames: { spec: string; filename: string; lineno: number }[];

beforeAll(() => {
  tmp = tempDir('jest-project');
  const out = path.join(tmp.dir, 'frames.jsonl');
  const json = path.join(tmp.dir, 'results.json');
  const jest = path.join(repoRoot, 'node_modules', 'jest', 'bin', 'jest.js');
  const run = node([jest, '--config', path.join(PROJECT, 'jest.config.js'), '--ci', '--json', `--outputFile=${json}`], {
    env: { JEST_PROJECT_OUT: out },
  });
  if (!fs.existsSync(json)) throw new Error(`the child jest wrote no results:\n${run.stderr}`);
  results = JSON.parse(fs.readFileSync(json, 'utf8')) as JestJson;
  frames = fs
    .readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { spec: string; filename: string; lineno: number });
}, 120_000);
afterAll(() => tmp.remove());

// V8 names a function by where it starts: the `(` of its parameters.
describe.each([
  ['babel-jest', 'js', 'rows.spec.js', 'const makeRows = ('],
  ['ts-jest', 'ts', 'rows.spec.ts', 'function makeRows('],
])('%s', (_transformer, spec, name, declaration) => {
  const file = path.join(PROJECT, name);

  test('a snapshot taken inside a test names the file and line written', () => {
    const frame = frames.find((f) => f.spec === spec);
    expect(frame).toEqual({ spec, filename: file, lineno: lineOf(file, declaration) });
  });

  test('a matcher message names the file and line written', () => {
    const result = results.testResults.find((r) => r.name === file);
    const failed = result?.assertionResults.find((a) => a.title.startsWith('a matcher message'));
    expect(failed?.status).toBe('failed');
    const message = failed?.failureMessages.join('\n') ?? '';
    expect(message).toContain('Top allocation sites over 100 calls:');
    expect(message).toContain(`  ${file}:${lineOf(file, declaration)}: size=`);
  });
});
