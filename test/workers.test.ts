// Worker threads: each isolate its own sampler; workers ending while tracing.
import { runFixture } from './helpers/child';

interface Counted {
  count: number;
  domains: number[];
}

interface Result {
  report: { threadId: number; own: Counted; main: Counted; kept: number };
  reportExit: number;
  exitedCode: number;
  terminatedCode: number;
  main: Counted;
  workerInMain: Counted;
}

describe('worker_threads', () => {
  let result: Result;
  beforeAll(() => {
    result = runFixture<Result>('workers.js');
  });

  test('a worker traces its own allocations, under its thread id as domain', () => {
    expect(result.report.own.count).toBeGreaterThanOrEqual(5000);
    expect(result.report.own.domains).toEqual([result.report.threadId]);
    expect(result.report.threadId).toBeGreaterThan(0);
    expect(result.report.main.count).toBe(0);
  });

  test('the main thread traces alongside, and sees none of the workers', () => {
    expect(result.main.count).toBeGreaterThanOrEqual(3000);
    expect(result.main.domains).toEqual([0]);
    expect(result.workerInMain.count).toBe(0);
  });

  test('workers that exit or are terminated while tracing end cleanly', () => {
    expect(result.reportExit).toBe(0);
    expect(result.exitedCode).toBe(0);
    expect(result.terminatedCode).toBe(1);
  });
});
