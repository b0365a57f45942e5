#include "profile_table.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

#include "columns.h"
#include "v8_values.h"

namespace tracemalloc {

namespace {

// Keeps only the entries marked in `used`, in order; returns old -> new index
// (or -1 for dropped entries).
std::vector<int64_t> Renumber(const std::vector<uint8_t>& used) {
  std::vector<int64_t> remap(used.size(), -1);
  int64_t next = 0;
  for (size_t i = 0; i < used.size(); i++) {
    if (used[i]) remap[i] = next++;
  }
  return remap;
}

template <typename T>
void KeepUsed(std::vector<T>* column, const std::vector<int64_t>& remap) {
  size_t out = 0;
  for (size_t i = 0; i < column->size(); i++) {
    if (remap[i] >= 0) (*column)[out++] = (*column)[i];
  }
  column->resize(out);
}

}  // namespace

ProfileTable::ProfileTable(v8::Isolate* isolate,
                           std::vector<std::string> own_prefixes,
                           uint64_t interval, int frames, ScriptMemory* memory)
    : isolate_(isolate),
      own_prefixes_(std::move(own_prefixes)),
      interval_(interval),
      frames_(frames),
      memory_(memory) {}

uint32_t ProfileTable::Intern(const std::string& s) {
  return strings_.Intern(s);
}

std::string ProfileTable::Utf8(v8::Local<v8::String> s) const {
  return Utf8Of(isolate_, s);
}

uint32_t ProfileTable::InternV8(v8::Local<v8::String> s) {
  return Intern(Utf8(s));
}

uint32_t ProfileTable::FileIndex(const v8::AllocationProfile::Node* node) {
  // Script names repeat on every node of a script: convert each script once.
  if (node->script_id == v8::UnboundScript::kNoScriptId) {
    return InternV8(node->script_name);
  }
  auto it = file_by_script_.find(node->script_id);
  if (it != file_by_script_.end()) return it->second;
  std::string name = Utf8(node->script_name);
  if (memory_ != nullptr) memory_->Name(node->script_id, &name);
  uint32_t index = Intern(name);
  file_by_script_.emplace(node->script_id, index);
  return index;
}

uint32_t ProfileTable::FrameIndex(const v8::AllocationProfile::Node* node,
                                  bool* own) {
  uint32_t name = InternV8(node->name);
  FrameKey key{node->script_id, node->start_position, name};
  auto it = frame_index_.find(key);
  if (it != frame_index_.end()) {
    *own = frame_own_[it->second] != 0;
    return it->second;
  }
  uint32_t file = FileIndex(node);
  const std::string& file_name = strings_[file];
  bool is_own = false;
  for (const std::string& prefix : own_prefixes_) {
    if (!prefix.empty() && file_name.compare(0, prefix.size(), prefix) == 0) {
      is_own = true;
      break;
    }
  }
  // Builtins (no script) and Node's own modules act for whoever called them.
  const bool scriptless = node->script_id == v8::UnboundScript::kNoScriptId;
  frame_scriptless_.push_back(scriptless ? 1 : 0);
  frame_transparent_.push_back(
      scriptless || file_name.compare(0, 5, "node:") == 0 ? 1 : 0);
  uint32_t index = static_cast<uint32_t>(frame_name_.size());
  frame_index_.emplace(key, index);
  frame_name_.push_back(name);
  frame_file_.push_back(file);
  int line = node->line_number;
  int column = node->column_number;
  if (memory_ != nullptr && node->script_id != v8::UnboundScript::kNoScriptId) {
    memory_->Position(node->script_id, node->start_position, &line, &column);
  }
  frame_line_.push_back(line);
  frame_column_.push_back(column);
  frame_script_id_.push_back(node->script_id);
  frame_start_.push_back(node->start_position);
  frame_own_.push_back(is_own ? 1 : 0);
  *own = is_own;
  return index;
}

void ProfileTable::WalkTree(v8::AllocationProfile::Node* root) {
  // Iterative: stacks can be up to 65535 frames deep, too deep to recurse.
  // Per node: consecutive frames without a script ending at it (a run of
  // builtins, innermost first) and whether a scripted frame lies on its path.
  std::vector<int32_t> leaf_run;
  std::vector<uint8_t> scripted;
  std::vector<std::pair<v8::AllocationProfile::Node*, int32_t>> pending;
  for (auto* child : root->children) pending.emplace_back(child, -1);
  while (!pending.empty()) {
    auto [node, parent] = pending.back();
    pending.pop_back();
    bool own = false;
    uint32_t frame = FrameIndex(node, &own);
    const auto index = static_cast<int32_t>(node_frame_.size());
    const bool scriptless = frame_scriptless_[frame] != 0;
    const int32_t depth = parent >= 0 ? node_depth_[parent] + 1 : 1;
    const int32_t run =
        scriptless ? (parent >= 0 ? leaf_run[parent] : 0) + 1 : 0;
    const bool any_script =
        !scriptless || (parent >= 0 && scripted[parent] != 0);
    // Samples here keep the builtins in front of the nearest scripted frame
    // plus `frames_` frames from it; with no scripted frame recorded, the
    // `frames_` innermost, as V8 alone would have kept.
    const int32_t keep = std::min(depth, any_script ? run + frames_ : frames_);
    node_parent_.push_back(parent);
    node_frame_.push_back(frame);
    node_depth_.push_back(depth);
    node_drop_.push_back(depth - keep);
    leaf_run.push_back(run);
    scripted.push_back(any_script ? 1 : 0);
    // A sample is the tracer's own when the innermost frame that is neither
    // a builtin nor a node: module is ours: our code calling Object.keys or
    // an iterator allocates in the builtin's frame. Parents come first in
    // this walk, so their verdict is ready.
    bool node_own = frame_transparent_[frame]
                        ? (parent >= 0 && node_own_[parent] != 0)
                        : own;
    node_own_.push_back(node_own ? 1 : 0);
    node_by_id_.emplace(node->node_id, static_cast<uint32_t>(index));
    max_node_id_ = std::max(max_node_id_, node->node_id);
    for (auto* child : node->children) pending.emplace_back(child, index);
  }
  node_stack_.assign(node_frame_.size(), -2);
}

int64_t ProfileTable::NodeOfId(uint32_t node_id) const {
  if (!node_of_id_.empty()) {
    return node_id < node_of_id_.size() ? node_of_id_[node_id] : -1;
  }
  auto it = node_by_id_.find(node_id);
  return it == node_by_id_.end() ? -1 : static_cast<int64_t>(it->second);
}

int32_t ProfileTable::InternStack(uint32_t frame, int32_t parent) {
  const uint64_t key =
      (static_cast<uint64_t>(frame) << 32) | static_cast<uint32_t>(parent + 1);
  auto it = stack_index_.find(key);
  if (it != stack_index_.end()) return static_cast<int32_t>(it->second);
  const auto row = static_cast<uint32_t>(stack_frame_.size());
  stack_frame_.push_back(frame);
  stack_parent_.push_back(parent);
  stack_index_.emplace(key, row);
  return static_cast<int32_t>(row);
}

int32_t ProfileTable::TrimmedStack(uint32_t node, int32_t drop) {
  // Dropping `drop` outer frames of a path drops the same number of its
  // parent's path, so the trimmed stack is (this frame, the parent's path
  // trimmed by `drop`). Climb to a known row (or to the `drop` outermost
  // frames, which are dropped), then intern back down: parents get smaller
  // rows than their children.
  auto memo = [&](uint32_t n) -> int32_t* {
    if (drop == node_drop_[n]) return &node_stack_[n];
    auto it = trimmed_
                  .try_emplace((static_cast<uint64_t>(n) << 32) |
                                   static_cast<uint32_t>(drop),
                               -2)
                  .first;
    return &it->second;
  };
  std::vector<uint32_t> chain;
  int32_t row = -1;
  for (int32_t n = static_cast<int32_t>(node); n >= 0 && node_depth_[n] > drop;
       n = node_parent_[n]) {
    const int32_t known = *memo(static_cast<uint32_t>(n));
    if (known != -2) {
      row = known;
      break;
    }
    chain.push_back(static_cast<uint32_t>(n));
  }
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    row = InternStack(node_frame_[*it], row);
    *memo(*it) = row;
  }
  return row;
}

void ProfileTable::AddSamples(v8::AllocationProfile* profile) {
  // Node ids are small integers (V8 numbers nodes as it creates them): look
  // stacks up in a flat array rather than hashing once per sample, unless
  // the ids are too sparse for that.
  if (max_node_id_ < 16 * (node_by_id_.size() + 1)) {
    node_of_id_.assign(static_cast<size_t>(max_node_id_) + 1, -1);
    for (const auto& [id, node] : node_by_id_) {
      node_of_id_[id] = static_cast<int64_t>(node);
    }
  }
  const std::vector<v8::AllocationProfile::Sample>& samples =
      profile->GetSamples();
  // The node of a sample we keep, or -1.
  auto kept_node = [&](const v8::AllocationProfile::Sample& s) -> int64_t {
    const int64_t node = NodeOfId(s.node_id);
    if (node < 0) return -1;                        // root itself: no JS frame
    if (node_own_[node]) return -1;                 // the tracer's own work
    if (live_only_ && !SampleIsLive(s)) return -1;  // collected since
    return node;
  };
  sample_stack_.Allocate(samples.size(), js_columns_);
  sample_size_.Allocate(samples.size(), js_columns_);
  sample_count_.Allocate(samples.size(), js_columns_);
  sample_id_.Allocate(samples.size(), js_columns_);
  // V8 keeps samples in a hash map: put them in time order (by sample id).
  // Ids are unique and numbered from 1, so when they are dense (no more
  // than 4 slots per live sample: few samples died) each sample is placed
  // at its id in one sequential read of V8's samples, then read back in id
  // order: O(n). A comparison sort of 1M pairs cost as much as V8's own
  // GetAllocationProfile (bench/RESULTS.md), and reading V8's samples in
  // id order, a cache miss each, a sixth of the snapshot (perf, 1M traces).
  uint64_t min_id = UINT64_MAX, max_id = 0;
  bool small_sizes = true;
  for (const auto& sample : samples) {
    min_id = std::min(min_id, sample.sample_id);
    max_id = std::max(max_id, sample.sample_id);
    small_sizes = small_sizes && sample.size < kSkipped;
  }
  if (!samples.empty() && small_sizes && max_id - min_id < 4 * samples.size()) {
    std::vector<Placed> by_id(max_id - min_id + 1, Placed{kEmpty, 0});
    bool repeated = false;
    for (const auto& s : samples) {
      Placed& slot = by_id[s.sample_id - min_id];
      repeated = repeated || slot.node != kEmpty;
      const int64_t node = kept_node(s);
      slot = Placed{node < 0 ? kSkipped : static_cast<uint32_t>(node),
                    static_cast<uint32_t>(s.size)};
    }
    if (!repeated) {
      for (size_t i = 0; i < by_id.size(); i++) {
        if (by_id[i].node >= kSkipped) continue;
        AddSample(by_id[i].node, by_id[i].size, min_id + i);
      }
      return;
    }
  }
  // Sparse ids (or a repeated id): sort.
  std::vector<std::pair<uint64_t, uint32_t>> pairs;
  pairs.reserve(samples.size());
  for (size_t i = 0; i < samples.size(); i++) {
    pairs.emplace_back(samples[i].sample_id, static_cast<uint32_t>(i));
  }
  std::sort(pairs.begin(), pairs.end());
  for (const auto& [id, index] : pairs) {
    const v8::AllocationProfile::Sample& s = samples[index];
    const int64_t node = kept_node(s);
    if (node >= 0) AddSample(static_cast<uint32_t>(node), s.size, id);
  }
}

void ProfileTable::AddSample(uint32_t node, size_t bytes, uint64_t id) {
  int32_t stack = node_stack_[node];
  if (stack == -2) stack = TrimmedStack(node, node_drop_[node]);
  double size = static_cast<double>(bytes);
  // V8's own Sample::count is scaled but rounded to an integer, which
  // biases estimates when objects are near the interval in size. Each V8
  // sample is one object: scale it ourselves, unrounded, as pprof does.
  // At interval 1 every allocation is sampled: no scaling at all.
  double count = ScaledCount(size, interval_);
  const double weighted = size * count;
  sample_stack_.push_back(static_cast<uint32_t>(stack));
  sample_size_.push_back(weighted);
  sample_count_.push_back(count);
  sample_id_.push_back(static_cast<double>(id));
  // Summed as sumBySlot sums the columns: the stored doubles, in sample
  // order (no fused multiply-add: binding.gyp turns contraction off).
  if (stack < 0) {
    loose_size_ += weighted;
    loose_count_ += count;
    loose_used_ = 1;
    return;
  }
  const size_t row = static_cast<size_t>(stack);
  if (row >= stack_total_size_.size()) {
    const size_t grown = std::max(row + 1, stack_frame_.size());
    stack_total_size_.resize(grown, 0.0);
    stack_total_count_.resize(grown, 0.0);
    stack_total_used_.resize(grown, 0);
  }
  stack_total_size_[row] += weighted;
  stack_total_count_[row] += count;
  stack_total_used_[row] = 1;
}

void ProfileTable::CloseStackTotals() {
  // One slot per stack row, then the samples with no row.
  const size_t n = stack_frame_.size();
  stack_total_size_.resize(n, 0.0);
  stack_total_count_.resize(n, 0.0);
  stack_total_used_.resize(n, 0);
  stack_total_size_.push_back(loose_size_);
  stack_total_count_.push_back(loose_count_);
  stack_total_used_.push_back(loose_used_);
}

void ProfileTable::Compact() {
  CloseStackTotals();
  // Drop the stacks, frames and strings only the tracer's own samples used:
  // a row is used if a sample is on it or on a row under it, and rows come
  // after their parents, so one backward pass marks them.
  const size_t n_stacks = stack_frame_.size();
  std::vector<uint8_t> stack_used(stack_total_used_.begin(),
                                  stack_total_used_.begin() + n_stacks);
  for (size_t s = n_stacks; s-- > 0;) {
    if (stack_used[s] && stack_parent_[s] >= 0)
      stack_used[stack_parent_[s]] = 1;
  }
  std::vector<uint8_t> frame_used(frame_name_.size(), 0);
  for (size_t s = 0; s < stack_frame_.size(); s++) {
    if (stack_used[s]) frame_used[stack_frame_[s]] = 1;
  }
  std::vector<uint8_t> string_used(strings_.strings().size(), 0);
  for (size_t f = 0; f < frame_name_.size(); f++) {
    if (!frame_used[f]) continue;
    string_used[frame_name_[f]] = 1;
    string_used[frame_file_[f]] = 1;
  }

  std::vector<int64_t> stack_map = Renumber(stack_used);
  std::vector<int64_t> frame_map = Renumber(frame_used);
  std::vector<int64_t> string_map = Renumber(string_used);

  KeepUsed(&strings_.strings(), string_map);
  KeepUsed(&frame_name_, frame_map);
  KeepUsed(&frame_file_, frame_map);
  KeepUsed(&frame_line_, frame_map);
  KeepUsed(&frame_column_, frame_map);
  KeepUsed(&frame_script_id_, frame_map);
  KeepUsed(&frame_start_, frame_map);
  for (auto& n : frame_name_) n = static_cast<uint32_t>(string_map[n]);
  for (auto& f : frame_file_) f = static_cast<uint32_t>(string_map[f]);

  for (auto& f : stack_frame_) f = static_cast<uint32_t>(frame_map[f]);
  // Renumbering keeps the order, so parents still come before children.
  // Usually every stack is used: then the samples (1M at 1M) keep theirs.
  if (std::find(stack_used.begin(), stack_used.end(), 0) == stack_used.end()) {
    return;
  }
  KeepUsed(&stack_frame_, stack_map);
  KeepUsed(&stack_parent_, stack_map);
  // Dropped rows have no samples; the last slot (no row) stays last.
  stack_map.push_back(static_cast<int64_t>(stack_frame_.size()));
  KeepUsed(&stack_total_size_, stack_map);
  KeepUsed(&stack_total_count_, stack_map);
  KeepUsed(&stack_total_used_, stack_map);
  for (auto& p : stack_parent_) {
    if (p >= 0) p = static_cast<int32_t>(stack_map[p]);
  }
  const size_t n_rows = stack_map.size() - 1;  // the no-row slot is last
  for (auto& s : sample_stack_) {
    if (s < n_rows) s = static_cast<uint32_t>(stack_map[s]);
  }
}

void ProfileTable::Build(v8::AllocationProfile* profile) {
  WalkTree(profile->GetRootNode());
  AddSamples(profile);
  Compact();
}

// From the per-stack sums, slot by slot: no second pass over the samples
// (the peak capture asks on every look). lib/tracer/tracemalloc.ts total()
// adds the same slots in the same order.
double ProfileTable::TotalSize() const {
  double total = 0;
  for (double size : stack_total_size_) total += size;
  return total;
}

double ProfileTable::TotalCount() const {
  double total = 0;
  for (double count : stack_total_count_) total += count;
  return total;
}

Napi::Object ProfileTable::ToJs(Napi::Env env) const {
  Napi::Object out = Napi::Object::New(env);
  out.Set("strings", StringColumn(env, strings_.strings()));
  out.Set("frameName", Column<Napi::Uint32Array>(env, frame_name_));
  out.Set("frameFile", Column<Napi::Uint32Array>(env, frame_file_));
  out.Set("frameLine", Column<Napi::Int32Array>(env, frame_line_));
  out.Set("frameColumn", Column<Napi::Int32Array>(env, frame_column_));
  out.Set("frameScriptId", Column<Napi::Int32Array>(env, frame_script_id_));
  out.Set("frameStart", Column<Napi::Int32Array>(env, frame_start_));
  out.Set("stackFrame", Column<Napi::Uint32Array>(env, stack_frame_));
  out.Set("stackParent", Column<Napi::Int32Array>(env, stack_parent_));
  out.Set("sampleStack", sample_stack_.ToJs<Napi::Uint32Array>(env));
  out.Set("sampleSize", sample_size_.ToJs<Napi::Float64Array>(env));
  out.Set("sampleCount", sample_count_.ToJs<Napi::Float64Array>(env));
  out.Set("sampleId", sample_id_.ToJs<Napi::Float64Array>(env));
  Napi::Object totals = Napi::Object::New(env);
  totals.Set("size", Column<Napi::Float64Array>(env, stack_total_size_));
  totals.Set("count", Column<Napi::Float64Array>(env, stack_total_count_));
  totals.Set("used", Column<Napi::Uint8Array>(env, stack_total_used_));
  out.Set("stackTotals", totals);
  return out;
}

}  // namespace tracemalloc
