// ScriptMemory: what V8 said about each script while it lived.
//
// GetAllocationProfile() names a frame's script, line and column by looking
// the script up in the heap; a sample outlives its function's script once
// nothing can call that function any more (a CommonJS main module whose
// functions are done is freed by the next full GC), and its frames then come
// back with no name and line 0. Every profile walk remembers names and
// positions by (script id, start position), and fills them back in for
// scripts that are gone. Bounded by the code that allocated, not by samples.
#ifndef TRACEMALLOC_SCRIPT_MEMORY_H_
#define TRACEMALLOC_SCRIPT_MEMORY_H_

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>

namespace tracemalloc {

class ScriptMemory {
 public:
  void Clear() {
    names_.clear();
    positions_.clear();
  }

  // `name`: the script's name as V8 gave it ("" once freed); learned when
  // set, recalled when empty.
  void Name(int script_id, std::string* name) {
    if (!name->empty()) {
      names_[script_id] = *name;
      return;
    }
    auto it = names_.find(script_id);
    if (it != names_.end()) *name = it->second;
  }

  // `line`, `column`: 1-based, 0 once the script is freed.
  void Position(int script_id, int start, int* line, int* column) {
    const uint64_t key =
        (static_cast<uint64_t>(static_cast<uint32_t>(script_id)) << 32) |
        static_cast<uint32_t>(start);
    if (*line > 0) {
      positions_[key] = {*line, *column};
      return;
    }
    auto it = positions_.find(key);
    if (it != positions_.end()) {
      *line = it->second.first;
      *column = it->second.second;
    }
  }

 private:
  std::unordered_map<int, std::string> names_;
  std::unordered_map<uint64_t, std::pair<int, int>> positions_;
};

}  // namespace tracemalloc

#endif  // TRACEMALLOC_SCRIPT_MEMORY_H_
