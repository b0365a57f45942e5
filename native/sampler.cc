#include "sampler.h"

#include <algorithm>
#include <random>

namespace tracemalloc {

Sampler::StartResult Sampler::Start(const SamplerSettings& settings) {
  v8::HeapProfiler* profiler = isolate_->GetHeapProfiler();
  int flags = v8::HeapProfiler::kSamplingNoFlags;
  if (settings.include_collected) {
    flags |= v8::HeapProfiler::kSamplingIncludeObjectsCollectedByMajorGC |
             v8::HeapProfiler::kSamplingIncludeObjectsCollectedByMinorGC;
  }
  // Returns false when a sampler is already running on this isolate, whoever
  // started it: we must not read (or later stop) someone else's profile.
  if (!profiler->StartSamplingHeapProfiler(
          settings.interval, settings.Depth(),
          static_cast<v8::HeapProfiler::SamplingFlags>(flags))) {
    return StartResult::kBusy;
  }
  running_ = true;
  settings_ = settings;
  last_max_sample_id_ = 0;
  std::random_device entropy;
  const uint64_t bits = (static_cast<uint64_t>(entropy()) << 32) ^ entropy();
  session_ = static_cast<double>((bits >> 11) | 1);  // 53 bits, never 0
  script_memory_.Clear();
  return StartResult::kStarted;
}

void Sampler::Stop() {
  if (!running_) return;
  running_ = false;
  isolate_->GetHeapProfiler()->StopSamplingHeapProfiler();
}

Sampler::ProfileState Sampler::Profile(
    std::unique_ptr<v8::AllocationProfile>* out) {
  out->reset();
  if (!running_) return ProfileState::kNotRunning;
  std::unique_ptr<v8::AllocationProfile> profile(
      isolate_->GetHeapProfiler()->GetAllocationProfile());
  if (!profile) {
    // Another tool (the inspector's HeapProfiler.stopSampling, say) stopped
    // the shared sampler and destroyed our samples.
    running_ = false;
    return ProfileState::kLost;
  }
  uint64_t max_id = 0;
  for (const auto& sample : profile->GetSamples()) {
    max_id = std::max(max_id, sample.sample_id);
  }
  // With the collected-object flags V8 never drops a sample, so ids going
  // backwards mean someone stopped and restarted the sampler: these samples
  // are theirs, and it is no longer ours to stop. (In live-only mode ids drop
  // legitimately when the newest objects die, so there we can only detect a
  // stop, not a stop followed by a restart.)
  if (settings_.include_collected && max_id < last_max_sample_id_) {
    running_ = false;
    return ProfileState::kLost;
  }
  last_max_sample_id_ = max_id;
  *out = std::move(profile);
  return ProfileState::kOk;
}

}  // namespace tracemalloc
