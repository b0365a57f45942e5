// The benchmark-harness examples run against the real tinybench and mitata
// and print B/op and allocs/op columns next to the harness's own.
import * as path from 'node:path';
import { repoRoot, runNode } from './helpers/child';

function table(example: string): string {
  const result = runNode([path.join(repoRoot, 'examples', example)]);
  expect(result.status).toBe(0);
  return result.stdout;
}

test('tinybench: B/op and allocs/op beside latency and throughput', () => {
  const out = table('bench-tinybench.js');
  expect(out).toMatch(/Latency avg \(ns\).*B\/op.*allocs\/op/);
  // JSON.parse of the example's document allocates: a positive integer B/op.
  expect(out).toMatch(/'JSON\.parse'.*│ +[1-9]\d* +│ +[1-9]\d* +│/);
});

test('mitata: B/op and allocs/op beside ns/iter', () => {
  const out = table('bench-mitata.js');
  expect(out).toMatch(/avg \(ns\/iter\).*B\/op.*allocs\/op/);
  expect(out).toMatch(/'template literal'.*│ +[1-9]\d* +│ +[1-9]\d* +│/);
});
