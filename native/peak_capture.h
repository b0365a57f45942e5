// PeakCapture: the traces alive when the JS heap was fullest (the "peak"
// view), kept natively so that a batch program whose data is garbage by the
// time it exits still reports what filled its memory.
//
// When to look: the heap measured is the old generation now plus what the
// young generation held right after the last collection (its survivors):
// the young generation since then is mostly garbage. Two triggers ask V8 to
// interrupt JS at its next stack check (Isolate::RequestInterrupt) once that
// heap has passed the last look by a margin, and the interrupt builds the
// profile table there:
//  - a GC epilogue callback, when a collection leaves more behind;
//  - a ticker thread, every kTickMs: V8 allocates long-lived objects straight
//    into old space once it has seen their kind survive (pretenuring), so a
//    growing heap may see no GC for a long while.
// What to keep: a table replaces the kept one only if it traces more bytes
// (objects alive then, and garbage not yet collected then). A peak that
// lives and dies in the young generation between two collections is seen
// only by a look just before a snapshot (CaptureNow).
// Nothing runs inside the GC callback but a heap statistics read (a GC
// callback must not call into the profiler or JS), and the ticker only asks
// for an interrupt (thread-safe by V8's contract). Interrupts are serviced
// inside running JS (function entry, loop back edges), so this works in a
// program that never yields to the event loop; no JS runs in the interrupt.
#ifndef TRACEMALLOC_PEAK_CAPTURE_H_
#define TRACEMALLOC_PEAK_CAPTURE_H_

#include <v8.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "profile_table.h"

namespace tracemalloc {

class PeakCapture {
 public:
  // Builds the table of the sampler's current profile; null when the
  // sampler is not ours any more. Called only from the interrupt, on the
  // isolate's thread, inside a HandleScope.
  using Builder = std::function<std::unique_ptr<ProfileTable>()>;

  // Between two checks of the heap by the ticker.
  static constexpr int kTickMs = 50;

  PeakCapture(v8::Isolate* isolate, Builder build);
  ~PeakCapture();
  PeakCapture(const PeakCapture&) = delete;
  PeakCapture& operator=(const PeakCapture&) = delete;

  // Starts watching from the heap used now, forgetting any capture: the next
  // one comes once the heap exceeds max(last capture × (1 + margin), now +
  // min_growth).
  void Arm(double margin, double min_growth);
  // Stops watching and forgets the capture.
  void Disarm();
  // Looks now, whatever the heap (from a JS call, on the isolate's thread):
  // before a snapshot of the peak, so that growth since the last look, young
  // objects included, is not missed.
  void CaptureNow() {
    if (armed_) Capture(true);
  }
  bool armed() const { return armed_; }

  // The kept capture, or null; with the heap it was taken at, the wall time
  // (ms since the epoch), and how many tables were kept.
  const ProfileTable* table() const { return table_.get(); }
  double heap_at_capture() const { return table_heap_; }
  double time_at_capture() const { return time_at_capture_; }
  double captures() const { return captures_; }

 private:
  // One interrupt request. Outlives this object when V8 has not run it yet
  // at its destruction (V8 cannot cancel an interrupt): the callback then
  // finds no owner and only frees it.
  struct Pending {
    PeakCapture* owner;
  };

  static void OnEpilogue(v8::Isolate* isolate, v8::GCType type,
                         v8::GCCallbackFlags flags, void* data);
  static void OnInterrupt(v8::Isolate* isolate, void* data);
  // Any thread: asks for one interrupt unless one is already pending.
  void Request();
  void Tick();
  void StopTicker();
  // Drops the kept table and every figure about it.
  void Forget();
  // `force`: look even if the heap has not passed the threshold.
  void Capture(bool force);
  // Bytes used by the young generation (the new_* spaces).
  double YoungGeneration();
  // The heap that decides when to look (see above).
  double Heap();
  double Threshold() const;

  v8::Isolate* isolate_;
  Builder build_;
  // Isolate thread only.
  bool armed_ = false;
  double margin_ = 0;
  double min_growth_ = 0;
  double baseline_ = 0;
  double young_after_gc_ = 0;
  std::unique_ptr<ProfileTable> table_;
  double table_bytes_ = 0;
  double table_heap_ = 0;  // Heap() when the kept table was taken
  // Heap() at the last look (the threshold's base).
  double heap_at_capture_ = 0;
  double time_at_capture_ = 0;
  double captures_ = 0;
  // Shared with the ticker thread.
  std::atomic<Pending*> pending_{nullptr};
  std::atomic<bool> watching_{false};
  std::thread ticker_;
  std::mutex ticker_mutex_;
  std::condition_variable ticker_wake_;
  bool ticker_stop_ = false;  // under ticker_mutex_
};

}  // namespace tracemalloc

#endif  // TRACEMALLOC_PEAK_CAPTURE_H_
