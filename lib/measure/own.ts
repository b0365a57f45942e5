// The frame a sample should be charged to in measure()'s reports: the
// innermost one with a script, past builtins (Object.keys, a generator's
// next()), which have none. (The binding already leaves out samples whose
// innermost frame outside builtins and Node's own modules is this package's:
// native/profile_table.cc, with lib/helpers/own-files.ts's prefixes.)
import { attributeStacks } from '../model/attribution';
import type { ProfileTable } from '../model/table';

/**
 * @internal
 * Per stack row: the stack row of its innermost frame that has a script, or
 * -1 when none of its recorded frames has one; see lib/model/attribution.ts. With
 * `skipNodeInternals`, Node's own modules (`node:*`) are passed over like
 * builtins.
 */
export function scriptedStacks(table: ProfileTable, skipNodeInternals = false): Int32Array {
  return attributeStacks(table, skipNodeInternals).scripted;
}
