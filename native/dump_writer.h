// A dump file (.ntm) written from C++, for the moment JS cannot run: when the
// JS heap nears its limit (native/heap_limit_dump.h). The same bytes as
// lib/model/dump/codec.ts writes (layout: lib/model/dump/layout.ts,
// docs/formats.md), deflated with the zlib Node itself carries, and written
// with plain POSIX calls, atomically (temporary file, fsync, rename), as
// lib/helpers/atomic-write.ts. Nothing here touches the JS heap.
#ifndef TRACEMALLOC_DUMP_WRITER_H_
#define TRACEMALLOC_DUMP_WRITER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "profile_table.h"

namespace tracemalloc {

// The info block's fields (lib/model/dump/layout.ts).
struct DumpInfo {
  uint32_t traceback_limit = 1;
  double interval = 1;
  double timestamp_ms = 0;  // since the epoch
  double session = 0;
  uint8_t view = 0;      // 0 live, 1 allocated, 2 peak
  uint8_t inlining = 0;  // 0 unknown, 1 on, 2 off
  uint32_t domain = 0;   // every sample's sampleDomain (the thread id)
};

// The whole file. Deflated at level 1 like the JS writer's default; stored
// (flags 0, which readers accept) if zlib fails. Empty when the strings
// pass the format's 4 GiB limit.
std::vector<uint8_t> EncodeDump(const TableColumns& table,
                                const DumpInfo& info);

// Writes `bytes` to `path` through `.<name>.<pid>-<hex>.tmp` beside it, then
// renames it over `path`. Returns "" or what failed (with strerror).
std::string WriteFileAtomic(const std::string& path,
                            const std::vector<uint8_t>& bytes);

// `s` if it is valid UTF-8, else with each byte that is not replaced by
// U+FFFD: readers refuse a dump whose strings are not UTF-8.
std::string ValidUtf8(const std::string& s);

}  // namespace tracemalloc

#endif  // TRACEMALLOC_DUMP_WRITER_H_
