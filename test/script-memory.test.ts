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

test('with no earlier walk, they come back as <unknown>:0, as V8 reports them', () => {
  // The V8 limit this works around: if this starts naming maker.js, V8
  // keeps scripts now and the memory can go.
  const result = runFixture<Result>('freed-script.js');
  expect(Object.keys(result.after)).toEqual(['<unknown>:0']);
  expect(result.after['<unknown>:0']).toBeGreaterThanOrEqual(1000);
});
