#include "heap_watch.h"

#include <algorithm>

namespace tracemalloc {

HeapWatch::HeapWatch(v8::Isolate* isolate) : isolate_(isolate) {
  isolate_->AddGCPrologueCallback(OnPrologue, this);
  isolate_->AddGCEpilogueCallback(OnEpilogue, this);
  Reset();
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

void HeapWatch::Reset() {
  baseline_ = UsedNow();
  peak_ = baseline_;
  freed_ = 0;
  gc_count_ = 0;
}

void HeapWatch::ResetPeak() { peak_ = UsedNow(); }

HeapCounters HeapWatch::Read() {
  size_t used = UsedNow();
  peak_ = std::max(peak_, used);
  HeapCounters c;
  c.used = static_cast<double>(used);
  c.baseline = static_cast<double>(baseline_);
  c.peak = static_cast<double>(peak_);
  // used - baseline can be negative (objects older than the window died);
  // what they freed is already in freed_, so the sum stays a true total.
  c.allocated = static_cast<double>(freed_) + static_cast<double>(used) -
                static_cast<double>(baseline_);
  if (c.allocated < 0) c.allocated = 0;
  c.gc_count = static_cast<double>(gc_count_);
  return c;
}

void HeapWatch::OnPrologue(v8::Isolate*, v8::GCType, v8::GCCallbackFlags,
                           void* data) {
  auto* self = static_cast<HeapWatch*>(data);
  self->used_before_gc_ = self->UsedNow();
  self->peak_ = std::max(self->peak_, self->used_before_gc_);
}

void HeapWatch::OnEpilogue(v8::Isolate*, v8::GCType, v8::GCCallbackFlags,
                           void* data) {
  auto* self = static_cast<HeapWatch*>(data);
  size_t after = self->UsedNow();
  // Concurrent sweeping can make a collection look like growth; a GC never
  // allocates JS objects, so clamp the rare negative delta to zero.
  if (self->used_before_gc_ > after) {
    self->freed_ += self->used_before_gc_ - after;
  }
  self->gc_count_++;
}

}  // namespace tracemalloc
