// ProfileTable: one walk of a v8::AllocationProfile into interned columns.
//
//   strings  every function and script name, once
//   frames   (script id, start position, line, column, name, file); one row
//            per distinct (script id, start position, name). V8 node ids are
//            not stable across profiles, so they are never used as keys.
//   stacks   (frame, parent stack): a whole call stack is one integer
//   samples  (stack, size, count, sample id)
//
// A sample's stack keeps `frames` frames (the traceback limit) counted from
// the nearest frame that has a script, plus the frames without a script
// (builtins) in front of it: V8 records kBuiltinFrames more than the limit
// (see sampler.h) and the outer ones are trimmed here, so that `split` called
// by `parseLine` still names `parseLine` at frames = 1.
//
// JS receives typed arrays, never one object per node (building a JS object
// tree per profile node is what makes other profilers' snapshots slow).
#ifndef TRACEMALLOC_PROFILE_TABLE_H_
#define TRACEMALLOC_PROFILE_TABLE_H_

#include <napi.h>
#include <v8-profiler.h>
#include <v8.h>

#include <cstdint>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "columns.h"
#include "sample_column.h"
#include "script_memory.h"

namespace tracemalloc {

// Whether V8's AllocationProfile::Sample says if its object is still live
// (`is_live`, added in V8 14; Node 26): detected from the struct itself
// rather than a version number, since the field arrived within a major.
template <typename S, typename = void>
struct SampleHasIsLive : std::false_type {};
template <typename S>
struct SampleHasIsLive<S, std::void_t<decltype(std::declval<S>().is_live)>>
    : std::true_type {};

template <typename S>
bool SampleIsLive(const S& sample) {
  if constexpr (SampleHasIsLive<S>::value) {
    return sample.is_live;
  } else {
    return true;  // without the collected-object flags every sample is live
  }
}

// A built table's columns, read-only, for the writers that run without JS
// (native/dump_writer.h, native/top_text.h).
struct TableColumns {
  const std::vector<std::string>& strings;
  const std::vector<uint32_t>& frame_name;
  const std::vector<uint32_t>& frame_file;
  const std::vector<int32_t>& frame_line;
  const std::vector<int32_t>& frame_column;
  const std::vector<int32_t>& frame_script_id;
  const std::vector<int32_t>& frame_start;
  const std::vector<uint32_t>& stack_frame;
  const std::vector<int32_t>& stack_parent;
  const SampleColumn<uint32_t>& sample_stack;
  const SampleColumn<double>& sample_size;
  const SampleColumn<double>& sample_count;
  const SampleColumn<double>& sample_id;
};

class ProfileTable {
 public:
  static constexpr bool kSamplesSayLive =
      SampleHasIsLive<v8::AllocationProfile::Sample>::value;

  // Samples whose innermost frame that is neither a builtin nor a node:
  // module lies in a script whose name starts with one of `own_prefixes` are
  // the tracer's own work and are left out.
  // `memory` (may be null) names frames of scripts V8 has freed since an
  // earlier walk, and learns from this one.
  // `frames`: the traceback limit (V8 recorded up to kBuiltinFrames more).
  ProfileTable(v8::Isolate* isolate, std::vector<std::string> own_prefixes,
               uint64_t interval, int frames, ScriptMemory* memory);

  // Keep only samples V8 marks live (a sampler keeping collected objects,
  // where kSamplesSayLive); call before Build.
  void SetLiveOnly(bool live_only) { live_only_ = live_only; }
  // Write the sample columns into JS ArrayBuffers that ToJs hands over
  // without a copy; the table is then only good within this JS call. Call
  // before Build.
  void SetJsColumns(napi_env env) { js_columns_ = env; }
  void Build(v8::AllocationProfile* profile);
  Napi::Object ToJs(Napi::Env env) const;
  // The columns ToJs hands to JS, for native writers; valid while this lives.
  TableColumns Columns() const {
    return {strings_.strings(), frame_name_,      frame_file_,  frame_line_,
            frame_column_,      frame_script_id_, frame_start_, stack_frame_,
            stack_parent_,      sample_stack_,    sample_size_, sample_count_,
            sample_id_};
  }
  // Bytes and objects of the samples kept (the tracer's own left out), once
  // built.
  double TotalSize() const;
  double TotalCount() const;

 private:
  struct FrameKey {
    int script_id;
    int start_position;
    uint32_t name;
    bool operator==(const FrameKey& o) const {
      return script_id == o.script_id && start_position == o.start_position &&
             name == o.name;
    }
  };
  struct FrameKeyHash {
    size_t operator()(const FrameKey& k) const {
      return (static_cast<size_t>(k.script_id) * 1000003u) ^
             (static_cast<size_t>(k.start_position) * 8191u) ^ k.name;
    }
  };

  uint32_t Intern(const std::string& s);
  std::string Utf8(v8::Local<v8::String> s) const;
  uint32_t InternV8(v8::Local<v8::String> s);
  uint32_t FileIndex(const v8::AllocationProfile::Node* node);
  uint32_t FrameIndex(const v8::AllocationProfile::Node* node, bool* own);
  void WalkTree(v8::AllocationProfile::Node* root);
  void AddSamples(v8::AllocationProfile* profile);
  // Index (walk order) of a V8 node id; -1 for the root (no JS frame).
  int64_t NodeOfId(uint32_t node_id) const;
  // Appends a kept sample of `node` (walk order).
  void AddSample(uint32_t node, size_t bytes, uint64_t id);
  // A sample placed at its id: its node, kEmpty (no sample has that id) or
  // kSkipped (not kept), and its size (V8's objects are under 4 GB).
  struct Placed {
    uint32_t node;
    uint32_t size;
  };
  static constexpr uint32_t kSkipped = UINT32_MAX - 1;
  static constexpr uint32_t kEmpty = UINT32_MAX;
  // Stack row of the node's path without its `drop` outermost frames.
  int32_t TrimmedStack(uint32_t node, int32_t drop);
  int32_t InternStack(uint32_t frame, int32_t parent);
  void Compact();

  v8::Isolate* isolate_;
  std::vector<std::string> own_prefixes_;
  uint64_t interval_;
  int frames_;
  ScriptMemory* memory_;
  bool live_only_ = false;

  StringInterner strings_;
  std::unordered_map<int, uint32_t> file_by_script_;

  std::unordered_map<FrameKey, uint32_t, FrameKeyHash> frame_index_;
  std::vector<uint32_t> frame_name_, frame_file_;
  std::vector<int32_t> frame_line_, frame_column_, frame_script_id_,
      frame_start_;
  std::vector<uint8_t> frame_own_;          // in the tracer's own files
  std::vector<uint8_t> frame_transparent_;  // builtin or node: module
  std::vector<uint8_t> frame_scriptless_;   // builtin, or a pseudo frame

  // V8's tree, one entry per node in walk order (parents first).
  std::unordered_map<uint32_t, uint32_t> node_by_id_;
  // The same, as a flat array indexed by node id when ids are dense enough.
  std::vector<int64_t> node_of_id_;
  uint32_t max_node_id_ = 0;
  std::vector<int32_t> node_parent_;  // -1: a child of the root
  std::vector<uint32_t> node_frame_;
  std::vector<int32_t> node_depth_;  // frames on the path, this one included
  std::vector<int32_t> node_drop_;   // outer frames its samples do not keep
  std::vector<uint8_t> node_own_;    // samples here are the tracer's own
  std::vector<int32_t> node_stack_;  // its samples' stack row; -2 not yet made
  // TrimmedStack's memo for drop > 0, keyed by (node, drop).
  std::unordered_map<uint64_t, int32_t> trimmed_;

  // Stack rows, interned by (frame, parent): trimmed paths of different
  // nodes can be one stack.
  std::unordered_map<uint64_t, uint32_t> stack_index_;
  std::vector<uint32_t> stack_frame_;
  std::vector<int32_t> stack_parent_;  // -1: outermost recorded frame

  napi_env js_columns_ = nullptr;  // see SetJsColumns
  SampleColumn<uint32_t> sample_stack_;
  SampleColumn<double> sample_size_, sample_count_, sample_id_;

  // Bytes, objects and whether any sample, per stack row plus a last slot
  // for samples with no row: what lib/model/slot-sums.ts sumBySlot makes of
  // the sample columns, summed by AddSample in the same order, so the same
  // doubles. JS then skips its one pass over every sample
  // (docs/performance.md).
  std::vector<double> stack_total_size_, stack_total_count_;
  std::vector<uint8_t> stack_total_used_;
  double loose_size_ = 0, loose_count_ = 0;
  uint8_t loose_used_ = 0;
  // Sizes the sums to the stack rows and appends the no-row slot.
  void CloseStackTotals();
};

}  // namespace tracemalloc

#endif  // TRACEMALLOC_PROFILE_TABLE_H_
