#include "peak_capture.h"

#include <algorithm>
#include <chrono>
#include <utility>

namespace tracemalloc {

PeakCapture::PeakCapture(v8::Isolate* isolate, Builder build)
    : isolate_(isolate), build_(std::move(build)) {
  isolate_->AddGCEpilogueCallback(OnEpilogue, this);
}

PeakCapture::~PeakCapture() {
  isolate_->RemoveGCEpilogueCallback(OnEpilogue, this);
  // An interrupt V8 has not run yet will find no owner and only free this.
  if (pending_ != nullptr) pending_->owner = nullptr;
}

double PeakCapture::UsedNow() {
  v8::HeapStatistics stats;
  isolate_->GetHeapStatistics(&stats);
  return static_cast<double>(stats.used_heap_size());
}

void PeakCapture::Arm(double margin, double min_growth) {
  margin_ = margin;
  min_growth_ = min_growth;
  baseline_ = UsedNow();
  table_.reset();
  heap_at_capture_ = 0;
  time_at_capture_ = 0;
  captures_ = 0;
  armed_ = true;
}

void PeakCapture::Disarm() {
  armed_ = false;
  table_.reset();
  heap_at_capture_ = 0;
  time_at_capture_ = 0;
  captures_ = 0;
}

double PeakCapture::Threshold() const {
  return std::max(heap_at_capture_ * (1 + margin_), baseline_ + min_growth_);
}

void PeakCapture::OnEpilogue(v8::Isolate* isolate, v8::GCType,
                             v8::GCCallbackFlags, void* data) {
  auto* self = static_cast<PeakCapture*>(data);
  if (!self->armed_ || self->pending_ != nullptr) return;
  // Heap used right after a collection: what survived it, the closest to
  // "live" a GC callback can read for free.
  double used = self->UsedNow();
  if (used <= self->Threshold()) return;
  self->trigger_heap_ = used;
  self->pending_ = new Pending{self};
  isolate->RequestInterrupt(OnInterrupt, self->pending_);
}

void PeakCapture::OnInterrupt(v8::Isolate*, void* data) {
  std::unique_ptr<Pending> pending(static_cast<Pending*>(data));
  PeakCapture* self = pending->owner;
  if (self == nullptr) return;  // the addon went away meanwhile
  self->pending_ = nullptr;
  if (!self->armed_) return;
  self->Capture();
}

void PeakCapture::Capture() {
  // The level the GC saw, unless a later GC has since freed part of it
  // (the heap now also holds what was allocated after that GC).
  double heap = std::min(trigger_heap_, UsedNow());
  if (heap <= Threshold()) return;
  v8::HandleScope scope(isolate_);
  std::unique_ptr<ProfileTable> table;
  try {
    table = build_();
  } catch (...) {
    // Never let an exception leave an interrupt (there is no JS caller to
    // hand it to); a failed capture only means no newer peak.
    return;
  }
  if (!table) return;
  table_ = std::move(table);
  heap_at_capture_ = heap;
  time_at_capture_ = static_cast<double>(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
  captures_++;
}

}  // namespace tracemalloc
