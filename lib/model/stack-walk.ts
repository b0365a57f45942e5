// The one walk of the stack rows. A ProfileTable lists every stack row after
// its parent (stackParent[row] < row, or -1 at the outermost frame): V8's
// tables are built that way (native/profile_table.cc interns a path from its
// outermost frame in), so are TableBuilder's, and a dump that is not is
// refused on load (lib/model/dump/check.ts). So whatever is computed per row from
// its caller's result (depth, traceback, call-tree node, attribution) is one
// forward loop, each row once, no recursion and no memo chain; and a
// backward loop visits children before their parents (subtree sums).
import { argError } from '../helpers/errors';

/**
 * Calls `visit(row, parent)` for each row from `from` on, in order: every
 * row's parent (-1 for none) was visited before it, so `visit` reads the
 * parent's result and stores the row's. `parent` is a stack table's
 * `stackParent`, or any forest numbered the same way (statistics' traceback keys).
 * @throws {TypeError} `ERR_INVALID_ARG_VALUE` at a row whose parent does not come before it (a hand-made table: dumps are checked)
 */
export function parentsFirst(parent: ArrayLike<number>, visit: (row: number, parent: number) => void, from = 0): void {
  const n = parent.length;
  for (let row = from; row < n; row++) {
    const p = parent[row];
    if (!(p >= -1 && p < row)) throw notParentsFirst(row, p);
    visit(row, p);
  }
}

/**
 * Sets `marks[parent]` wherever `marks[row]` is set, so that every marked
 * row's callers are marked too: one backward loop, children before parents.
 * Only for parent-first tables (those {@link parentsFirst} accepted).
 */
export function markCallers(stackParent: Int32Array, marks: Uint8Array): Uint8Array {
  for (let row = stackParent.length - 1; row >= 0; row--) {
    const p = stackParent[row];
    if (marks[row] === 1 && p >= 0) marks[p] = 1;
  }
  return marks;
}

/**
 * The depth of every stack row: 1 for a row with no parent, its parent's
 * depth + 1 otherwise.
 * @throws {TypeError} `ERR_INVALID_ARG_VALUE` as {@link parentsFirst}
 */
export function stackDepths(stackParent: Int32Array): Uint32Array {
  const depth = new Uint32Array(stackParent.length);
  parentsFirst(stackParent, (row, p) => {
    depth[row] = p >= 0 ? depth[p] + 1 : 1;
  });
  return depth;
}

function notParentsFirst(row: number, parent: number): TypeError {
  return argError(
    'ERR_INVALID_ARG_VALUE',
    `stack ${row} has parent ${parent}: a stack row's parent must come before it (stackParent[row] < row, or -1)`,
  );
}
