// HeapCensus: how many objects of each kind the JS heap holds now, and their
// shallow bytes, Node's answer to Python's `len(gc.get_objects())`.
//
// V8 has no public way to walk the heap except a heap snapshot, so a census
// takes one (HeapProfiler::TakeHeapSnapshot), walks its nodes in C++ and keeps
// only one row per (node type, name), then deletes the snapshot. Nothing of
// the snapshot crosses into JS: no JSON, no object per node; JS receives a few
// hundred to a few thousand aggregated rows as typed columns over a string
// table (see ToJs).
//
// Rows are named so that a leak shows up as one row that grows:
//   object   constructor name, as V8 names it ("MyObject", "Array", "Object",
//            "system / Context" for closure scopes)
//   closure  function name ("onData"; "(anonymous)"; "native_bind" for bound
//            functions). DevTools puts every closure in one "(closure)" group;
//            per name, leaked listeners/callbacks show as their own row.
//   native   V8's or Node's name ("system / JSArrayBufferData", "Node / ...").
//            Their sizes are memory outside the JS heap (ArrayBuffer backing
//            stores, Node's C++ objects), as V8 and Node report them.
//   others   the node type itself ("string", "code", "hidden", "array", ...):
//            their names are string contents, regexp sources or V8-internal
//            labels, not kinds.
// Synthetic nodes ("(GC roots)", "(Strong roots)", Node's "Node / Environment"
// root, ...) only group the graph: they are counted apart, not as objects.
#ifndef TRACEMALLOC_HEAP_CENSUS_H_
#define TRACEMALLOC_HEAP_CENSUS_H_

#include <napi.h>
#include <v8-profiler.h>
#include <v8.h>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "columns.h"

namespace tracemalloc {

class HeapCensus {
 public:
  enum class Status {
    kOk,
    // A census is already being taken in this thread: TakeHeapSnapshot runs
    // GCs, and V8 must not start a second snapshot from inside the first.
    kBusy,
    // V8 returned no snapshot.
    kFailed,
  };

  explicit HeapCensus(v8::Isolate* isolate);
  HeapCensus(const HeapCensus&) = delete;
  HeapCensus& operator=(const HeapCensus&) = delete;

  // Takes the snapshot (V8 collects all available garbage first), counts it
  // and deletes it, even if counting throws (std::bad_alloc).
  Status Take();

  // { strings: string[], rowType, rowName: Uint32Array (into strings),
  //   rowCount, rowSize: Float64Array, syntheticCount, syntheticSize,
  //   nodes: every node in the snapshot }
  Napi::Object ToJs(Napi::Env env) const;

 private:
  void Count(const v8::HeapSnapshot* snapshot);
  uint32_t NameOf(const v8::HeapGraphNode* node, uint32_t type);
  uint32_t Intern(const std::string& s);

  v8::Isolate* isolate_;

  // Type names come first, in V8's enum order: type t is strings_[t] (see
  // kTypeNames in the .cc); then names, each once.
  StringInterner strings_;

  // Key: type << 32 | name string index.
  std::unordered_map<uint64_t, uint32_t> row_index_;
  std::vector<uint32_t> row_type_, row_name_;
  std::vector<double> row_count_, row_size_;

  double synthetic_count_ = 0;
  double synthetic_size_ = 0;
  double nodes_ = 0;
};

}  // namespace tracemalloc

#endif  // TRACEMALLOC_HEAP_CENSUS_H_
