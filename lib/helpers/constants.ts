// The numbers the layers share, defined once. A leaf module: it imports
// nothing, so the CLI, the dump format and the model can use it without
// loading the addon or each other.

/** Python's limit on frames per traceback; V8 itself takes any int. */
export const MAX_FRAMES = 65535;

/**
 * The largest sampling interval, 2^28 bytes (256 MiB). V8 draws each step
 * between samples from an exponential distribution and caps it at 2^31
 * bytes, so an estimate comes out 1 / (1 − e^(−2^31 / interval)) times too
 * big: 1.00034× at 2^28, 1.019× at 2^29, 1.16× at 2^30, 1.58× at 2^31.
 * native/addon.cc holds the same limit.
 */
export const MAX_INTERVAL = 2 ** 28;

/** V8's default sampling interval, 512 KiB: cheap enough to leave on (1.02–1.09×), register's default. */
export const DEFAULT_SAMPLED_INTERVAL = 512 * 1024;

/** `sampleStack` value of a trace with no frames. */
export const NO_STACK = 0xffffffff;
