// Reading what V8's profiler API hands us, one definition each: a V8 string
// as UTF-8, and the number of objects one sample stands for.
#ifndef TRACEMALLOC_V8_VALUES_H_
#define TRACEMALLOC_V8_VALUES_H_

#include <v8.h>

#include <cmath>
#include <cstdint>
#include <string>

namespace tracemalloc {

// Utf8Value is the one UTF-8 API stable from V8 11 to 14 (WriteUtf8 and
// Utf8Length are gone in 14); it replaces invalid surrogates.
inline std::string Utf8Of(v8::Isolate* isolate, v8::Local<v8::String> s) {
  if (s.IsEmpty()) return std::string();
  v8::String::Utf8Value utf8(isolate, s);
  if (*utf8 == nullptr) return std::string();
  return std::string(*utf8, static_cast<size_t>(utf8.length()));
}

// The objects one sample of `size` bytes stands for at `interval`: 1 /
// (1 - e^(-size/interval)), the probability V8's Poisson sampler picks it
// (ScaleSample in sampling-heap-profiler.cc), unrounded; 1 at interval 1.
inline double ScaledCount(double size, uint64_t interval) {
  if (interval <= 1) return 1.0;
  return 1.0 / (1.0 - std::exp(-size / static_cast<double>(interval)));
}

}  // namespace tracemalloc

#endif  // TRACEMALLOC_V8_VALUES_H_
