// The dump fuzzer (scripts/fuzz-dumps.js) at CI size: damaged, hostile and
// deep dumps must load as valid snapshots that every analysis and export
// handles, or be refused with a DumpFormatError; no crash, hang or uncoded
// error. `npm run fuzz` runs the full 20,000 cases. The fuzzer runs dist/
// (the test script's pretest builds it).
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { repoRoot } from './helpers/child';

interface FuzzSummary {
  cases: number;
  outcomes: Record<string, number>;
  crashes: number;
  hangs: number;
  unexpected: number;
  findings: { kind: string; case: number }[];
}

const SCRIPT = path.join(repoRoot, 'scripts', 'fuzz-dumps.js');

function fuzz(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; summary: FuzzSummary } {
  const result = spawnSync(process.execPath, [SCRIPT, '--json', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 300_000,
  });
  if (result.stdout === '') throw new Error(`fuzz-dumps printed nothing: ${result.stderr}`);
  return { status: result.status, summary: JSON.parse(result.stdout) as FuzzSummary };
}

test('3,000 cases: no crash, hang or unexpected error; every kind of refusal reached, and loads', () => {
  // A hang never ends: 30 s per case tells one from a slow deep table on a busy machine.
  const { status, summary } = fuzz(['--seed', '12', '--cases', '3000', '--timeout', '30000']);
  expect(summary.findings).toEqual([]);
  expect({ status, crashes: summary.crashes, hangs: summary.hangs, unexpected: summary.unexpected }).toEqual({
    status: 0,
    crashes: 0,
    hangs: 0,
    unexpected: 0,
  });
  for (const reason of ['not-a-dump', 'future-version', 'truncated', 'corrupt', 'too-large', 'loaded']) {
    expect(summary.outcomes[reason]).toBeGreaterThan(0);
  }
  expect(Object.values(summary.outcomes).reduce((a, b) => a + b, 0)).toBe(3000);
}, 300_000);

test('the harness catches a crashing and a hanging case, and carries on after them', () => {
  const { status, summary } = fuzz(['--seed', '1', '--cases', '10', '--timeout', '3000'], {
    FUZZ_DUMPS_INJECT: 'crash:2,hang:5',
  });
  expect(status).toBe(1);
  expect(summary.findings.map((f) => [f.kind, f.case])).toEqual([
    ['crash', 2],
    ['hang', 5],
  ]);
  expect(Object.values(summary.outcomes).reduce((a, b) => a + b, 0)).toBe(8);
}, 120_000);
