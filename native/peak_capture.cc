#include "peak_capture.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <utility>

namespace tracemalloc {

PeakCapture::PeakCapture(v8::Isolate* isolate, Builder build)
    : isolate_(isolate), build_(std::move(build)) {
  isolate_->AddGCEpilogueCallback(OnEpilogue, this);
}

PeakCapture::~PeakCapture() {
  StopTicker();  // no request can come from another thread after this
  isolate_->RemoveGCEpilogueCallback(OnEpilogue, this);
  // Interrupts run on this (the isolate's) thread: none is running now.
  Pending* pending = pending_.exchange(nullptr);
  if (pending != nullptr) pending->owner = nullptr;
}

double PeakCapture::YoungGeneration() {
  double young = 0;
  for (size_t i = 0; i < isolate_->NumberOfHeapSpaces(); i++) {
    v8::HeapSpaceStatistics space;
    if (!isolate_->GetHeapSpaceStatistics(&space, i)) continue;
    const char* name = space.space_name();
    if (name != nullptr && std::strncmp(name, "new_", 4) == 0) {
      young += static_cast<double>(space.space_used_size());
    }
  }
  return young;
}

double PeakCapture::Heap() {
  v8::HeapStatistics stats;
  isolate_->GetHeapStatistics(&stats);
  return static_cast<double>(stats.used_heap_size()) - YoungGeneration() +
         young_after_gc_;
}

void PeakCapture::Arm(double margin, double min_growth) {
  margin_ = margin;
  min_growth_ = min_growth;
  young_after_gc_ = YoungGeneration();
  baseline_ = Heap();
  Forget();
  armed_ = true;
  watching_ = true;
  if (!ticker_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(ticker_mutex_);
      ticker_stop_ = false;
    }
    ticker_ = std::thread([this] { Tick(); });
  }
}

void PeakCapture::Disarm() {
  armed_ = false;
  watching_ = false;
  StopTicker();
  Forget();
}

void PeakCapture::Forget() {
  table_.reset();
  table_bytes_ = 0;
  table_heap_ = 0;
  heap_at_capture_ = 0;
  time_at_capture_ = 0;
  captures_ = 0;
}

void PeakCapture::StopTicker() {
  if (!ticker_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(ticker_mutex_);
    ticker_stop_ = true;
  }
  ticker_wake_.notify_all();
  ticker_.join();
}

void PeakCapture::Tick() {
  std::unique_lock<std::mutex> lock(ticker_mutex_);
  while (!ticker_wake_.wait_for(lock, std::chrono::milliseconds(kTickMs),
                                [this] { return ticker_stop_; })) {
    if (watching_) Request();
  }
}

double PeakCapture::Threshold() const {
  return std::max(heap_at_capture_ * (1 + margin_), baseline_ + min_growth_);
}

void PeakCapture::Request() {
  auto* pending = new Pending{this};
  Pending* expected = nullptr;
  if (!pending_.compare_exchange_strong(expected, pending)) {
    delete pending;  // one is already on its way
    return;
  }
  isolate_->RequestInterrupt(OnInterrupt, pending);
}

void PeakCapture::OnEpilogue(v8::Isolate*, v8::GCType, v8::GCCallbackFlags,
                             void* data) {
  auto* self = static_cast<PeakCapture*>(data);
  if (!self->armed_) return;
  // Right after a collection the young generation holds only survivors.
  self->young_after_gc_ = self->YoungGeneration();
  if (self->Heap() <= self->Threshold()) return;
  self->Request();
}

void PeakCapture::OnInterrupt(v8::Isolate*, void* data) {
  std::unique_ptr<Pending> pending(static_cast<Pending*>(data));
  PeakCapture* self = pending->owner;
  if (self == nullptr) return;  // the addon went away meanwhile
  self->pending_.store(nullptr);
  if (!self->armed_) return;
  self->Capture(false);
}

void PeakCapture::Capture(bool force) {
  // Measured again: a GC since the request may have freed part of it.
  double heap = Heap();
  if (!force && heap <= Threshold()) return;
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
  // Raised even when the table is not kept: the next look waits for more.
  heap_at_capture_ = std::max(heap_at_capture_, heap);
  double bytes = table->TotalSize();
  if (table_ && bytes <= table_bytes_) return;
  table_ = std::move(table);
  table_bytes_ = bytes;
  table_heap_ = heap;
  time_at_capture_ = static_cast<double>(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
  captures_++;
}

}  // namespace tracemalloc
