// Throw helpers: native errors look like Node's system errors (code, errno, syscall).
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
    case ENAMETOOLONG: return "ENAMETOOLONG";
    default: return "EUNKNOWN";
  }
}

// Throws `Error { code, errno, syscall }` and returns nullptr, for `return throw_errno(...)`.
inline napi_value throw_errno(napi_env env, int err, const char* syscall, const std::string& detail = "") {
  std::string message = std::string(syscall) + ": " + std::strerror(err) + (detail.empty() ? "" : " (" + detail + ")");
  napi_value msg, error, code, errnum, sys;
  napi_create_string_utf8(env, message.c_str(), NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, nullptr, msg, &error);
  napi_create_string_utf8(env, errno_name(err), NAPI_AUTO_LENGTH, &code);
  napi_create_int32(env, -err, &errnum);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &sys);
  napi_set_named_property(env, error, "code", code);
  napi_set_named_property(env, error, "errno", errnum);
  napi_set_named_property(env, error, "syscall", sys);
  napi_throw(env, error);
  return nullptr;
}

inline napi_value throw_type(napi_env env, const char* message) {
  napi_throw_type_error(env, nullptr, message);
  return nullptr;
}

}  // namespace mpts
