// The tracer's own files, and the frame a sample should be charged to in
// measure()'s reports: the innermost one with a script, past builtins
// (Object.keys, a generator's next()), which have none. (The binding already
// leaves out samples whose innermost frame outside builtins and Node's own
// modules is this package's: native/profile_table.cc.)
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { attributeStacks } from '../attribution';
import type { ProfileTable } from '../table';

// lib/ (ts-jest) or dist/ (the build): this file sits one level below.
const PACKAGE_DIR = path.resolve(__dirname, '..');
const OWN_PREFIXES = [PACKAGE_DIR + path.sep, pathToFileURL(PACKAGE_DIR).href + '/'];

/** @internal True for a script of this package (its lib/ or dist/, as a path or a file URL). */
export function isOwnFile(file: string): boolean {
  return OWN_PREFIXES.some((prefix) => file.startsWith(prefix));
}

/**
 * @internal
 * Per stack row: the stack row of its innermost frame that has a script, or
 * -1 when none of its recorded frames has one; see lib/attribution.ts. With
 * `skipNodeInternals`, Node's own modules (`node:*`) are passed over like
 * builtins.
 */
export function scriptedStacks(table: ProfileTable, skipNodeInternals = false): Int32Array {
  return attributeStacks(table, skipNodeInternals).scripted;
}
