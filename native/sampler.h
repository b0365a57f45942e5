// Sampler: owns this isolate's use of V8's sampling heap profiler.
//
// V8 has one sampler per isolate, shared by every tool (the inspector,
// --heap-prof, other agents). This class only ever stops what it started,
// and detects when someone else stopped (and maybe restarted) the sampler
// behind its back, so we never report another tool's profile as ours.
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
  uint64_t interval = 1;          // mean bytes between samples; 1 = all
  int frames = 1;                 // traceback limit, as start(frames) took it
  bool include_collected = false; // keep samples of objects GC has freed
  // What V8 records per sample: the limit, plus room for builtins.
  int Depth() const { return frames + kBuiltinFrames; }
};

class Sampler {
 public:
  enum class StartResult { kStarted, kBusy };
  enum class ProfileState { kOk, kNotRunning, kLost };

  explicit Sampler(v8::Isolate* isolate) : isolate_(isolate) {}
  ~Sampler() { Stop(); }
  Sampler(const Sampler&) = delete;
  Sampler& operator=(const Sampler&) = delete;

  // kBusy: V8 refused because another sampler already runs on this isolate.
  StartResult Start(const SamplerSettings& settings);
  // Stops the sampler if we own it; a no-op otherwise.
  void Stop();
  bool running() const { return running_; }
  // Script names and positions seen by this run's profile walks.
  ScriptMemory* script_memory() { return &script_memory_; }
  const SamplerSettings& settings() const { return settings_; }
  // Names this run of the sampler (a random integer below 2^53, new on every
  // start): snapshots of one run share the samples of objects alive in both,
  // which cancel out of a difference (lib/sampling-error.ts).
  double session() const { return session_; }

  // A deep copy of the current profile. On kLost the sampler was stopped or
  // restarted by another tool: `running()` becomes false and `*out` is empty.
  ProfileState Profile(std::unique_ptr<v8::AllocationProfile>* out);

 private:
  v8::Isolate* isolate_;
  bool running_ = false;
  SamplerSettings settings_;
  // Highest sample id seen so far. V8 numbers samples from 1 on every start,
  // so (when samples are never dropped) ids going backwards mean a restart.
  uint64_t last_max_sample_id_ = 0;
  double session_ = 0;
  ScriptMemory script_memory_;
};

}  // namespace tracemalloc

#endif  // TRACEMALLOC_SAMPLER_H_
