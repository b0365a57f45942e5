// Names from a profiled program (functions, files, classes) are the
// program's to choose: `new Function` with a `//# sourceURL=`, a computed
// class name. Printed raw, they could drive the terminal that shows a report
// (clear it, retitle it, plant links, or `\r` over a line to fake figures) or
// break a line-based format. Every place that prints one to a terminal or a
// line-based file escapes it with this one function.

// C0 controls, DEL and C1 controls (U+009B is CSI on 8-bit terminals); the
// Unicode line and paragraph separators (lines to some readers); the bidi
// embeddings, overrides and isolates, which reorder what is shown after them
// ("Trojan Source", CVE-2021-42574).
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_ONE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const SHORT: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(c: string): string {
  const short = SHORT[c];
  if (short !== undefined) return short;
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` with every control character shown as a visible escape: `\n`,
 * `\r`, `\t`, `\x1b`, `\x9b`, `\u202e`. Text without any (every ordinary
 * name and path) comes back unchanged, the same string. Backslashes are
 * left alone (Windows paths read as they are), so the escape is for reading,
 * not reversible: `--json` and the binary exports keep names exact.
 *
 * @example escapeControlChars('evil\x1b]0;title\x07') // "evil\\x1b]0;title\\x07"
 */
export function escapeControlChars(text: string): string {
  return UNSAFE_ONE.test(text) ? text.replace(UNSAFE, escapeOne) : text;
}
