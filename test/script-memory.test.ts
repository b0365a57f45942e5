// V8 forgets the name and lines of a script it has freed; the addon
// remembers them from every earlier walk of the profile.
import { runFixture } from './helpers/child';

interface Result {
  before: Record<string, number> | null;
  after: Record<string, number>;
  kept: number;
}

test('frames of a freed script keep their file and line when an earlier snapshot saw it alive', () => {
  const result = runFixture<Result>('freed-script.js', [], ['learn']);
  expect(Object.keys(result.before ?? {})).toEqual(['maker.js:4']);
  expect(Object.keys(result.after)).toEqual(['maker.js:4']);
  expect(result.after['maker.js:4']).toBeGreaterThanOrEqual(1000);
});

test('with no earlier walk, they come back as <unknown>:0 once V8 has freed the script', () => {
  // The V8 limit this works around. Whether V8 has freed maker.js by the
  // time of the snapshot depends on its GCs (from V8 12 it sometimes has
  // not): then the frames keep their names, and the allocations must still
  // all be on one row, never split or lost.
  const result = runFixture<Result>('freed-script.js');
  const keys = Object.keys(result.after);
  expect(keys).toHaveLength(1);
  expect(['<unknown>:0', 'maker.js:4']).toContain(keys[0]);
  expect(result.after[keys[0]]).toBeGreaterThanOrEqual(1000);
});
