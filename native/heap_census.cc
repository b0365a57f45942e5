#include "heap_census.h"

#include <cstring>
#include <iterator>
#include <memory>
#include <string>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "columns.h"
#include "v8_values.h"

namespace tracemalloc {

namespace {

// V8's HeapGraphNode::Type in enum order, spelt as in the "node_types" of a
// .heapsnapshot file, so rows read like DevTools and the JSON format.
constexpr const char* kTypeNames[] = {
    "hidden",               // kHidden
    "array",                // kArray: internal arrays, not JS Arrays
    "string",               // kString
    "object",               // kObject
    "code",                 // kCode
    "closure",              // kClosure
    "regexp",               // kRegExp
    "number",               // kHeapNumber
    "native",               // kNative
    "synthetic",            // kSynthetic
    "concatenated string",  // kConsString
    "sliced string",        // kSlicedString
    "symbol",               // kSymbol
    "bigint",               // kBigInt
    "object shape",         // kObjectShape
    "wasm object",          // kWasmObject
};
constexpr uint32_t kKnownTypes = static_cast<uint32_t>(std::size(kTypeNames));

// Isolates in Node are each bound to one thread (main or a worker), so a
// thread-local flag is a per-isolate flag. TakeHeapSnapshot runs full GCs,
// whose callbacks could in principle reach JS and call us again; V8 must not
// start a snapshot inside another one.
thread_local bool census_running = false;

class RunningFlag {
 public:
  RunningFlag() { census_running = true; }
  ~RunningFlag() { census_running = false; }
  RunningFlag(const RunningFlag&) = delete;
  RunningFlag& operator=(const RunningFlag&) = delete;
};

// V8 hands out snapshots as const but deletes them through a non-const
// method; the const_cast is what its API expects (Node does the same).
struct SnapshotDeleter {
  void operator()(const v8::HeapSnapshot* snapshot) const {
    const_cast<v8::HeapSnapshot*>(snapshot)->Delete();
  }
};
using SnapshotPtr = std::unique_ptr<const v8::HeapSnapshot, SnapshotDeleter>;

// A snapshot costs about 1.3 KB of malloc'd memory per heap object (1.3 GB
// for a million, measured). Delete() frees it, but glibc keeps the freed
// pages mapped: RSS stayed at 1.4 GB after a census of 1M objects, and fell
// to 180 MB with malloc_trim (which cost 10 ms at 100k objects, 80-100 ms
// at 1M, against seconds for the snapshot).
void ReturnFreedMemory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace

HeapCensus::HeapCensus(v8::Isolate* isolate) : isolate_(isolate) {
  // Type t is string t, so a row's type needs no lookup.
  for (const char* name : kTypeNames) Intern(name);
}

HeapCensus::Status HeapCensus::Take() {
  if (census_running) return Status::kBusy;
  RunningFlag running;
  v8::HeapProfiler* profiler = isolate_->GetHeapProfiler();
  // Default options: internals hidden as in DevTools' regular snapshots,
  // numeric values not captured (we never read names of numbers).
  SnapshotPtr snapshot(profiler->TakeHeapSnapshot());
  if (!snapshot) return Status::kFailed;
  Count(snapshot.get());
  snapshot.reset();
  ReturnFreedMemory();
  // Not profiler->ClearObjectIds(), although V8 keeps an id per live object
  // from the first snapshot on and tracks object moves in every GC after it
  // (as after v8.writeHeapSnapshot() or a DevTools snapshot): it would break
  // DevTools' snapshot comparisons, and V8's allocation tracker (DevTools'
  // "allocation instrumentation on timeline") keeps a raw pointer to the id
  // map that ClearObjectIds frees.
  return Status::kOk;
}

void HeapCensus::Count(const v8::HeapSnapshot* snapshot) {
  const int count = snapshot->GetNodesCount();
  nodes_ = count;
  for (int i = 0; i < count; i++) {
    const v8::HeapGraphNode* node = snapshot->GetNode(i);
    const auto type = static_cast<uint32_t>(node->GetType());
    const double size = static_cast<double>(node->GetShallowSize());
    if (type == v8::HeapGraphNode::kSynthetic) {
      synthetic_count_ += 1;
      synthetic_size_ += size;
      continue;
    }
    // A type newer than this file gets a name of its own, never a crash.
    const uint32_t type_name =
        type < kKnownTypes ? type : Intern("type " + std::to_string(type));
    const uint32_t name = NameOf(node, type);
    const uint64_t key = (static_cast<uint64_t>(type_name) << 32) | name;
    auto inserted =
        row_index_.emplace(key, static_cast<uint32_t>(row_type_.size()));
    if (inserted.second) {
      row_type_.push_back(type_name);
      row_name_.push_back(name);
      row_count_.push_back(0);
      row_size_.push_back(0);
    }
    const uint32_t row = inserted.first->second;
    row_count_[row] += 1;
    row_size_[row] += size;
  }
}

uint32_t HeapCensus::NameOf(const v8::HeapGraphNode* node, uint32_t type) {
  if (type != v8::HeapGraphNode::kObject &&
      type != v8::HeapGraphNode::kClosure &&
      type != v8::HeapGraphNode::kNative) {
    // Never GetName() these: it internalizes the name into the JS heap, and a
    // string node's name is the string's contents (up to 1 KiB each).
    return type < kKnownTypes ? type : Intern("type " + std::to_string(type));
  }
  // GetName() returns a fresh handle per node: one scope each, so a heap of
  // a million objects does not pile up a million handles.
  v8::HandleScope scope(isolate_);
  v8::Local<v8::String> name = node->GetName();
  if (name.IsEmpty() || name->Length() == 0) {
    // V8 names anonymous functions ""; objects and natives always have a
    // name, but fall back to the type rather than an empty row label.
    return type == v8::HeapGraphNode::kClosure ? Intern("(anonymous)") : type;
  }
  return Intern(Utf8Of(isolate_, name));
}

uint32_t HeapCensus::Intern(const std::string& s) { return strings_.Intern(s); }

Napi::Object HeapCensus::ToJs(Napi::Env env) const {
  Napi::Object out = Napi::Object::New(env);
  out.Set("strings", StringColumn(env, strings_.strings()));
  out.Set("rowType", Column<Napi::Uint32Array>(env, row_type_));
  out.Set("rowName", Column<Napi::Uint32Array>(env, row_name_));
  out.Set("rowCount", Column<Napi::Float64Array>(env, row_count_));
  out.Set("rowSize", Column<Napi::Float64Array>(env, row_size_));
  out.Set("syntheticCount", Napi::Number::New(env, synthetic_count_));
  out.Set("syntheticSize", Napi::Number::New(env, synthetic_size_));
  out.Set("nodes", Napi::Number::New(env, nodes_));
  return out;
}

}  // namespace tracemalloc
