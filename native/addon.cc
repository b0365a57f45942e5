// node_version.h first: it defines NAPI_VERSION unconditionally, and must
// not redefine the one napi.h would otherwise pick (clang-format would move
// addon.h above it).
// clang-format off
#include <node_version.h>
// clang-format on

#include "addon.h"

#include <cmath>
#include <string>
#include <vector>

#include "errors.h"
#include "heap_census.h"
#include "profile_table.h"

namespace tracemalloc {

namespace {

// V8 caps each step between samples at 2^31 - 1 bytes, so a mean interval
// near or above that over-estimates every size by 1 / (1 - e^(-2^31 /
// interval)): 1.00034x at 2^28, 1.58x at 2^31, 512x at 2^40.
// lib/helpers/validate.ts (MAX_INTERVAL) holds the same limit.
constexpr double kMaxInterval = 268435456.0;  // 2^28, 256 MiB
// Python's tracemalloc allows at most 65535 frames; so do we.
constexpr double kMaxFrames = 65535;

std::string Describe(const Napi::Value& value) {
  switch (value.Type()) {
    case napi_undefined:
      return "undefined";
    case napi_null:
      return "null";
    case napi_boolean:
      return "a boolean";
    case napi_number:
      return "a number";
    case napi_string:
      return "a string";
    case napi_symbol:
      return "a symbol";
    case napi_object:
      return "an object";
    case napi_function:
      return "a function";
    case napi_external:
      return "an external";
    case napi_bigint:
      return "a bigint";
  }
  return "an unknown value";
}

// The binding is reachable from user code (require of the .node file), so it
// never trusts its caller: V8 aborts the whole process on interval 0.
// `why` (may be null) explains the range in the error.
double IntegerArg(const Napi::CallbackInfo& info, size_t index,
                  const char* name, double min, double max,
                  const char* why = nullptr) {
  Napi::Value value = info[index];
  if (!value.IsNumber()) {
    throw CodedTypeError(info.Env(), std::string("Expected an integer for ") +
                                         name + " but received " +
                                         Describe(value));
  }
  double number = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(number) || std::floor(number) != number || number < min ||
      number > max) {
    throw CodedRangeError(
        info.Env(), std::string(name) + " must be an integer in range [" +
                        std::to_string(static_cast<uint64_t>(min)) + "; " +
                        std::to_string(static_cast<uint64_t>(max)) +
                        "], received " + value.ToString().Utf8Value() +
                        (why != nullptr ? std::string(": ") + why : ""));
  }
  return number;
}

bool BoolArg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  Napi::Value value = info[index];
  if (!value.IsBoolean()) {
    throw CodedTypeError(info.Env(), std::string("Expected a boolean for ") +
                                         name + " but received " +
                                         Describe(value));
  }
  return value.As<Napi::Boolean>().Value();
}

std::vector<std::string> StringListArg(const Napi::CallbackInfo& info,
                                       size_t index, const char* name) {
  Napi::Value value = info[index];
  if (!value.IsArray()) {
    throw CodedTypeError(info.Env(), std::string("Expected an array of "
                                                 "strings for ") +
                                         name + " but received " +
                                         Describe(value));
  }
  Napi::Array array = value.As<Napi::Array>();
  std::vector<std::string> out;
  for (uint32_t i = 0; i < array.Length(); i++) {
    Napi::Value item = array.Get(i);
    if (!item.IsString()) {
      throw CodedTypeError(info.Env(),
                           std::string("Expected only strings in ") + name +
                               " but item " + std::to_string(i) + " is " +
                               Describe(item));
    }
    out.push_back(item.As<Napi::String>().Utf8Value());
  }
  return out;
}

}  // namespace

TracemallocAddon::TracemallocAddon(Napi::Env env, Napi::Object exports)
    : env_(env), isolate_(v8::Isolate::GetCurrent()) {
  sampler_ = std::make_unique<Sampler>(isolate_);
  heap_watch_ = std::make_unique<HeapWatch>(isolate_);
  peak_ =
      std::make_unique<PeakCapture>(isolate_, [this] { return PeakTable(); });
  heap_limit_ = std::make_unique<HeapLimitDump>(
      isolate_, [this](DumpInfo* info) { return HeapLimitTable(info); });
  using A = TracemallocAddon;
  DefineAddon(
      exports,
      {
          InstanceMethod("start", &A::Shield<&A::Start>),
          InstanceMethod("stop", &A::Shield<&A::Stop>),
          InstanceMethod("isTracing", &A::Shield<&A::IsTracing>),
          InstanceMethod("settings", &A::Shield<&A::Settings>),
          InstanceMethod("snapshot", &A::Shield<&A::Snapshot>),
          InstanceMethod("tracedTotals", &A::Shield<&A::TracedTotals>),
          InstanceMethod("profileSize", &A::Shield<&A::ProfileSize>),
          InstanceMethod("collectGarbage", &A::Shield<&A::CollectGarbage>),
          InstanceMethod("heapCounters", &A::Shield<&A::HeapCounters>),
          InstanceMethod("resetPeak", &A::Shield<&A::ResetPeak>),
          InstanceMethod("countObjects", &A::Shield<&A::CountObjects>),
          InstanceMethod("armPeak", &A::Shield<&A::ArmPeak>),
          InstanceMethod("disarmPeak", &A::Shield<&A::DisarmPeak>),
          InstanceMethod("peakSnapshot", &A::Shield<&A::PeakSnapshot>),
          InstanceMethod("capturePeak", &A::Shield<&A::CapturePeak>),
          InstanceMethod("armHeapLimitDump", &A::Shield<&A::ArmHeapLimitDump>),
          InstanceMethod("disarmHeapLimitDump",
                         &A::Shield<&A::DisarmHeapLimitDump>),
          // Whether V8 marks each sample live or collected (Node 26+): only
          // then can a sampler that keeps collected objects also give the
          // live view.
          InstanceValue("samplesSayLive",
                        Napi::Boolean::New(env, ProfileTable::kSamplesSayLive),
                        napi_enumerable),
          InstanceValue("abi", Napi::Number::New(env, NODE_MODULE_VERSION),
                        napi_enumerable),
      });
  // Stop the sampler before the environment (a worker, say) goes away: a
  // sampler left running into isolate teardown crashes other profilers.
  // Registered last: if anything above throws, no hook points at a
  // half-built addon.
  if (napi_add_env_cleanup_hook(env, OnEnvCleanup, this) == napi_ok) {
    cleanup_hook_registered_ = true;
  }
}

TracemallocAddon::~TracemallocAddon() {
  if (cleanup_hook_registered_) {
    napi_remove_env_cleanup_hook(env_, OnEnvCleanup, this);
    cleanup_hook_registered_ = false;
  }
  Teardown();
}

void TracemallocAddon::OnEnvCleanup(void* data) {
  auto* self = static_cast<TracemallocAddon*>(data);
  self->cleanup_hook_registered_ = false;
  self->Teardown();
}

void TracemallocAddon::Teardown() noexcept {
  heap_limit_.reset();  // removes its near-heap-limit callback
  peak_.reset();     // removes its GC callback; a pending interrupt is orphaned
  sampler_.reset();  // stops the sampler if it is ours; never throws
  heap_watch_.reset();  // removes the GC callbacks
}

Napi::Value TracemallocAddon::Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!sampler_) {
    throw CodedError(env, "ERR_TRACEMALLOC_TEARDOWN",
                     "the environment is shutting down");
  }
  SamplerSettings settings;
  settings.interval = static_cast<uint64_t>(IntegerArg(
      info, 0, "interval", 1, kMaxInterval,
      "V8 caps each sampling step at 2 GiB, so a larger interval would "
      "over-estimate every size"));
  settings.frames =
      static_cast<int>(IntegerArg(info, 1, "frames", 1, kMaxFrames));
  settings.include_collected = BoolArg(info, 2, "includeCollected");
  if (sampler_->Running()) {
    throw CodedError(env, "ERR_TRACEMALLOC_ALREADY_TRACING",
                     "already tracing: call stop() before starting again");
  }
  heap_watch_->Look();
  Sampler::StartResult started = sampler_->Start(settings);
  heap_watch_->Look();
  if (started == Sampler::StartResult::kBusy) {
    throw CodedError(
        env, "ERR_TRACEMALLOC_SAMPLER_BUSY",
        "V8's sampling heap profiler is already running in this thread, "
        "started by another tool (the inspector's HeapProfiler.startSampling, "
        "node --heap-prof, or another profiling agent); stop it first");
  }
  return env.Undefined();
}

Napi::Value TracemallocAddon::Stop(const Napi::CallbackInfo& info) {
  if (peak_) peak_->Disarm();
  if (heap_watch_) heap_watch_->Look();
  if (sampler_) sampler_->Stop();
  if (heap_watch_) heap_watch_->Look();
  return info.Env().Undefined();
}

Napi::Value TracemallocAddon::IsTracing(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), sampler_ && sampler_->Running());
}

Napi::Value TracemallocAddon::Settings(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!sampler_ || !sampler_->Running()) return env.Null();
  const SamplerSettings& s = sampler_->settings();
  Napi::Object out = Napi::Object::New(env);
  out.Set("interval", Napi::Number::New(env, static_cast<double>(s.interval)));
  out.Set("frames", Napi::Number::New(env, s.frames));
  out.Set("includeCollected", Napi::Boolean::New(env, s.include_collected));
  out.Set("session", Napi::Number::New(env, sampler_->session()));
  return out;
}

std::unique_ptr<v8::AllocationProfile> TracemallocAddon::ProfileOrThrow(
    Napi::Env env, bool report_loss) {
  std::unique_ptr<v8::AllocationProfile> profile;
  Sampler::ProfileState state = sampler_
                                    ? sampler_->Profile(&profile, report_loss)
                                    : Sampler::ProfileState::kNotRunning;
  if (state == Sampler::ProfileState::kNotRunning) {
    throw CodedError(env, "ERR_TRACEMALLOC_NOT_TRACING",
                     "the tracemalloc module must be tracing memory "
                     "allocations to take a snapshot");
  }
  if (state == Sampler::ProfileState::kRestarted) {
    throw CodedError(
        env, "ERR_TRACEMALLOC_TRACES_LOST",
        "another tool stopped V8's sampling heap profiler (the inspector's "
        "HeapProfiler.stopSampling, or an inspector session that called "
        "HeapProfiler.startSampling while we traced and then disconnected), "
        "which destroyed every trace recorded until then; tracing has "
        "restarted with the same settings, and later snapshots hold what was "
        "allocated since");
  }
  if (state == Sampler::ProfileState::kLost) {
    throw CodedError(
        env, "ERR_TRACEMALLOC_SAMPLER_LOST",
        "another tool stopped our sampler and started its own (the "
        "inspector's HeapProfiler.startSampling, say): its samples are not "
        "ours, and tracing has stopped; start() again once that tool is "
        "done");
  }
  return profile;
}

std::unique_ptr<ProfileTable> TracemallocAddon::TableOf(
    std::vector<std::string> own, v8::AllocationProfile* profile,
    bool live_only, napi_env js_columns) {
  auto table = std::make_unique<ProfileTable>(
      isolate_, std::move(own), sampler_->settings().interval,
      sampler_->settings().frames, sampler_->script_memory());
  table->SetLiveOnly(live_only);
  table->SetJsColumns(js_columns);
  table->Build(profile);
  return table;
}

std::unique_ptr<ProfileTable> TracemallocAddon::BuildTable(
    const Napi::CallbackInfo& info, bool for_js) {
  std::vector<std::string> own = StringListArg(info, 0, "ownPrefixes");
  bool live_only = info.Length() > 1 && !info[1].IsUndefined() &&
                   BoolArg(info, 1, "liveOnly");
  if (live_only && !ProfileTable::kSamplesSayLive) {
    throw CodedError(info.Env(), "ERR_TRACEMALLOC_VIEW_UNAVAILABLE",
                     "this V8 does not say which samples are live (Node 26 "
                     "and later do)");
  }
  std::unique_ptr<v8::AllocationProfile> profile =
      ProfileOrThrow(info.Env(), true);
  // V8's copy is freed on return; only the sample columns (for_js) exist in
  // JS by then.
  return TableOf(std::move(own), profile.get(), live_only,
                 for_js ? static_cast<napi_env>(info.Env()) : nullptr);
}

std::unique_ptr<ProfileTable> TracemallocAddon::PeakTable() {
  std::unique_ptr<v8::AllocationProfile> profile;
  // Not a read of traces by the user: a loss is left for the next snapshot.
  if (!sampler_ ||
      sampler_->Profile(&profile, false) != Sampler::ProfileState::kOk) {
    return nullptr;
  }
  // A sampler that keeps collected objects: the peak is of the live ones.
  // (lib/ arms a peak with such a sampler only where samples say so.)
  bool live_only =
      sampler_->settings().include_collected && ProfileTable::kSamplesSayLive;
  return TableOf(peak_own_prefixes_, profile.get(), live_only);
}

std::unique_ptr<ProfileTable> TracemallocAddon::HeapLimitTable(DumpInfo* info) {
  std::unique_ptr<v8::AllocationProfile> profile;
  if (!sampler_ ||
      sampler_->Profile(&profile, false) != Sampler::ProfileState::kOk) {
    return nullptr;
  }
  const SamplerSettings& s = sampler_->settings();
  // Keeping collected objects: the live ones where V8 tells them apart,
  // else everything, and the view says so.
  const bool live_only = s.include_collected && ProfileTable::kSamplesSayLive;
  info->traceback_limit = static_cast<uint32_t>(s.frames);
  info->interval = static_cast<double>(s.interval);
  info->session = sampler_->session();
  info->view = s.include_collected && !live_only ? 1 : 0;
  return TableOf(heap_limit_own_prefixes_, profile.get(), live_only);
}

Napi::Value TracemallocAddon::Snapshot(const Napi::CallbackInfo& info) {
  return BuildTable(info, true)->ToJs(info.Env());
}

// getTracedMemory(): the same walk as Snapshot, but only the totals cross to
// JS, so no column is allocated under the sampler.
Napi::Value TracemallocAddon::TracedTotals(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::unique_ptr<ProfileTable> table = BuildTable(info, false);
  Napi::Object out = Napi::Object::New(env);
  out.Set("size", Napi::Number::New(env, table->TotalSize()));
  out.Set("count", Napi::Number::New(env, table->TotalCount()));
  return out;
}

Napi::Value TracemallocAddon::ProfileSize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  // The tracer's own memory, not traces: a loss is left for the next read.
  std::unique_ptr<v8::AllocationProfile> profile = ProfileOrThrow(env, false);
  double nodes = 0;
  std::vector<v8::AllocationProfile::Node*> pending{profile->GetRootNode()};
  while (!pending.empty()) {
    v8::AllocationProfile::Node* node = pending.back();
    pending.pop_back();
    nodes++;
    for (auto* child : node->children) pending.push_back(child);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("samples", Napi::Number::New(env, static_cast<double>(
                                                profile->GetSamples().size())));
  out.Set("nodes", Napi::Number::New(env, nodes));
  return out;
}

Napi::Value TracemallocAddon::CollectGarbage(const Napi::CallbackInfo& info) {
  // Full, compacting collections until nothing more is freed; no need for
  // --expose-gc. Costs about as much as a major GC of the whole heap.
  isolate_->LowMemoryNotification();
  return info.Env().Undefined();
}

Napi::Value TracemallocAddon::HeapCounters(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!heap_watch_) return env.Null();
  tracemalloc::HeapCounters c = heap_watch_->Read();
  Napi::Object out = Napi::Object::New(env);
  out.Set("used", Napi::Number::New(env, c.used));
  out.Set("peak", Napi::Number::New(env, c.peak));
  out.Set("allocated", Napi::Number::New(env, c.allocated));
  out.Set("gcCount", Napi::Number::New(env, c.gc_count));
  return out;
}

Napi::Value TracemallocAddon::ResetPeak(const Napi::CallbackInfo& info) {
  if (heap_watch_) heap_watch_->ResetPeak();
  return info.Env().Undefined();
}

Napi::Value TracemallocAddon::CountObjects(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  // Whether to collect garbage first is the caller's choice (collectGarbage);
  // an argument here means a caller expecting options we do not take.
  if (info.Length() > 0 && !info[0].IsUndefined()) {
    throw CodedTypeError(env,
                         "Expected no arguments to countObjects but received " +
                             Describe(info[0]));
  }
  HeapCensus census(isolate_);
  switch (census.Take()) {
    case HeapCensus::Status::kOk:
      break;
    case HeapCensus::Status::kBusy:
      throw CodedError(env, "ERR_TRACEMALLOC_CENSUS_BUSY",
                       "countObjects() was called while a census was being "
                       "taken in this thread (from a GC callback?)");
    case HeapCensus::Status::kFailed:
      throw CodedError(env, "ERR_TRACEMALLOC_CENSUS_FAILED",
                       "V8 could not take a heap snapshot for the census");
  }
  return census.ToJs(env);
}

// armPeak(ownPrefixes, margin, minGrowth): looks at the traces each time the
// heap (see peak_capture.h) passes the last look by `margin` (a fraction) and
// the heap at arming by `minGrowth` bytes. Forgets any earlier capture.
Napi::Value TracemallocAddon::ArmPeak(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<std::string> own = StringListArg(info, 0, "ownPrefixes");
  if (!info[1].IsNumber() || !info[2].IsNumber()) {
    throw CodedTypeError(env, "Expected numbers for margin and minGrowth");
  }
  double margin = info[1].As<Napi::Number>().DoubleValue();
  double min_growth = info[2].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(margin) || margin < 0 || margin > 100 ||
      !std::isfinite(min_growth) || min_growth < 0) {
    throw CodedRangeError(env, "margin must be in [0; 100] and minGrowth ≥ 0");
  }
  if (!sampler_ || !sampler_->Running() || !peak_) {
    throw CodedError(env, "ERR_TRACEMALLOC_NOT_TRACING",
                     "the tracemalloc module must be tracing memory "
                     "allocations to capture the peak");
  }
  peak_own_prefixes_ = std::move(own);
  peak_->Arm(margin, min_growth);
  return env.Undefined();
}

Napi::Value TracemallocAddon::DisarmPeak(const Napi::CallbackInfo& info) {
  if (peak_) peak_->Disarm();
  return info.Env().Undefined();
}

Napi::Value TracemallocAddon::CapturePeak(const Napi::CallbackInfo& info) {
  if (peak_) peak_->CaptureNow();
  return info.Env().Undefined();
}

// The kept capture: { table, heap, timestamp, captures }, or null when none
// was kept (or the peak is not armed) or it traces no more than `largerThan`
// bytes (what is alive now): then it is never converted for JS.
Napi::Value TracemallocAddon::PeakSnapshot(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber()) {
    throw CodedTypeError(env, "Expected a number for largerThan but received " +
                                  Describe(info[0]));
  }
  const double larger_than = info[0].As<Napi::Number>().DoubleValue();
  if (!peak_ || !peak_->armed() || peak_->table() == nullptr) return env.Null();
  if (!(peak_->table()->TotalSize() > larger_than)) return env.Null();
  Napi::Object out = Napi::Object::New(env);
  out.Set("table", peak_->table()->ToJs(env));
  out.Set("heap", Napi::Number::New(env, peak_->heap_at_capture()));
  out.Set("timestamp", Napi::Number::New(env, peak_->time_at_capture()));
  out.Set("captures", Napi::Number::New(env, peak_->captures()));
  return out;
}

// armHeapLimitDump(ownPrefixes, path, domain, inlining): writes a dump to
// `path` (absolute) and its top lines to `path`.txt when the JS heap nears
// its limit, once (see heap_limit_dump.h). `domain`: the thread id the
// samples are put under; `inlining`: 0 unknown, 1 on, 2 off. Arming again
// replaces the path.
Napi::Value TracemallocAddon::ArmHeapLimitDump(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<std::string> own = StringListArg(info, 0, "ownPrefixes");
  if (!info[1].IsString()) {
    throw CodedTypeError(
        env, "Expected a string for path but received " + Describe(info[1]));
  }
  std::string path = info[1].As<Napi::String>().Utf8Value();
  if (path.empty() || path[0] != '/' || path.find('\0') != std::string::npos) {
    throw CodedRangeError(env, "path must be an absolute path");
  }
  DumpInfo dump;
  dump.domain =
      static_cast<uint32_t>(IntegerArg(info, 2, "domain", 0, 4294967295.0));
  dump.inlining = static_cast<uint8_t>(IntegerArg(info, 3, "inlining", 0, 2));
  if (!sampler_ || !sampler_->Running() || !heap_limit_) {
    throw CodedError(env, "ERR_TRACEMALLOC_NOT_TRACING",
                     "the tracemalloc module must be tracing memory "
                     "allocations to dump them near the heap limit");
  }
  heap_limit_own_prefixes_ = std::move(own);
  heap_limit_->Arm(std::move(path), dump);
  return env.Undefined();
}

Napi::Value TracemallocAddon::DisarmHeapLimitDump(
    const Napi::CallbackInfo& info) {
  if (heap_limit_) heap_limit_->Disarm();
  return info.Env().Undefined();
}

// The V8 profiler API lies outside Node-API's stable ABI: a binary built for
// another Node ABI would call V8 with the wrong object layout. Node does not
// check modules registered through Node-API, so we do, before anything runs.
Napi::Object Init(Napi::Env env, Napi::Object exports) {
  Napi::Value versions =
      env.Global().Get("process").As<Napi::Object>().Get("versions");
  std::string running;
  if (versions.IsObject()) {
    Napi::Value modules = versions.As<Napi::Object>().Get("modules");
    if (modules.IsString()) running = modules.As<Napi::String>().Utf8Value();
  }
  const std::string built = std::to_string(NODE_MODULE_VERSION);
  if (running != built) {
    throw CodedError(env, "ERR_TRACEMALLOC_ABI_MISMATCH",
                     "node-tracemalloc was built for Node ABI " + built +
                         " but this Node runs ABI " + running +
                         ": rebuild it (npm rebuild node-tracemalloc)");
  }
  return TracemallocAddon::Init(env, exports);
}

}  // namespace tracemalloc

// Shielded too: a worker terminated while it loads the addon must not abort.
static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  napi_value result = tracemalloc::Shielded(env, [&] {
    return static_cast<napi_value>(tracemalloc::Init(env, exports));
  });
  return Napi::Object(env, result);
}

NODE_API_MODULE(tracemalloc, InitModule)
