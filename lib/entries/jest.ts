/**
 * `node-tracemalloc/jest`: jest matchers. `expect(fn).toAllocateAtMost('24 KiB')`,
 * `expect(fn).toAllocateObjectsAtMost(n)`, `expect(fn).not.toLeak()`.
 * Import this module from a setupFilesAfterEnv file (it registers itself
 * when jest's global `expect` is there), or call {@link register}(expect).
 *
 * @module node-tracemalloc/jest
 */
export {
  matchers,
  register,
  type AwaitedFor,
  type ExpectLike,
  type MatcherContextLike,
  type MatcherResult,
} from '../measure/jest';
