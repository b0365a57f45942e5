// Errors thrown to JS carry a stable `code`, so callers can tell a bad
// argument from a state problem without parsing messages.
#ifndef TRACEMALLOC_ERRORS_H_
#define TRACEMALLOC_ERRORS_H_

#include <napi.h>

#include <string>

namespace tracemalloc {

inline Napi::Error CodedError(Napi::Env env, const char* code,
                              const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  return error;
}

inline Napi::Error CodedTypeError(Napi::Env env, const std::string& message) {
  Napi::Error error = Napi::TypeError::New(env, message);
  error.Set("code", Napi::String::New(env, "ERR_INVALID_ARG_TYPE"));
  return error;
}

inline Napi::Error CodedRangeError(Napi::Env env, const std::string& message) {
  Napi::Error error = Napi::RangeError::New(env, message);
  error.Set("code", Napi::String::New(env, "ERR_OUT_OF_RANGE"));
  return error;
}

}  // namespace tracemalloc

#endif  // TRACEMALLOC_ERRORS_H_
