// The jest matchers, passing and failing on purpose; failure messages show
// the limit, the measured figures and the top allocation sites.
import * as tm from '../lib/tracer/tracemalloc';
import { matchers, register } from '../lib/measure/jest';

afterEach(() => {
  tm.stop();
});

// Importing lib/measure/jest registered the matchers on jest's global expect.

function stripColors(text: string): string {
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

function failureOf(assertion: () => void): string {
  try {
    assertion();
  } catch (error) {
    return stripColors((error as Error).message);
  }
  throw new Error('the assertion passed; it was meant to fail');
}

async function asyncFailureOf(assertion: () => unknown): Promise<string> {
  try {
    await assertion();
  } catch (error) {
    return stripColors((error as Error).message);
  }
  throw new Error('the assertion passed; it was meant to fail');
}

function oneObject(): object {
  return { a: 1, b: 2 };
}

function hundredObjects(): object[] {
  const out: object[] = [];
  for (let i = 0; i < 100; i++) out.push({ i });
  return out;
}

function nothing(): void {}

const sink: object[] = [];
function leakOne(): void {
  sink.push({ leaked: sink.length });
}

const escaped = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('toAllocateAtMost', () => {
  test('passes under the limit, in bytes or as a size string', () => {
    expect(oneObject).toAllocateAtMost(64);
    expect(oneObject).toAllocateAtMost('1 KiB');
    expect(nothing).toAllocateAtMost(0);
    expect(hundredObjects).not.toAllocateAtMost('1 KiB');
  });

  test('fails over the limit, with the figures and the top sites', () => {
    const message = failureOf(() => expect(hundredObjects).toAllocateAtMost('1 KiB', { iterations: 20 }));
    expect(message).toContain('expect(fn).toAllocateAtMost("1 KiB")');
    expect(message).toContain('Expected: at most 1 KiB (1024 B) per call');
    expect(message).toMatch(/Received: \d+ B and 10\d objects per call \(20 calls, exact\)/);
    expect(message).toContain('Top allocation sites over 20 calls:');
    expect(message).toMatch(
      new RegExp(
        `  ${escaped(__filename)}:\\d+: size=[\\d.]+ KiB, count=20\\d\\d, average=\\d+ B \\(per call: \\d+ B, 10\\d objects\\)`,
      ),
    );
  });

  test('.not fails under the limit, saying "more than"', () => {
    const message = failureOf(() => expect(oneObject).not.toAllocateAtMost(4096));
    expect(message).toContain('expect(fn).not.toAllocateAtMost(4096)');
    expect(message).toContain('Expected: more than 4096 B per call');
    expect(message).toMatch(/Received: \d+ B and 1 object per call/);
  });

  test('async functions: await the matcher', async () => {
    // Jest runs with promise hooks on (async_hooks): each promise fn makes
    // costs the hooks' allocations too, 0.5 to 4 KiB per call here depending
    // on which hooks the other suites in this worker installed.
    await expect(async () => {
      await null;
      return { a: 1 };
    }).toAllocateAtMost('64 KiB');
    const message = await asyncFailureOf(() =>
      expect(async () => {
        await null;
        return hundredObjects();
      }).toAllocateAtMost(100),
    );
    expect(message).toContain('Expected: at most 100 B per call');
    expect(message).toContain('Top allocation sites');
  });

  test('a bad limit or a received value that is not a function', () => {
    expect(() => expect(oneObject).toAllocateAtMost('lots')).toThrow(/Invalid size "lots"/);
    expect(() => expect(42).toAllocateAtMost(10)).toThrow(
      'toAllocateAtMost: expect() must be given the function to measure, received number',
    );
  });
});

describe('toAllocateObjectsAtMost', () => {
  test('passes and fails on objects per call', () => {
    expect(oneObject).toAllocateObjectsAtMost(1);
    expect(nothing).toAllocateObjectsAtMost(0);
    const message = failureOf(() => expect(hundredObjects).toAllocateObjectsAtMost(10, { iterations: 10 }));
    expect(message).toContain('expect(fn).toAllocateObjectsAtMost(10)');
    expect(message).toContain('Expected: at most 10 objects per call');
    expect(message).toMatch(/Received: .* and 10\d objects per call \(10 calls, exact\)/);
    expect(message).toContain(__filename);
    const not = failureOf(() => expect(oneObject).not.toAllocateObjectsAtMost(1));
    expect(not).toContain('Expected: more than 1 object per call');
  });

  test('a bad count', () => {
    expect(() => expect(oneObject).toAllocateObjectsAtMost(-1)).toThrow(/expected a number of objects ≥ 0/);
  });
});

describe('toLeak', () => {
  test('not.toLeak passes for a function that keeps nothing', () => {
    expect(oneObject).not.toLeak();
    expect(hundredObjects).not.toLeak({ iterations: 20 });
  });

  test('not.toLeak fails for a function that keeps what it makes, showing what is retained and where', () => {
    const message = failureOf(() => expect(leakOne).not.toLeak({ iterations: 50, warmup: 100 }));
    expect(message).toContain('expect(fn).not.toLeak(options)');
    expect(message).toContain('Expected: at most 0 B left alive by 50 calls (threshold)');
    expect(message).toMatch(
      /Received: 50 calls left \d+ B in 5\d objects alive after a full GC \(smallest of \d passes?\)/,
    );
    expect(message).toContain('Top retained allocation sites:');
    expect(message).toMatch(new RegExp(`  ${escaped(__filename)}:\\d+: size=`));
    expect(leakOne).toLeak({ iterations: 10 });
  });

  test('a threshold allows some retention', () => {
    // 10 objects of 5 words and what the array grows by stay under 4 KiB.
    expect(leakOne).not.toLeak({ iterations: 10, threshold: '4 KiB' });
    const message = failureOf(() => expect(nothing).toLeak({ iterations: 10 }));
    expect(message).toContain('Expected: more than 0 B left alive by 10 calls (threshold)');
    expect(message).toContain('Received: 10 calls left 0 B in 0 objects alive after a full GC (smallest of 1 pass)');
  });

  test('async functions', async () => {
    await expect(async () => {
      await null;
      sink.push({ async: true });
    }).toLeak({ iterations: 10 });
    await expect(async () => {
      await null;
      return { a: 1 };
    }).not.toLeak({ iterations: 10 });
  });
});

describe('register', () => {
  test('extends the expect it is given with the matchers', () => {
    const extended: object[] = [];
    register({ extend: (m: object) => extended.push(m) });
    expect(extended).toEqual([matchers]);
    expect(Object.keys(matchers).sort()).toEqual(['toAllocateAtMost', 'toAllocateObjectsAtMost', 'toLeak']);
  });

  test('refuses something that is not expect', () => {
    expect(() => register({} as never)).toThrow(/register\(\) needs jest's expect/);
  });

  test('the matchers refuse to run while tracing', () => {
    tm.start();
    expect(() => expect(oneObject).toAllocateAtMost(100)).toThrow(/ERR_TRACEMALLOC_ALREADY_TRACING|one per thread/);
    expect(tm.isTracing()).toBe(true);
  });
});
