// Sampler: owns this isolate's use of V8's sampling heap profiler.
//
// V8 has one sampler per isolate, shared by every tool (the inspector,
// --heap-prof, other agents), and gives no way to tell whose it is. The
// inspector ignores StartSamplingHeapProfiler's refusal: its startSampling
// "succeeds" on our sampler, and its stopSampling, or its session
// disconnecting, stops ours and destroys every sample. So this class
//   - recovers when the sampler was stopped behind its back: it starts it
//     again with the same settings at its next use, and reports the traces
//     lost once (kRestarted);
//   - recognises a sampler restarted by another tool by what its profile
//     shows (see Owns), never reads it as ours, and never stops it.
// docs/sampler-sharing.md says what V8 leaves impossible to tell.
#ifndef TRACEMALLOC_SAMPLER_H_
#define TRACEMALLOC_SAMPLER_H_

#include <v8-profiler.h>
#include <v8.h>

#include <cstdint>
#include <memory>

#include "script_memory.h"

namespace tracemalloc {

// Frames V8 records beyond the traceback limit, so that a sample taken inside
// builtins (frames without a script: split, map, new Map, set, an iterator's
// next) still reaches the scripted frame that called them, which the trace is
// charged to (see ProfileTable). Two: the longest run of such frames seen
// before a scripted one, over every allocation of the bench workloads and a
// zoo of allocating builtins (Promise.all -> then, new Set(iterator) -> next);
// each extra frame cost 0.1-0.3 us per sample on a 64-frame stack, where a
// sample at depth 1 cost 0.6-1.3 us (bench/builtin-depth.js, two runs).
constexpr int kBuiltinFrames = 2;

struct SamplerSettings {
  uint64_t interval = 1;           // mean bytes between samples; 1 = all
  int frames = 1;                  // traceback limit, as start(frames) took it
  bool include_collected = false;  // keep samples of objects GC has freed
  // What V8 records per sample: the limit, plus room for builtins.
  int Depth() const { return frames + kBuiltinFrames; }
};

class Sampler {
 public:
  enum class StartResult { kStarted, kBusy };
  enum class ProfileState {
    kOk,
    kNotRunning,
    // Another tool stopped our sampler, destroying its samples; it runs again
    // with our settings, and `*out` holds what it sampled since.
    kRestarted,
    // Another tool runs its own sampler now: `*out` is empty, `Running()`
    // false, and that sampler is left alone.
    kLost,
  };

  explicit Sampler(v8::Isolate* isolate) : isolate_(isolate) {}
  ~Sampler() {
    try {
      Stop();
    } catch (...) {
      // A destructor must not throw (std::terminate); the sampler then dies
      // with its isolate.
    }
  }
  Sampler(const Sampler&) = delete;
  Sampler& operator=(const Sampler&) = delete;

  // kBusy: V8 refused because another sampler already runs on this isolate.
  StartResult Start(const SamplerSettings& settings);
  // Stops the sampler if it is ours; leaves another tool's alone.
  void Stop();
  // Whether we trace. Starts our sampler again if another tool stopped it
  // (cheap: V8 refuses at once while any sampler runs).
  bool Running();
  // Script names and positions seen by this run's profile walks.
  ScriptMemory* script_memory() { return &script_memory_; }
  const SamplerSettings& settings() const { return settings_; }
  // Names this run of the sampler (a random integer below 2^53, new on every
  // start): snapshots of one run share the samples of objects alive in both,
  // which cancel out of a difference (lib/model/sampling-error.ts).
  double session() const { return session_; }

  // A deep copy of the current profile, if it is ours. kRestarted is
  // reported once per loss, and only when `report_loss` (reads of traces).
  ProfileState Profile(std::unique_ptr<v8::AllocationProfile>* out,
                       bool report_loss);

 private:
  // After another tool stopped our sampler: start it again, remember the loss.
  void Recover();
  // Whether `profile` can be ours: every sample scaled by our interval, no
  // stack deeper than we record, and (when samples are never dropped) no
  // sample id lower than one seen before. `max_id`, when given, receives the
  // highest sample id (read in the same pass).
  bool Owns(v8::AllocationProfile* profile, uint64_t* max_id = nullptr) const;

  v8::Isolate* isolate_;
  bool running_ = false;
  bool traces_lost_ = false;  // a loss not reported yet
  SamplerSettings settings_;
  // Highest sample id seen so far. V8 numbers samples from 1 on every start,
  // so (when samples are never dropped) ids going backwards mean a restart.
  uint64_t last_max_sample_id_ = 0;
  double session_ = 0;
  ScriptMemory script_memory_;
};

}  // namespace tracemalloc

#endif  // TRACEMALLOC_SAMPLER_H_
