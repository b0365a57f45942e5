// Shell-style wildcards with the semantics of Python's fnmatch (3.11's
// fnmatch.translate, checked case by case against it), for Filter patterns.
// A hand-written matcher rather than a RegExp: no escaping bugs, and no
// backtracking blow-up on patterns with many stars.

/** A pattern atom: a code point, ANY (`?`: any one character), or a `[...]` set. */
type Atom = number | CharSet;

const ANY = -1;

/** `[seq]` / `[!seq]`: single code points and inclusive ranges. */
interface CharSet {
  readonly negate: boolean;
  /** Pairs [lo, hi]; a single character is [c, c]. */
  readonly ranges: readonly number[];
}

function codePoints(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const cp = s.codePointAt(i) as number;
    out.push(cp);
    if (cp > 0xffff) i++;
  }
  return out;
}

const STAR = 0x2a; // *
const QUESTION = 0x3f; // ?
const OPEN = 0x5b; // [
const CLOSE = 0x5d; // ]
const BANG = 0x21; // !
const HYPHEN = 0x2d; // -

/**
 * Parses the body of `[...]` (between the brackets) exactly as Python's
 * translate does, quirks included:
 * - a leading `!` negates; a backslash is an ordinary character;
 * - `-` is a range operator unless first or last, and after a range the next
 *   `-` is literal (Python splits the body at hyphens, resuming its search 3
 *   past the last one);
 * - empty ranges (`z-a`) are removed by joining the chunks around them, and a
 *   `!` that this brings to the front negates the set (`[]-[!-]` is `[!-]`);
 *   the `-` after such a `!` is then literal, as in a regex `[^-...]`.
 */
function parseSet(body: readonly number[]): CharSet {
  if (!body.includes(HYPHEN)) {
    const negate = body[0] === BANG;
    const ranges: number[] = [];
    for (let i = negate ? 1 : 0; i < body.length; i++) ranges.push(body[i], body[i]);
    return { negate, ranges };
  }
  // Chunks: the text between range-making hyphens.
  const chunks: number[][] = [];
  let start = 0;
  let k = body[0] === BANG ? 2 : 1;
  for (;;) {
    k = body.indexOf(HYPHEN, k);
    if (k < 0) break;
    chunks.push(body.slice(start, k));
    start = k + 1;
    k += 3;
  }
  if (start < body.length) chunks.push(body.slice(start));
  else chunks[chunks.length - 1].push(HYPHEN); // a trailing "-" is literal
  for (let c = chunks.length - 1; c > 0; c--) {
    const prev = chunks[c - 1];
    if (prev[prev.length - 1] > chunks[c][0]) {
      chunks[c - 1] = prev.slice(0, -1).concat(chunks[c].slice(1));
      chunks.splice(c, 1);
    }
  }
  const negate = chunks[0][0] === BANG;
  if (negate) chunks[0] = chunks[0].slice(1);
  const ranges: number[] = [];
  for (let c = 0; c < chunks.length; c++) {
    for (const ch of chunks[c]) ranges.push(ch, ch);
    if (c === 0) continue;
    const prev = chunks[c - 1];
    if (prev.length === 0) ranges.push(HYPHEN, HYPHEN);
    else ranges.push(prev[prev.length - 1], chunks[c][0]);
  }
  return { negate, ranges };
}

/**
 * Splits a pattern at its stars into fixed-length segments of atoms:
 * `a*b?*c` → [[a], [b, ANY], [c]]. A pattern without `*` is one segment.
 */
function parse(pattern: readonly number[]): Atom[][] {
  const segments: Atom[][] = [[]];
  let afterStar = false;
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i++];
    if (c === STAR) {
      // Consecutive stars match like one.
      if (!afterStar) segments.push([]);
      afterStar = true;
      continue;
    }
    afterStar = false;
    const segment = segments[segments.length - 1];
    if (c === QUESTION) {
      segment.push(ANY);
    } else if (c === OPEN) {
      // Find the closing bracket: a `]` right after `[` or `[!` is literal.
      let j = i;
      if (j < pattern.length && pattern[j] === BANG) j++;
      if (j < pattern.length && pattern[j] === CLOSE) j++;
      while (j < pattern.length && pattern[j] !== CLOSE) j++;
      if (j >= pattern.length) {
        segment.push(OPEN); // unclosed: a literal "["
      } else {
        segment.push(parseSet(pattern.slice(i, j)));
        i = j + 1;
      }
    } else {
      segment.push(c);
    }
  }
  return segments;
}

function atomMatches(atom: Atom, c: number): boolean {
  if (typeof atom === 'number') return atom === ANY || atom === c;
  const { ranges } = atom;
  let inside = false;
  for (let k = 0; k < ranges.length; k += 2) {
    if (c >= ranges[k] && c <= ranges[k + 1]) {
      inside = true;
      break;
    }
  }
  return inside !== atom.negate;
}

function segmentMatchesAt(segment: readonly Atom[], name: readonly number[], at: number): boolean {
  for (let k = 0; k < segment.length; k++) {
    if (!atomMatches(segment[k], name[at + k])) return false;
  }
  return true;
}

/** Tests a name against a compiled pattern; see {@link compileGlob}. */
export type GlobMatcher = (name: string) => boolean;

/** Options of {@link compileGlob}. */
export interface GlobOptions {
  /**
   * Normalize case and separators first, as Python's `os.path.normcase`:
   * lower case and `/` → `\` on Windows; nothing elsewhere (case-sensitive).
   * Default: true on win32 only, like Python's fnmatch.
   */
  normcase?: boolean;
}

function normcase(s: string): string {
  return s.replace(/\//g, '\\').toLowerCase();
}

/**
 * Compiles a shell-style pattern once into a matcher, with Python's fnmatch
 * semantics: `*` any run of characters (including `/`), `?` one character,
 * `[seq]` one character in seq (ranges like `a-z`), `[!seq]` one not in seq;
 * no escape character (write `[*]` for a literal star). The whole name must
 * match. Characters are code points, as in Python.
 *
 * Cost: O(pattern) to compile; matching is O(name × pattern) at worst, with
 * no backtracking: each star-free segment is found leftmost, which is optimal
 * for fixed-length segments.
 *
 * @example
 * const isTest = compileGlob('*.test.[jt]s');
 * isTest('/app/a.test.ts'); // true
 */
export function compileGlob(pattern: string, options: GlobOptions = {}): GlobMatcher {
  const fold = options.normcase ?? process.platform === 'win32';
  const source = fold ? normcase(pattern) : pattern;
  const segments = parse(codePoints(source));
  if (segments.length === 1 && segments[0].every((atom) => typeof atom === 'number' && atom !== ANY)) {
    // No wildcard at all: plain equality.
    return fold ? (name) => normcase(name) === source : (name) => name === source;
  }
  const first = segments[0];
  const last = segments[segments.length - 1];
  return (rawName: string): boolean => {
    const name = codePoints(fold ? normcase(rawName) : rawName);
    if (segments.length === 1) return name.length === first.length && segmentMatchesAt(first, name, 0);
    const end = name.length - last.length;
    if (end < first.length) return false;
    if (!segmentMatchesAt(first, name, 0) || !segmentMatchesAt(last, name, end)) return false;
    let at = first.length;
    for (let s = 1; s < segments.length - 1; s++) {
      const segment = segments[s];
      let found = -1;
      for (let p = at; p + segment.length <= end; p++) {
        if (segmentMatchesAt(segment, name, p)) {
          found = p;
          break;
        }
      }
      if (found < 0) return false;
      at = found + segment.length;
    }
    return true;
  };
}

/**
 * True when `name` matches the shell-style `pattern` (Python's
 * `fnmatch.fnmatch`). Compiles the pattern on every call: use
 * {@link compileGlob} to test many names.
 *
 * @example fnmatch('lib/app.js', 'lib/*.js') // true
 */
export function fnmatch(name: string, pattern: string, options?: GlobOptions): boolean {
  return compileGlob(pattern, options)(name);
}

/**
 * Escapes `*`, `?` and `[` so that `text` matches only itself (Python's
 * `glob.escape`): for building patterns from real paths.
 *
 * @example escapeGlob('/srv/[v2]/app') + '/*' // "/srv/[[]v2]/app/*"
 */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[]/g, '[$&]');
}
