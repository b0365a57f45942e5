// V8 caps each step between samples at 2^31 - 1 bytes, so a mean interval
// past 2^28 over-estimates (1.58x at 2^31, 512x at 2^40): every way an
// interval reaches V8 refuses it, with the maximum in the message.
import { parseInterval, readSettings, SettingError } from '../lib/faces/activation';
import { chooseInterval, startWithBudget } from '../lib/tracer/budget';
import { limitMemory } from '../lib/measure/limits';
import { native } from '../lib/tracer/native';
import * as tm from '../lib/tracer/tracemalloc';
import { stopTracingAfterEach } from './helpers/tracing';

stopTracingAfterEach();

const TOO_LARGE = [2 ** 28 + 1, 2 ** 31, 2 ** 33, 2 ** 40];

function thrown(fn: () => unknown): { name: string; code: unknown; message: string } {
  try {
    fn();
  } catch (error) {
    const e = error as Error & { code?: unknown };
    return { name: e.name, code: e.code, message: e.message };
  }
  throw new Error('expected a throw');
}

test('MAX_INTERVAL is 2^28 bytes (256 MiB)', () => {
  expect(tm.MAX_INTERVAL).toBe(268435456);
});

test('start() accepts the maximum and reports it', () => {
  tm.start(1, { interval: tm.MAX_INTERVAL });
  expect(tm.getSamplingInterval()).toBe(tm.MAX_INTERVAL);
  expect(tm.takeSnapshot().interval).toBe(tm.MAX_INTERVAL);
});

test.each(TOO_LARGE)('start() refuses interval %p, naming the maximum', (interval) => {
  const error = thrown(() => tm.start(1, { interval }));
  expect(error).toMatchObject({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  expect(error.message).toMatch(/from 1 to 268435456 \(256 MiB\).*2 GiB/);
  expect(tm.isTracing()).toBe(false);
});

test.each(TOO_LARGE)('the binding itself refuses interval %p', (interval) => {
  const error = thrown(() => native().start(interval, 1, false));
  expect(error).toMatchObject({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  expect(error.message).toMatch(/^interval must be an integer in range \[1; 268435456\], received \d+: V8 caps/);
  expect(native().isTracing()).toBe(false);
});

test('the binding accepts the maximum', () => {
  native().start(tm.MAX_INTERVAL, 1, false);
  expect(native().settings()).toMatchObject({ interval: tm.MAX_INTERVAL });
});

test('NODE_TRACEMALLOC_INTERVAL and --interval: 256M is the largest, 4T is refused', () => {
  expect(parseInterval('256M')).toBe(2 ** 28);
  for (const text of ['257M', '2G', '4T']) {
    expect(() => parseInterval(text)).toThrow(SettingError);
    expect(() => parseInterval(text)).toThrow(/from 1 to 256M \(268435456\)/);
  }
  const context = { pid: 1, time: 0, hostname: 'h', cwd: process.cwd() };
  expect(() => readSettings({ NODE_TRACEMALLOC: '1', NODE_TRACEMALLOC_INTERVAL: '4T' }, context)).toThrow(
    /^NODE_TRACEMALLOC_INTERVAL: invalid sampling interval: "4T"/,
  );
});

test('limitMemory() and the budget refuse what start() refuses', async () => {
  expect(thrown(() => limitMemory(() => undefined, '1 MB', { interval: 2 ** 31 }))).toMatchObject({
    code: 'ERR_OUT_OF_RANGE',
  });
  expect(thrown(() => chooseInterval(1e6, 1, { maxOverhead: 0.01, maxInterval: 2 ** 33 }))).toMatchObject({
    code: 'ERR_OUT_OF_RANGE',
  });
  await expect(startWithBudget(1, { maxOverhead: 0.01, minInterval: 2 ** 40 })).rejects.toMatchObject({
    code: 'ERR_OUT_OF_RANGE',
  });
  expect(tm.isTracing()).toBe(false);
});
