import { argError } from './errors';
import { MAX_INTERVAL } from './constants';
// Argument checks with precise messages ("Expected an integer for interval
// but received -3 of type number"), shared by every public entry point. The
// binding checks again: it is reachable from user code too.

/** How a received value is named in messages: `"x" of type string`, `an instance of Map`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `${JSON.stringify(value)} of type string`;
  if (typeof value === 'object') return `an instance of ${value.constructor?.name ?? 'Object'}`;
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return `${value.toString()} of type symbol`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || value === undefined) {
    return `${String(value)} of type ${typeof value}`;
  }
  return `a value of type ${typeof value}`;
}

function typeError(message: string): TypeError {
  return argError('ERR_INVALID_ARG_TYPE', message);
}

function rangeError(message: string): RangeError {
  return argError('ERR_OUT_OF_RANGE', message);
}

/**
 * Checks that `value` is an integer in [min; max].
 * @param rangeMessage message for an integer out of range (Python's wording where one exists)
 */
export function integerInRange(value: unknown, name: string, min: number, max: number, rangeMessage?: string): number {
  if (typeof value !== 'number') {
    throw typeError(`Expected an integer for ${name} but received ${describe(value)}`);
  }
  if (!Number.isInteger(value)) {
    throw rangeError(`Expected an integer for ${name} but received ${describe(value)}`);
  }
  if (value < min || value > max) {
    throw rangeError(rangeMessage ?? `${name} must be in range [${min}; ${max}], received ${value}`);
  }
  return value;
}

/** Checks a sampling interval in bytes: an integer from 1 to {@link MAX_INTERVAL}. */
export function samplingInterval(value: unknown, name = 'interval'): number {
  return integerInRange(
    value,
    name,
    1,
    MAX_INTERVAL,
    `the ${name} must be an integer number of bytes from 1 to ${MAX_INTERVAL} (256 MiB), received ${String(value)}: ` +
      'V8 caps each sampling step at 2 GiB, so a larger interval would over-estimate every size',
  );
}

export function boolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') {
    throw typeError(`Expected a boolean for ${name} but received ${describe(value)}`);
  }
  return value;
}

/**
 * Checks that `options` is undefined or a plain object whose keys are all in
 * `allowed`, so a misspelt option fails loudly instead of being ignored.
 */
export function options<K extends string>(
  value: unknown,
  name: string,
  allowed: readonly K[],
): Partial<Record<K, unknown>> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw typeError(`Expected an object for ${name} but received ${describe(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!(allowed as readonly string[]).includes(key)) {
      const known = allowed.length > 0 ? allowed.join(', ') : 'none';
      throw argError('ERR_INVALID_ARG_VALUE', `Unknown option ${JSON.stringify(key)} in ${name} (known: ${known})`);
    }
  }
  return value;
}
