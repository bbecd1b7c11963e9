// Throw helpers: native errors look like Node's system errors (code, errno, syscall), and a
// Node-API call that fails leaves an exception pending instead of being ignored.
#pragma once
#include <node_api.h>
#include <cerrno>
#include <cstring>
#include <string>

namespace mpts {

inline const char* errno_name(int err) {
  switch (err) {
    case EEXIST: return "EEXIST";
    case ENOENT: return "ENOENT";
    case ENOSPC: return "ENOSPC";
    case EACCES: return "EACCES";
    case EINVAL: return "EINVAL";
    case ENOSYS: return "ENOSYS";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ENOMEM: return "ENOMEM";
    case EPERM: return "EPERM";
    case EBADF: return "EBADF";
    case ESRCH: return "ESRCH";
    case EFBIG: return "EFBIG";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    default: return "EUNKNOWN";
  }
}

// A Node-API call returned an error status: make sure an exception is pending (the call's own, or
// one made from its error info) and return nullptr, so the JS caller sees what went wrong.
inline napi_value napi_failed(napi_env env) {
  const napi_extended_error_info* info = nullptr;
  const char* message = "a Node-API call failed";
  if (napi_get_last_error_info(env, &info) == napi_ok && info != nullptr && info->error_message != nullptr) {
    message = info->error_message;
  }
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && !pending) {
    std::string text = std::string("multiprocessing-ts native addon: ") + message;
    (void)napi_throw_error(env, "ERR_MP_NATIVE", text.c_str());  // nothing more to do if even this fails
  }
  return nullptr;
}

}  // namespace mpts

// Return from the calling function (nullptr, or `value`) when a Node-API call fails; `env` in scope.
#define NAPI_CHECK(call)                                                                   \
  do {                                                                                     \
    if ((call) != napi_ok) return ::mpts::napi_failed(env);                                \
  } while (0)
#define NAPI_CHECK_OR(call, value)                                                         \
  do {                                                                                     \
    if ((call) != napi_ok) {                                                               \
      ::mpts::napi_failed(env);                                                            \
      return value;                                                                        \
    }                                                                                      \
  } while (0)

namespace mpts {

// Throws `Error { code, errno, syscall }` and returns nullptr, for `return throw_errno(...)`.
inline napi_value throw_errno(napi_env env, int err, const char* syscall, const std::string& detail = "") {
  std::string message = std::string(syscall) + ": " + std::strerror(err) + (detail.empty() ? "" : " (" + detail + ")");
  napi_value msg, error, code, errnum, sys;
  NAPI_CHECK(napi_create_string_utf8(env, message.c_str(), NAPI_AUTO_LENGTH, &msg));
  NAPI_CHECK(napi_create_error(env, nullptr, msg, &error));
  NAPI_CHECK(napi_create_string_utf8(env, errno_name(err), NAPI_AUTO_LENGTH, &code));
  NAPI_CHECK(napi_create_int32(env, -err, &errnum));
  NAPI_CHECK(napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &sys));
  NAPI_CHECK(napi_set_named_property(env, error, "code", code));
  NAPI_CHECK(napi_set_named_property(env, error, "errno", errnum));
  NAPI_CHECK(napi_set_named_property(env, error, "syscall", sys));
  NAPI_CHECK(napi_throw(env, error));
  return nullptr;
}

inline napi_value throw_type(napi_env env, const char* message) {
  NAPI_CHECK(napi_throw_type_error(env, nullptr, message));
  return nullptr;
}

inline napi_value throw_range(napi_env env, const std::string& message) {
  NAPI_CHECK(napi_throw_range_error(env, "ERR_OUT_OF_RANGE", message.c_str()));
  return nullptr;
}

}  // namespace mpts
