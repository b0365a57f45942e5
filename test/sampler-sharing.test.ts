// V8's sampler is one per isolate, shared with the inspector and other agents.
import { runFixture } from './helpers/child';

interface Outcome {
  ok: boolean;
  name?: string;
  code?: string;
  message?: string;
}

describe('another tool owns the sampler', () => {
  const result = runFixture<{
    busy: Outcome;
    tracingAfterBusy: boolean;
    lost: Outcome;
    tracingAfterLost: boolean;
    restart: Outcome;
  }>('sampler-owner.js');

  test('start() refuses while the inspector samples, instead of reading its profile', () => {
    expect(result.busy).toMatchObject({ ok: false, name: 'TracemallocError', code: 'ERR_TRACEMALLOC_SAMPLER_BUSY' });
    expect(result.busy.message).toMatch(/already running/);
    expect(result.tracingAfterBusy).toBe(false);
  });

  test('a snapshot after the inspector stopped our sampler says so, and tracing has stopped', () => {
    expect(result.lost).toMatchObject({ ok: false, name: 'TracemallocError', code: 'ERR_TRACEMALLOC_SAMPLER_LOST' });
    expect(result.tracingAfterLost).toBe(false);
  });

  test('tracing can start again afterwards', () => {
    expect(result.restart).toEqual({ ok: true });
  });
});
