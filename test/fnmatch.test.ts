// Glob matching with Python's fnmatch semantics (the matcher behind Filter).
import * as path from 'node:path';
import { compileGlob, escapeGlob, fnmatch } from '../lib/model/fnmatch';
import { repoRoot, runNode } from './helpers/child';

const posix = { normcase: false };
const match = (name: string, pattern: string): boolean => fnmatch(name, pattern, posix);

describe('fnmatch', () => {
  // CPython's TestFilters.test_filter_match_filename_joker, minus the .pyc cases.
  test('stars, as test_filter_match_filename_joker', () => {
    expect(match('abc', '')).toBe(false);
    expect(match('', 'abc')).toBe(false);
    expect(match('', '')).toBe(true);
    expect(match('', '*')).toBe(true);

    expect(match('abc', 'abc')).toBe(true);
    expect(match('abc', 'abcd')).toBe(false);
    expect(match('abc', 'def')).toBe(false);

    expect(match('abc', 'a*')).toBe(true);
    expect(match('abc', 'abc*')).toBe(true);
    expect(match('abc', 'b*')).toBe(false);
    expect(match('abc', 'abcd*')).toBe(false);

    expect(match('abc', 'a*c')).toBe(true);
    expect(match('abcdcx', 'a*cx')).toBe(true);
    expect(match('abb', 'a*c')).toBe(false);
    expect(match('abcdce', 'a*cx')).toBe(false);

    expect(match('abcde', 'a*c*e')).toBe(true);
    expect(match('abcbdefeg', 'a*bd*eg')).toBe(true);
    expect(match('abcdd', 'a*c*e')).toBe(false);
    expect(match('abcbdefef', 'a*bd*eg')).toBe(false);
  });

  test('case-sensitive with no alternate separator on POSIX', () => {
    expect(match('aBC', 'ABc')).toBe(false);
    expect(match('aBcDe', 'Ab*dE')).toBe(false);
    expect(match('a/b', 'a\\b')).toBe(false);
    expect(match('a\\b', 'a/b')).toBe(false);
    expect(match('a/b\\c', 'a\\b/c')).toBe(false);
  });

  test("normcase folds case and separators, as Python's fnmatch on Windows", () => {
    const windows = { normcase: true };
    expect(fnmatch('aBC', 'ABc', windows)).toBe(true);
    expect(fnmatch('aBcDe', 'Ab*dE', windows)).toBe(true);
    expect(fnmatch('a/b', 'a\\b', windows)).toBe(true);
    expect(fnmatch('a/b\\c', 'a\\b/c', windows)).toBe(true);
    expect(fnmatch('C:\\App\\x.js', 'c:/app/*', windows)).toBe(true);
  });

  // Each row [name, pattern, fnmatch.fnmatchcase(name, pattern)] as printed
  // by CPython 3.11 (the matcher also agreed with it on 240,000 random cases).
  const PYTHON: [string, string, boolean][] = [
    ['a', '[abc]', true],
    ['d', '[abc]', false],
    ['d', '[!abc]', true],
    ['a', '[!abc]', false],
    ['m', '[a-z]', true],
    ['M', '[a-z]', false],
    ['-', '[a-]', true],
    ['-', '[-a]', true],
    ['b', '[!a-c]', false],
    ['z', '[!a-c]', true],
    [']', '[]]', true],
    [']', '[!]]', false],
    ['x', '[!]]', true],
    ['[', '[', true],
    ['[a', '[a', true],
    ['[!]', '[!]', true],
    ['x', '[!]', false],
    ['a', '[z-a]', false],
    ['a', '[!z-a]', true],
    ['\n', '[!z-a]', true],
    ['-', '[a-c-e]', true],
    ['d', '[a-c-e]', false],
    ['e', '[a-c-e]', true],
    ['\\', '[\\]', true],
    ['\\', '\\', true],
    ['a', '\\a', false],
    ['*', '[*]', true],
    ['x', '[*]', false],
    ['?', '[?]', true],
    ['z', '[]-[!-]', true],
    ['-', '[]-[!-]', false],
    ['^', '[^a]', true],
    ['b', '[^a]', false],
    ['a/b/c.js', '*.js', true],
    ['a/b/c.js', 'a/*', true],
    ['a\nb', 'a?b', true],
    ['a\nb', 'a*b', true],
    ['abc', '***c', true],
    ['ab', 'a**b**', true],
    ['/srv/[v2]/app/x.js', '/srv/[[]v2]/app/*', true],
    ['/srv/v/app/x.js', '/srv/[[]v2]/app/*', false],
    ['\ud83d\ude00', '?', true],
    ['\ud83d\ude00x', '??', true],
    ['\ud83d\ude00', '[\ue000-\ud83d\ude01]', true],
    ['\uffff', '[\ud83d\ude00-\ud83d\ude01]', false],
    ['node:internal/fs/utils', 'node:*', true],
    ['file:///x', 'node:*', false],
  ];

  test.each(PYTHON)('%j matches %j: %s (as CPython)', (name, pattern, expected) => {
    expect(match(name, pattern)).toBe(expected);
  });

  test('a compiled matcher is reusable, and does not backtrack on many stars', () => {
    const isJs = compileGlob('*.js', posix);
    expect(['a.js', 'b.ts', 'dir/c.js'].map(isJs)).toEqual([true, false, true]);
    // A RegExp of nested stars backtracks exponentially on these (the second
    // and third make every star's segment searched, not just the last one):
    // it would never return. The built matcher runs them in a child, so that
    // such a hang ends at runNode's deadline; nothing is timed.
    const cases = [
      ['a'.repeat(5000), '*a*a*a*a*a*a*a*a*a*a*b'],
      [`${'a'.repeat(5000)}c`, '*a*a*a*a*a*a*a*a*a*a*b*c'],
      [`${'a'.repeat(5000)}bc`, '*a*a*a*a*a*a*a*a*a*a*b*c'],
    ];
    const script = `const { compileGlob } = require(${JSON.stringify(path.join(repoRoot, 'dist', 'model', 'fnmatch.js'))});
      const cases = ${JSON.stringify(cases)};
      console.log(JSON.stringify(cases.map(([name, pattern]) => compileGlob(pattern, { normcase: false })(name))));`;
    const result = runNode(['-e', script]);
    expect({ status: result.status, signal: result.signal, stderr: result.stderr }).toEqual({
      status: 0,
      signal: null,
      stderr: '',
    });
    expect(JSON.parse(result.stdout)).toEqual([false, false, true]);
  });

  test('escapeGlob makes a path match only itself, as glob.escape', () => {
    expect(escapeGlob('/srv/[v2]/a*b?.js')).toBe('/srv/[[]v2]/a[*]b[?].js');
    const exact = compileGlob(escapeGlob('/srv/[v2]/a*b?.js'), posix);
    expect(exact('/srv/[v2]/a*b?.js')).toBe(true);
    expect(exact('/srv/v/axxb1.js')).toBe(false);
  });
});
