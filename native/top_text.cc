#include "top_text.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <utility>

namespace tracemalloc {

namespace {

// lib/model/frame.ts PSEUDO_FRAMES: V8's names for samples with no JS function.
bool IsPseudoFrame(const std::string& name) {
  static const char* const kNames[] = {"(V8 API)",
                                       "(GC)",
                                       "(EXTERNAL)",
                                       "(JS)",
                                       "(BYTECODE_COMPILER)",
                                       "(COMPILER)",
                                       "(OTHER)",
                                       "(PARSER)",
                                       "(LOGGING)",
                                       "(IDLE)",
                                       "(IDLE_EXTERNAL)",
                                       "(ATOMICS_WAIT)",
                                       "(root)",
                                       "(program)"};
  for (const char* pseudo : kNames) {
    if (name == pseudo) return true;
  }
  return false;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// fileURLToPath for the file URLs V8 names ES modules by (no host): the path
// percent-decoded, without query or fragment; as is when Node would refuse it
// (a host, an encoded `/`), as lib/model/frame.ts keeps it then.
std::string FilePath(const std::string& name) {
  const std::string prefix = "file:///";
  if (name.compare(0, prefix.size(), prefix) != 0) return name;
  std::string raw = name.substr(prefix.size() - 1);
  raw = raw.substr(0, raw.find_first_of("?#"));
  std::string out;
  for (size_t i = 0; i < raw.size(); i++) {
    if (raw[i] == '%' && i + 2 < raw.size() && HexValue(raw[i + 1]) >= 0 &&
        HexValue(raw[i + 2]) >= 0) {
      const char c =
          static_cast<char>(HexValue(raw[i + 1]) * 16 + HexValue(raw[i + 2]));
      if (c == '/' || c == '\0') return name;
      out.push_back(c);
      i += 2;
    } else {
      out.push_back(raw[i]);
    }
  }
  return out;
}

// JS's Math.round (halves up) with -0 as 0: lib/helpers/format.ts
// roundForDisplay.
double RoundForDisplay(double x) {
  double r = std::floor(x);
  if (x - r >= 0.5) r += 1;
  return r + 0.0;
}

std::string Fixed(double value, int digits) {
  // glibc prints the exact binary value correctly rounded, ties to even: as
  // lib/helpers/format-size.js toFixedHalfEven.
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

struct Key {
  std::string filename;
  int lineno;
};

}  // namespace

std::string FormatSize(double size) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = size;
  for (const char* unit : kUnits) {
    const bool bytes = unit == kUnits[0];
    if (std::fabs(value) < 100 && !bytes) return Fixed(value, 1) + " " + unit;
    if (std::fabs(value) < 10 * 1024 || unit == kUnits[4]) {
      return Fixed(value, 0) + " " + unit;
    }
    value /= 1024;
  }
  return Fixed(value, 0) + " TiB";  // unreachable: the loop returns at TiB
}

std::string EscapeControlChars(const std::string& text) {
  std::string out;
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  char escape[16];
  for (size_t i = 0; i < n;) {
    const unsigned char c = p[i];
    if (c < 0x20 || c == 0x7f) {
      if (c == '\n')
        out += "\\n";
      else if (c == '\r')
        out += "\\r";
      else if (c == '\t')
        out += "\\t";
      else {
        std::snprintf(escape, sizeof escape, "\\x%02x", c);
        out += escape;
      }
      i++;
    } else if (c == 0xc2 && i + 1 < n && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f) {
      std::snprintf(escape, sizeof escape, "\\x%02x", p[i + 1]);  // C1 controls
      out += escape;
      i += 2;
    } else if (c == 0xe2 && i + 2 < n &&
               ((p[i + 1] == 0x80 && p[i + 2] >= 0xa8 && p[i + 2] <= 0xae) ||
                (p[i + 1] == 0x81 && p[i + 2] >= 0xa6 && p[i + 2] <= 0xa9))) {
      // U+2028-U+202E (separators, bidi embeddings), U+2066-U+2069 (isolates).
      const unsigned code =
          0x2000u | ((p[i + 1] & 0x3fu) << 6) | (p[i + 2] & 0x3fu);
      std::snprintf(escape, sizeof escape, "\\u%04x", code);
      out += escape;
      i += 3;
    } else {
      out.push_back(static_cast<char>(c));
      i++;
    }
  }
  return out;
}

TopLines TopByLine(const TableColumns& t, size_t top) {
  const size_t stacks = t.stack_frame.size();
  // 1. Per stack row, in sample order (lib/model/snapshot.ts stackTotals).
  std::vector<double> row_size(stacks, 0), row_count(stacks, 0);
  std::vector<uint8_t> row_used(stacks, 0);
  TopLines result;
  for (size_t i = 0; i < t.sample_stack.size(); i++) {
    const uint32_t s = t.sample_stack[i];
    if (s >= stacks) continue;  // no stack row: never made by ProfileTable
    row_size[s] += t.sample_size[i];
    row_count[s] += t.sample_count[i];
    row_used[s] = 1;
    result.size += t.sample_size[i];
    result.count += t.sample_count[i];
  }
  // 2. Each used row's key: its nearest frame with a script, or its own.
  auto scriptless = [&](uint32_t frame) {
    return t.frame_script_id[frame] <= 0 &&
           t.strings[t.frame_file[frame]].empty();
  };
  std::map<std::pair<std::string, int>, size_t> key_of;
  std::vector<Key> keys;
  std::vector<double> key_size, key_count;
  std::vector<int64_t> key_of_row(stacks, -1);
  for (size_t s = 0; s < stacks; s++) {
    if (!row_used[s]) continue;
    int64_t row = static_cast<int64_t>(s);
    for (int64_t r = row; r >= 0; r = t.stack_parent[r]) {
      if (!scriptless(t.stack_frame[r])) {
        row = r;
        break;
      }
    }
    const uint32_t frame = t.stack_frame[row];
    const std::string& file = t.strings[t.frame_file[frame]];
    const std::string& name = t.strings[t.frame_name[frame]];
    Key key;
    if (file.empty()) {  // lib/model/frame.ts Frame.fromV8
      key = {IsPseudoFrame(name) ? name : std::string("<unknown>"), 0};
    } else {
      key = {FilePath(file), std::max(t.frame_line[frame], 0)};
    }
    auto [it, added] =
        key_of.try_emplace({key.filename, key.lineno}, keys.size());
    if (added) {
      keys.push_back(key);
      key_size.push_back(0);
      key_count.push_back(0);
    }
    key_of_row[s] = static_cast<int64_t>(it->second);
  }
  // 3. Rows into keys, in row order (lib/model/statistics.ts groupBy).
  for (size_t s = 0; s < stacks; s++) {
    if (key_of_row[s] < 0) continue;
    key_size[key_of_row[s]] += row_size[s];
    key_count[key_of_row[s]] += row_count[s];
  }
  // 4. Python's order: descending by (size, count, (filename, lineno)).
  std::vector<size_t> order(keys.size());
  for (size_t k = 0; k < order.size(); k++) order[k] = k;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (key_size[a] != key_size[b]) return key_size[a] > key_size[b];
    if (key_count[a] != key_count[b]) return key_count[a] > key_count[b];
    // UTF-8 bytes compare as code points, as lib/model/statistics.ts
    // compareStrings.
    if (keys[a].filename != keys[b].filename)
      return keys[a].filename > keys[b].filename;
    return keys[a].lineno > keys[b].lineno;
  });
  result.keys = keys.size();
  for (size_t i = 0; i < order.size() && i < top; i++) {
    const size_t k = order[i];
    const double size = RoundForDisplay(key_size[k]);
    const double count = RoundForDisplay(key_count[k]);
    std::string line = EscapeControlChars(keys[k].filename) + ":" +
                       std::to_string(keys[k].lineno) +
                       ": size=" + FormatSize(size) +
                       ", count=" + Fixed(count, 0);
    if (count != 0) line += ", average=" + FormatSize(size / count);
    result.lines.push_back(std::move(line));
  }
  return result;
}

}  // namespace tracemalloc
