// Worker threads shut down in the middle of a tracer call: the host process
// must keep running (or exit with its own code), never abort. Each child runs
// test/fixtures/worker-teardown.js, whose workers loop on takeSnapshot,
// getTracedMemory, getTracemallocMemory, getTracebackLimit and start() while
// tracing. Before the fix every one of these children died of SIGABRT
// ("terminate called after throwing an instance of 'Napi::Error'").
import * as path from 'node:path';
import { fixtures, runNodeAsync, type ChildResult } from './helpers/child';

const FIXTURE = path.join(fixtures, 'worker-teardown.js');
// 196 workers shut down mid-call in all, each way of ending cycling through
// the five calls.
const WORKERS = 10;
const TERMINATE_ROUNDS = 10; // 100 worker.terminate() calls in one process
const EXITING_WORKERS = 12;
const EXITING_PROCESSES = 4; // 4 x 12 workers torn down by each way of ending

function outcome(result: ChildResult): { status: number | null; signal: string | null; stderr: string } {
  return { status: result.status, signal: result.signal, stderr: result.stderr.trim() };
}

function times<T>(n: number, make: () => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: n }, make));
}

describe('a worker shut down inside a tracer call', () => {
  let terminated: ChildResult;
  let exited: ChildResult[];
  let ended: ChildResult[];
  // One batch, run concurrently: the scenarios are independent processes.
  // They take seconds on an idle machine; under a loaded CI box they may
  // need far longer, which is no failure of theirs: the limit only bounds a hang.
  beforeAll(async () => {
    [terminated, exited, ended] = await Promise.all([
      runNodeAsync([FIXTURE, 'terminate', String(WORKERS), String(TERMINATE_ROUNDS)]),
      times(EXITING_PROCESSES, () => runNodeAsync([FIXTURE, 'exit', String(EXITING_WORKERS)])),
      times(EXITING_PROCESSES, () => runNodeAsync([FIXTURE, 'natural', String(EXITING_WORKERS)])),
    ]);
  }, 240_000);

  test('worker.terminate(): every worker exits with code 1, the process lives on', () => {
    expect(outcome(terminated)).toEqual({ status: 0, signal: null, stderr: '' });
    const report = JSON.parse(terminated.stdout.trim()) as { terminated: number; codes: Record<string, number> };
    const total = WORKERS * TERMINATE_ROUNDS;
    expect(report).toEqual({ terminated: total, codes: { 1: total } });
  });

  test("process.exit(7) on the main thread: the exit code is the program's", () => {
    for (const result of exited) expect(outcome(result)).toEqual({ status: 7, signal: null, stderr: '' });
  });

  test("natural end with unref()'d workers: the exit code is the program's", () => {
    for (const result of ended) expect(outcome(result)).toEqual({ status: 9, signal: null, stderr: '' });
  });
});
