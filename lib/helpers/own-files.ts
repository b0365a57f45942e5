// The one rule for "the tracer's own files", used by the binding (samples
// whose innermost scripted frame is ours are left out of snapshots), by
// measure()'s reports and by TRACER_FILTERS: a script under this package's
// lib/ (ts-jest, ts-node) or dist/ (the build). A leaf module: it imports
// nothing of ours.
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

/** The package's root: package.json, binding.gyp, build/, prebuilds/, lib/, dist/ (this file is one below). */
export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');

/** The folders of the tracer's own code. */
export const OWN_DIRS: readonly string[] = Object.freeze(['lib', 'dist'].map((dir) => path.join(PACKAGE_ROOT, dir)));

/**
 * Prefixes of the script names of our own code, as V8 names scripts: paths,
 * and the file URLs that ES modules are named by.
 */
export const OWN_PREFIXES: readonly string[] = Object.freeze(
  OWN_DIRS.flatMap((dir) => [dir + path.sep, pathToFileURL(dir).href + '/']),
);

/** True for a script of this package, named by path or by file URL. */
export function isOwnFile(file: string): boolean {
  return OWN_PREFIXES.some((prefix) => file.startsWith(prefix));
}
