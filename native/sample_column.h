// SampleColumn: one per-sample column of a ProfileTable (1M samples are
// 28 MB in all), written where it ends up. For a table going straight to
// JS (a snapshot), into a JS ArrayBuffer sized for every V8 sample, handed
// over as it is: copying the columns into typed arrays cost a tenth of a
// snapshot (perf, 1M traces). Otherwise (the peak capture, kept
// until asked for; getTracedMemory, which only sums) into C++ memory.
// (An external ArrayBuffer over C++ memory would avoid the copy too, but
// Node reports its size to V8 as it is made, which ran a full GC per
// snapshot.)
#ifndef TRACEMALLOC_SAMPLE_COLUMN_H_
#define TRACEMALLOC_SAMPLE_COLUMN_H_

#include <napi.h>

#include <cstddef>
#include <memory>

#include "columns.h"

namespace tracemalloc {

template <typename T>
class SampleColumn {
 public:
  // Room for `capacity` values: in a new JS ArrayBuffer when `env` is
  // given (then only valid within the current JS call), else in C++ memory.
  void Allocate(size_t capacity, napi_env env) {
    size_ = 0;
    capacity_ = capacity;
    if (env != nullptr && capacity > 0) {
      js_ = Napi::ArrayBuffer::New(Napi::Env(env), capacity * sizeof(T));
      data_ = static_cast<T*>(js_.Data());
    } else {
      owned_.reset(new T[capacity > 0 ? capacity : 1]);
      data_ = owned_.get();
    }
  }

  // Values past the capacity are dropped (never happens: it is the number
  // of V8 samples, and each is added at most once).
  void push_back(T value) {
    if (size_ < capacity_) data_[size_++] = value;
  }
  size_t size() const { return size_; }
  T operator[](size_t i) const { return data_[i]; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }

  // A typed array of the values: the JS buffer itself when the values fill
  // most of it, else a copy (a view leaving many samples out).
  template <typename TypedArray>
  TypedArray ToJs(Napi::Env env) const {
    if (!js_.IsEmpty() && size_ >= capacity_ - capacity_ / 4) {
      return TypedArray::New(env, size_, js_, 0);
    }
    return Column<TypedArray>(env, data_, size_);
  }

 private:
  T* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
  std::unique_ptr<T[]> owned_;
  Napi::ArrayBuffer js_;
};

}  // namespace tracemalloc

#endif  // TRACEMALLOC_SAMPLE_COLUMN_H_
