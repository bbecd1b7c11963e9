// Reading a call's arguments: every value is checked before it is cast, so NaN, a negative size,
// a fraction or a number past what the C type holds is a TypeError or RangeError, never undefined
// behaviour. Each returns false with an exception pending.
#pragma once
#include <node_api.h>

#include <cmath>
#include <cstdint>
#include <string>

#include "errors.h"

namespace mpts {

// The largest byte count a SharedArrayBuffer may have (V8's kMaxByteLength on 64-bit hosts).
constexpr double kMaxBytes = 9007199254740991.0;  // 2^53 - 1
// Timeouts from here on mean "forever": their nanoseconds would not fit in an int64_t.
constexpr double kForeverMs = 9.0e12;

// The call's arguments, at least `n` of them; the rest of `argv` (up to `max`) is undefined.
inline bool get_args(napi_env env, napi_callback_info info, size_t n, size_t max, napi_value* argv, const char* signature) {
  size_t argc = max;
  NAPI_CHECK_OR(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), false);
  if (argc < n) {
    throw_type(env, (std::string("expected ") + signature).c_str());
    return false;
  }
  napi_value undefined;
  NAPI_CHECK_OR(napi_get_undefined(env, &undefined), false);
  for (size_t i = argc; i < max; i++) argv[i] = undefined;
  return true;
}

inline bool get_number(napi_env env, napi_value value, double* out, const char* what) {
  napi_valuetype type;
  NAPI_CHECK_OR(napi_typeof(env, value, &type), false);
  if (type != napi_number) {
    throw_type(env, (std::string(what) + " must be a number").c_str());
    return false;
  }
  NAPI_CHECK_OR(napi_get_value_double(env, value, out), false);
  if (std::isnan(*out)) {
    throw_type(env, (std::string(what) + " must be a number, not NaN").c_str());
    return false;
  }
  return true;
}

// A whole number in [min, max].
inline bool get_whole(napi_env env, napi_value value, double min, double max, double* out, const char* what) {
  if (!get_number(env, value, out, what)) return false;
  if (*out < min || *out > max || std::floor(*out) != *out) {
    throw_range(env, std::string(what) + " must be a whole number from " + std::to_string(static_cast<int64_t>(min)) + " to " +
                         std::to_string(static_cast<int64_t>(max)) + ", got " + std::to_string(*out));
    return false;
  }
  return true;
}

inline bool get_int32(napi_env env, napi_value value, int32_t* out, const char* what, double min = -2147483648.0) {
  double v = 0;
  if (!get_whole(env, value, min, 2147483647.0, &v, what)) return false;
  *out = static_cast<int32_t>(v);
  return true;
}

// A segment size in bytes: 1 .. 2^53 - 1.
inline bool get_size(napi_env env, napi_value value, size_t* out, const char* what = "size") {
  double v = 0;
  if (!get_whole(env, value, 1, kMaxBytes, &v, what)) return false;
  *out = static_cast<size_t>(v);
  return true;
}

// A timeout in milliseconds, 0 or more; Infinity (or anything past kForeverMs) waits forever (-1).
inline bool get_timeout_ns(napi_env env, napi_value value, int64_t* out) {
  double ms = 0;
  if (!get_number(env, value, &ms, "timeout")) return false;
  if (ms < 0) {
    throw_range(env, "timeout must be 0 or more milliseconds (Infinity: no timeout), got " + std::to_string(ms));
    return false;
  }
  *out = ms >= kForeverMs ? -1 : static_cast<int64_t>(ms * 1e6);
  return true;
}

inline bool get_string(napi_env env, napi_value value, std::string* out, const char* what) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, value, nullptr, 0, &len) != napi_ok) {
    throw_type(env, (std::string(what) + " must be a string").c_str());
    return false;
  }
  out->resize(len);
  NAPI_CHECK_OR(napi_get_value_string_utf8(env, value, out->data(), len + 1, &len), false);
  return true;
}

inline napi_value make_number(napi_env env, double v) {
  napi_value out;
  NAPI_CHECK(napi_create_double(env, v, &out));
  return out;
}

inline napi_value make_bool(napi_env env, bool v) {
  napi_value out;
  NAPI_CHECK(napi_get_boolean(env, v, &out));
  return out;
}

inline napi_value make_int32(napi_env env, int32_t v) {
  napi_value out;
  NAPI_CHECK(napi_create_int32(env, v, &out));
  return out;
}

}  // namespace mpts
