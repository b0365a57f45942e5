// V8's sampler is one per isolate, shared with the inspector and other agents
// (docs/sampler-sharing.md). A real in-process inspector session drives each
// scenario of test/fixtures/sampler-owner.js.
import { runFixture } from './helpers/child';

interface Outcome {
  ok: boolean;
  name?: string;
  code?: string;
  message?: string;
}

interface Counts {
  beforeLoss: number;
  afterLoss: number;
  interval: number;
}

interface InspectorStop {
  ok: boolean;
  samples?: number;
  message?: string;
}

interface Scenarios {
  busy: { start: Outcome; tracing: boolean; inspector: InspectorStop };
  stopped: { first: Outcome; tracing: boolean; next: Counts };
  disconnected: { tracing: boolean; first: Outcome; next: Counts };
  replaced: { snapshot: Outcome; tracing: boolean; inspector: InspectorStop };
  replacedThenStop: { tracing: boolean; inspector: InspectorStop };
  replacedSameInterval: { snapshot: Outcome; inspector: InspectorStop };
  restart: Outcome;
}

let result: Scenarios;
beforeAll(() => {
  result = runFixture<Scenarios>('sampler-owner.js');
});

const TRACES_LOST = { ok: false, name: 'TracemallocError', code: 'ERR_TRACEMALLOC_TRACES_LOST' };
const SAMPLER_LOST = { ok: false, name: 'TracemallocError', code: 'ERR_TRACEMALLOC_SAMPLER_LOST' };

describe('the inspector samples first', () => {
  test('start() refuses, instead of reading its profile, and leaves it running', () => {
    expect(result.busy.start).toMatchObject({
      ok: false,
      name: 'TracemallocError',
      code: 'ERR_TRACEMALLOC_SAMPLER_BUSY',
    });
    expect(result.busy.start.message).toMatch(/already running/);
    expect(result.busy.tracing).toBe(false);
    expect(result.busy.inspector).toMatchObject({ ok: true });
  });
});

describe('the inspector stops our sampler', () => {
  test('by stopSampling: the loss is reported once, and tracing goes on', () => {
    expect(result.stopped.first).toMatchObject(TRACES_LOST);
    expect(result.stopped.first.message).toMatch(/restarted with the same settings/);
    expect(result.stopped.tracing).toBe(true);
  });

  test('by disconnecting after startSampling: tracing goes on', () => {
    expect(result.disconnected.tracing).toBe(true);
    expect(result.disconnected.first).toMatchObject(TRACES_LOST);
  });

  test.each(['stopped', 'disconnected'] as const)(
    '%s: later snapshots hold every object allocated since, exactly, at our interval',
    (scenario) => {
      // Exact mode: each of the 3000 kept objects is one sample; the few more
      // are the array's backing stores as it grew.
      const { next } = result[scenario];
      expect(next.afterLoss).toBeGreaterThanOrEqual(3000);
      expect(next.afterLoss).toBeLessThan(3100);
      expect(next.interval).toBe(1);
      // What V8 destroyed stays gone: no trace is invented for it.
      expect(next.beforeLoss).toBe(0);
    },
  );
});

describe('the inspector replaces our sampler with its own', () => {
  test('at another interval: its samples are not returned as ours, and tracing stops', () => {
    expect(result.replaced.snapshot).toMatchObject(SAMPLER_LOST);
    expect(result.replaced.tracing).toBe(false);
  });

  test('at our own interval: told apart by its deeper stacks', () => {
    expect(result.replacedSameInterval.snapshot).toMatchObject(SAMPLER_LOST);
  });

  test.each(['replaced', 'replacedThenStop', 'replacedSameInterval'] as const)(
    '%s: our stop() leaves the inspector its sampler and its samples',
    (scenario) => {
      const { inspector } = result[scenario];
      expect(inspector).toMatchObject({ ok: true });
      expect(inspector.samples).toBeGreaterThan(0);
    },
  );

  test('tracing can start again afterwards', () => {
    expect(result.restart).toEqual({ ok: true });
  });
});
