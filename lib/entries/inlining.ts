/**
 * `node-tracemalloc/inlining`: V8's function inlining, which charges an
 * inlined function's allocations to its caller. The flags that turn it off,
 * turning it off now, whether it is on, and `start()`'s default when
 * sampling (docs/design.md, "Inlining").
 *
 * @module node-tracemalloc/inlining
 */
export { noInliningFlags, disableInlining, inliningEnabled, SAMPLED_INLINING_DEFAULT } from '../tracer/inlining';
