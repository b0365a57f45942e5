// TracemallocAddon: the Node-API surface, one instance per environment
// (main thread and each worker), so every isolate has its own sampler and
// its own GC callbacks, and no JS handle is shared between isolates.
#ifndef TRACEMALLOC_ADDON_H_
#define TRACEMALLOC_ADDON_H_

#include <napi.h>
#include <v8.h>

#include <memory>
#include <string>
#include <vector>

#include "errors.h"
#include "heap_limit_dump.h"
#include "heap_watch.h"
#include "peak_capture.h"
#include "profile_table.h"
#include "sampler.h"

namespace tracemalloc {

class TracemallocAddon : public Napi::Addon<TracemallocAddon> {
 public:
  TracemallocAddon(Napi::Env env, Napi::Object exports);
  ~TracemallocAddon();

 private:
  using Method = Napi::Value (TracemallocAddon::*)(const Napi::CallbackInfo&);
  // Every method is registered through Shield: see Shielded (errors.h).
  template <Method method>
  Napi::Value Shield(const Napi::CallbackInfo& info) noexcept {
    napi_value result = Shielded(info.Env(), [&] {
      return static_cast<napi_value>((this->*method)(info));
    });
    return Napi::Value(info.Env(), result);
  }

  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Stop(const Napi::CallbackInfo& info);
  Napi::Value IsTracing(const Napi::CallbackInfo& info);
  Napi::Value Settings(const Napi::CallbackInfo& info);
  Napi::Value Snapshot(const Napi::CallbackInfo& info);
  Napi::Value TracedTotals(const Napi::CallbackInfo& info);
  Napi::Value ProfileSize(const Napi::CallbackInfo& info);
  Napi::Value CollectGarbage(const Napi::CallbackInfo& info);
  Napi::Value HeapCounters(const Napi::CallbackInfo& info);
  Napi::Value ResetPeak(const Napi::CallbackInfo& info);
  Napi::Value CountObjects(const Napi::CallbackInfo& info);
  Napi::Value ArmPeak(const Napi::CallbackInfo& info);
  Napi::Value DisarmPeak(const Napi::CallbackInfo& info);
  Napi::Value PeakSnapshot(const Napi::CallbackInfo& info);
  Napi::Value CapturePeak(const Napi::CallbackInfo& info);
  Napi::Value ArmHeapLimitDump(const Napi::CallbackInfo& info);
  Napi::Value DisarmHeapLimitDump(const Napi::CallbackInfo& info);

  // Stops the sampler and removes GC callbacks; runs once, from the
  // environment cleanup hook or the destructor, whichever comes first.
  // Called from Node's C code and from a destructor: it must not throw.
  void Teardown() noexcept;
  static void OnEnvCleanup(void* data);
  // `report_loss`: throw ERR_TRACEMALLOC_TRACES_LOST once after another tool
  // stopped our sampler (reads of traces only).
  std::unique_ptr<v8::AllocationProfile> ProfileOrThrow(Napi::Env env,
                                                        bool report_loss);
  // One walk of V8's profile into columns (arg 0: the tracer's own prefixes;
  // arg 1, optional: live objects only, see ProfileTable::SetLiveOnly);
  // `for_js`: its sample columns in JS memory (ProfileTable::SetJsColumns).
  std::unique_ptr<ProfileTable> BuildTable(const Napi::CallbackInfo& info,
                                           bool for_js);
  // The one place a table is made from a profile (snapshots and peak captures).
  std::unique_ptr<ProfileTable> TableOf(std::vector<std::string> own,
                                        v8::AllocationProfile* profile,
                                        bool live_only,
                                        napi_env js_columns = nullptr);
  // PeakCapture's builder: the profile now, or null when it is not ours.
  std::unique_ptr<ProfileTable> PeakTable();
  // HeapLimitDump's builder: the same, with the dump's info filled in.
  std::unique_ptr<ProfileTable> HeapLimitTable(DumpInfo* info);

  napi_env env_;
  v8::Isolate* isolate_;
  std::unique_ptr<Sampler> sampler_;
  std::unique_ptr<HeapWatch> heap_watch_;
  std::unique_ptr<PeakCapture> peak_;
  std::vector<std::string> peak_own_prefixes_;
  std::unique_ptr<HeapLimitDump> heap_limit_;
  std::vector<std::string> heap_limit_own_prefixes_;
  bool cleanup_hook_registered_ = false;
};

}  // namespace tracemalloc

#endif  // TRACEMALLOC_ADDON_H_
