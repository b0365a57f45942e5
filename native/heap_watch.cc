#include "heap_watch.h"

#include <algorithm>

namespace tracemalloc {

HeapWatch::HeapWatch(v8::Isolate* isolate) : isolate_(isolate) {
  isolate_->AddGCPrologueCallback(OnPrologue, this);
  isolate_->AddGCEpilogueCallback(OnEpilogue, this);
  start_used_ = UsedNow();
  last_used_ = start_used_;
  peak_ = start_used_;
}

HeapWatch::~HeapWatch() {
  isolate_->RemoveGCPrologueCallback(OnPrologue, this);
  isolate_->RemoveGCEpilogueCallback(OnEpilogue, this);
}

size_t HeapWatch::UsedNow() {
  v8::HeapStatistics stats;
  isolate_->GetHeapStatistics(&stats);
  return stats.used_heap_size();
}

void HeapWatch::ResetPeak() { peak_ = UsedNow(); }

void HeapWatch::Observe(size_t used) {
  // The used heap shrinks when memory is freed: by a collection, or by
  // sweeping that V8 finishes concurrently after a GC's epilogue. It also
  // shrinks when V8 gives back the unused end of an allocation buffer, which
  // is counted as freed too: the total stays monotonic, and over-counts by
  // at most one buffer per give-back.
  if (used < last_used_) freed_ += last_used_ - used;
  last_used_ = used;
  peak_ = std::max(peak_, used);
}

HeapCounters HeapWatch::Read() {
  size_t used = UsedNow();
  Observe(used);
  HeapCounters c;
  c.used = static_cast<double>(used);
  c.peak = static_cast<double>(peak_);
  // used - start_used_ can be negative (objects older than the watch died);
  // what they freed is in freed_, so the sum stays a true total.
  c.allocated = static_cast<double>(freed_) + static_cast<double>(used) -
                static_cast<double>(start_used_);
  c.gc_count = static_cast<double>(gc_count_);
  return c;
}

void HeapWatch::OnPrologue(v8::Isolate*, v8::GCType, v8::GCCallbackFlags,
                           void* data) {
  auto* self = static_cast<HeapWatch*>(data);
  self->Observe(self->UsedNow());
}

void HeapWatch::OnEpilogue(v8::Isolate*, v8::GCType, v8::GCCallbackFlags,
                           void* data) {
  auto* self = static_cast<HeapWatch*>(data);
  self->Observe(self->UsedNow());
  self->gc_count_++;
}

}  // namespace tracemalloc
