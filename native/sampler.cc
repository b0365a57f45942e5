#include "sampler.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <utility>
#include <vector>

#include "v8_values.h"

namespace tracemalloc {

namespace {

v8::HeapProfiler::SamplingFlags FlagsOf(const SamplerSettings& settings) {
  int flags = v8::HeapProfiler::kSamplingNoFlags;
  if (settings.include_collected) {
    flags |= v8::HeapProfiler::kSamplingIncludeObjectsCollectedByMajorGC |
             v8::HeapProfiler::kSamplingIncludeObjectsCollectedByMinorGC;
  }
  return static_cast<v8::HeapProfiler::SamplingFlags>(flags);
}

}  // namespace

Sampler::StartResult Sampler::Start(const SamplerSettings& settings) {
  // Returns false when a sampler is already running on this isolate, whoever
  // started it: we must not read (or later stop) someone else's profile.
  if (!isolate_->GetHeapProfiler()->StartSamplingHeapProfiler(
          settings.interval, settings.Depth(), FlagsOf(settings))) {
    return StartResult::kBusy;
  }
  running_ = true;
  traces_lost_ = false;
  settings_ = settings;
  last_max_sample_id_ = 0;
  std::random_device entropy;
  const uint64_t bits = (static_cast<uint64_t>(entropy()) << 32) ^ entropy();
  session_ = static_cast<double>((bits >> 11) | 1);  // 53 bits, never 0
  script_memory_.Clear();
  return StartResult::kStarted;
}

void Sampler::Recover() {
  // V8 refuses while any sampler runs, ours or another tool's, and the check
  // costs nothing: only a stopped sampler starts again here.
  if (isolate_->GetHeapProfiler()->StartSamplingHeapProfiler(
          settings_.interval, settings_.Depth(), FlagsOf(settings_))) {
    traces_lost_ = true;
    last_max_sample_id_ = 0;
  }
}

bool Sampler::Running() {
  if (running_) Recover();
  return running_;
}

bool Sampler::Owns(v8::AllocationProfile* profile, uint64_t* max_id_out) const {
  uint64_t max_id = 0;
  for (const auto& sample : profile->GetSamples()) {
    max_id = std::max(max_id, sample.sample_id);
    if (sample.size == 0) continue;
    // V8 scales each count by its sampler's interval, so the counts tell
    // that interval. It rounds them to integers; the slack also covers
    // another libm's last bits.
    const double expected =
        ScaledCount(static_cast<double>(sample.size), settings_.interval);
    if (std::fabs(static_cast<double>(sample.count) - expected) >
        0.75 + 1e-6 * expected) {
      return false;
    }
  }
  // With the collected-object flags V8 never drops a sample, so ids going
  // backwards mean a stop and a restart. (In live-only mode ids drop
  // legitimately when the newest objects die.)
  if (settings_.include_collected && max_id < last_max_sample_id_) {
    return false;
  }
  // Our stacks hold at most Depth() frames, plus V8's "(deopt)" marker.
  std::vector<std::pair<const v8::AllocationProfile::Node*, int>> pending{
      {profile->GetRootNode(), 0}};
  while (!pending.empty()) {
    auto [node, depth] = pending.back();
    pending.pop_back();
    if (depth > settings_.Depth() + 1) return false;
    for (const auto* child : node->children) {
      pending.emplace_back(child, depth + 1);
    }
  }
  if (max_id_out != nullptr) *max_id_out = max_id;
  return true;
}

void Sampler::Stop() {
  if (!running_) return;
  running_ = false;
  traces_lost_ = false;
  v8::HeapProfiler* profiler = isolate_->GetHeapProfiler();
  // The profile holds handles; Stop also runs from the environment cleanup
  // hook, outside any JS call.
  v8::HandleScope scope(isolate_);
  std::unique_ptr<v8::AllocationProfile> profile(
      profiler->GetAllocationProfile());
  // nullptr: another tool stopped ours, and nothing runs now.
  if (profile && Owns(profile.get())) profiler->StopSamplingHeapProfiler();
}

Sampler::ProfileState Sampler::Profile(
    std::unique_ptr<v8::AllocationProfile>* out, bool report_loss) {
  out->reset();
  if (!running_) return ProfileState::kNotRunning;
  Recover();
  std::unique_ptr<v8::AllocationProfile> profile(
      isolate_->GetHeapProfiler()->GetAllocationProfile());
  uint64_t max_id = 0;
  if (!profile || !Owns(profile.get(), &max_id)) {
    // Another tool's sampler: its samples are not ours, nor is it ours to
    // stop.
    running_ = false;
    traces_lost_ = false;
    return ProfileState::kLost;
  }
  last_max_sample_id_ = max_id;
  *out = std::move(profile);
  if (report_loss && traces_lost_) {
    traces_lost_ = false;
    return ProfileState::kRestarted;
  }
  return ProfileState::kOk;
}

}  // namespace tracemalloc
