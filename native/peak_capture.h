// PeakCapture: the traces alive when the JS heap was fullest (the "peak"
// view), kept natively so that a batch program whose data is garbage by the
// time it exits still reports what filled its memory.
//
// A GC epilogue callback reads the heap used after each collection (what
// survived it); when that passes the last capture by a margin, it asks V8 to
// interrupt JS at its next stack check (Isolate::RequestInterrupt), and the
// interrupt builds the profile table there. Nothing runs inside the GC
// callback but a heap statistics read: a GC callback must not call into the
// profiler or JS. Interrupts are serviced inside running JS (function entry,
// loop back edges), so this works in a program that never yields to the
// event loop; no JS runs in the interrupt either.
#ifndef TRACEMALLOC_PEAK_CAPTURE_H_
#define TRACEMALLOC_PEAK_CAPTURE_H_

#include <v8.h>

#include <cstdint>
#include <functional>
#include <memory>

#include "profile_table.h"

namespace tracemalloc {

class PeakCapture {
 public:
  // Builds the table of the sampler's current profile; null when the
  // sampler is not ours any more. Called only from the interrupt, on the
  // isolate's thread, inside a HandleScope.
  using Builder = std::function<std::unique_ptr<ProfileTable>()>;

  PeakCapture(v8::Isolate* isolate, Builder build);
  ~PeakCapture();
  PeakCapture(const PeakCapture&) = delete;
  PeakCapture& operator=(const PeakCapture&) = delete;

  // Starts watching from the heap used now, forgetting any capture: the next
  // one comes once the heap after a GC exceeds max(last capture × (1 +
  // margin), now + min_growth).
  void Arm(double margin, double min_growth);
  // Stops watching and forgets the capture.
  void Disarm();
  bool armed() const { return armed_; }

  // The last capture, or null; with the heap used and the wall time (ms
  // since the epoch) when it was taken, and how many were taken.
  const ProfileTable* table() const { return table_.get(); }
  double heap_at_capture() const { return heap_at_capture_; }
  double time_at_capture() const { return time_at_capture_; }
  double captures() const { return captures_; }

 private:
  // Outlives this object when an interrupt is pending at its destruction:
  // V8 cannot cancel an interrupt, so the callback frees it instead.
  struct Pending {
    PeakCapture* owner;
  };

  static void OnEpilogue(v8::Isolate* isolate, v8::GCType type,
                         v8::GCCallbackFlags flags, void* data);
  static void OnInterrupt(v8::Isolate* isolate, void* data);
  void Capture();
  double UsedNow();
  double Threshold() const;

  v8::Isolate* isolate_;
  Builder build_;
  bool armed_ = false;
  double margin_ = 0;
  double min_growth_ = 0;
  double baseline_ = 0;
  Pending* pending_ = nullptr;
  double trigger_heap_ = 0;  // heap used after the GC that asked for the capture
  std::unique_ptr<ProfileTable> table_;
  double heap_at_capture_ = 0;
  double time_at_capture_ = 0;
  double captures_ = 0;
};

}  // namespace tracemalloc

#endif  // TRACEMALLOC_PEAK_CAPTURE_H_
