// Errors thrown to JS carry a stable `code`, so callers can tell a bad
// argument from a state problem without parsing messages.
#ifndef TRACEMALLOC_ERRORS_H_
#define TRACEMALLOC_ERRORS_H_

#include <napi.h>

#include <exception>
#include <new>
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

// Throws `error` into JS, or drops it when JS can no longer run (a worker
// being terminated, the process exiting): napi_throw then fails, and
// node-addon-api would rethrow that failure as a C++ exception from inside its
// own catch handler, where nothing catches it (std::terminate: SIGABRT, the
// program's exit code lost). Uses the C API only, so it cannot throw.
inline void ThrowOrDrop(napi_env env, napi_value error) noexcept {
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending) return;
  napi_throw(env, error);  // a failure means the environment is going away
}

inline void ThrowOrDrop(napi_env env, const char* code,
                        const char* message) noexcept {
  napi_value code_value = nullptr, message_value = nullptr, error = nullptr;
  if (napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &code_value) !=
          napi_ok ||
      napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &message_value) !=
          napi_ok ||
      napi_create_error(env, code_value, message_value, &error) != napi_ok) {
    return;
  }
  ThrowOrDrop(env, error);
}

// Runs one binding call so that no C++ exception of any kind leaves it: a
// Napi::Error becomes its JS error, std::bad_alloc (a profile too large to
// convert) and anything else a coded Error; each is dropped instead when it
// cannot be thrown (see ThrowOrDrop). Returns nullptr after an error.
template <typename Body>
napi_value Shielded(napi_env env, Body&& body) noexcept {
  try {
    return body();
  } catch (const Napi::Error& error) {
    try {
      ThrowOrDrop(env, error.Value());
    } catch (...) {
      // Reading the error back failed: the environment is going away.
    }
  } catch (const std::bad_alloc&) {
    ThrowOrDrop(env, "ERR_TRACEMALLOC_OUT_OF_MEMORY",
                "node-tracemalloc ran out of memory converting V8's profile "
                "(sample less: a larger interval keeps fewer samples)");
  } catch (const std::exception& error) {
    ThrowOrDrop(env, "ERR_TRACEMALLOC_NATIVE", error.what());
  } catch (...) {
    ThrowOrDrop(env, "ERR_TRACEMALLOC_NATIVE",
                "node-tracemalloc's native code raised an unknown exception");
  }
  return nullptr;
}

}  // namespace tracemalloc

#endif  // TRACEMALLOC_ERRORS_H_
