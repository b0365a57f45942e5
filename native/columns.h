// Handing C++ columns to JS: strings interned once, numbers copied into
// typed arrays in one memcpy each (never one JS object per row).
#ifndef TRACEMALLOC_COLUMNS_H_
#define TRACEMALLOC_COLUMNS_H_

#include <napi.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

namespace tracemalloc {

// Each distinct string once; Intern returns its row.
class StringInterner {
 public:
  uint32_t Intern(const std::string& s) {
    auto it = index_.find(s);
    if (it != index_.end()) return it->second;
    const auto row = static_cast<uint32_t>(strings_.size());
    strings_.push_back(s);
    index_.emplace(s, row);
    return row;
  }
  const std::string& operator[](uint32_t row) const { return strings_[row]; }
  // Mutable for compaction once interning is over (the index goes stale).
  std::vector<std::string>& strings() { return strings_; }
  const std::vector<std::string>& strings() const { return strings_; }

 private:
  std::vector<std::string> strings_;
  std::unordered_map<std::string, uint32_t> index_;
};

// Copies a column into a fresh JS typed array of the matching element type.
template <typename TypedArray, typename T>
TypedArray Column(Napi::Env env, const T* values, size_t size) {
  TypedArray array = TypedArray::New(env, size);
  if (size > 0) std::memcpy(array.Data(), values, size * sizeof(T));
  return array;
}

template <typename TypedArray, typename T>
TypedArray Column(Napi::Env env, const std::vector<T>& values) {
  return Column<TypedArray>(env, values.data(), values.size());
}

inline Napi::Array StringColumn(Napi::Env env,
                                const std::vector<std::string>& values) {
  Napi::Array array = Napi::Array::New(env, values.size());
  for (size_t i = 0; i < values.size(); i++) {
    array.Set(static_cast<uint32_t>(i), Napi::String::New(env, values[i]));
  }
  return array;
}

}  // namespace tracemalloc

#endif  // TRACEMALLOC_COLUMNS_H_
