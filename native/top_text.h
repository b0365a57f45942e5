// The top lines of a table as text, from C++: what `tracemalloc top` and
// `snapshot.statistics('lineno')` print, for the moment JS cannot run (the
// heap near its limit, native/heap_limit_dump.h). Each line is Python's
// `str(statistic)`: `app.js:12: size=5120 B, count=80, average=64 B`,
// grouped, sorted and rounded as lib/model/statistics.ts does (traces charged
// to their nearest frame with a script, lib/model/attribution.ts), so that the
// text matches what the dump beside it gives in JS, line for line.
#ifndef TRACEMALLOC_TOP_TEXT_H_
#define TRACEMALLOC_TOP_TEXT_H_

#include <cstddef>
#include <string>
#include <vector>

#include "profile_table.h"

namespace tracemalloc {

struct TopLines {
  std::vector<std::string> lines;  // the first `top`, largest first
  size_t keys = 0;                 // distinct lines in all
  double size = 0;                 // bytes of every trace
  double count = 0;                // objects of every trace
};

TopLines TopByLine(const TableColumns& table, size_t top);

// Python's tracemalloc._format_size: `5120 B`, `12.5 KiB`, `100 MiB`.
std::string FormatSize(double bytes);

// lib/helpers/control-chars.ts escapeControlChars on UTF-8: control characters,
// line separators and bidi controls as visible escapes (`\x1b`, `\u202e`).
std::string EscapeControlChars(const std::string& text);

}  // namespace tracemalloc

#endif  // TRACEMALLOC_TOP_TEXT_H_
