// multiprocessing-ts native substrate: shared memory segments and futex waits, plus two things
// Node cannot do fast itself (polling sockets without sleeping, memcpy to and from shared memory).
// Everything ergonomic is TypeScript (src/addon/binding.ts and above).
//
// The addon wraps mapped memory as SharedArrayBuffers with V8's own API, so it works only under
// the Node ABI it was compiled for; it registers through Node-API (its other calls are Node-API),
// which Node does not check against the ABI, so Init checks it before anything touches V8.
#include <node_api.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "addon.h"
#include "args.h"
#include "errors.h"
#include "platform.h"

namespace mpts {
namespace {

napi_value SetParentDeathSignal(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t signo = 0;
  if (!get_args(env, info, 1, 1, argv, "setParentDeathSignal(signo)") || !get_int32(env, argv[0], &signo, "signo", 1)) return nullptr;
  int err = set_parent_death_signal(signo);
  if (err != 0) return throw_errno(env, err, "prctl");
  return nullptr;
}

napi_value WatchLifeline(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd = -1;
  if (!get_args(env, info, 1, 1, argv, "watchLifeline(fd)") || !get_int32(env, argv[0], &fd, "fd", 0)) return nullptr;
  int err = watch_lifeline(fd);
  if (err != 0) return throw_errno(env, err, "fcntl");
  return nullptr;
}

napi_value ProcessAlive(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t pid = 0;
  if (!get_args(env, info, 1, 1, argv, "processAlive(pid)") || !get_int32(env, argv[0], &pid, "pid")) return nullptr;
  return make_bool(env, pid > 0 && process_alive(pid));
}

napi_value ProcessStartTime(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t pid = 0;
  if (!get_args(env, info, 1, 1, argv, "processStartTime(pid)") || !get_int32(env, argv[0], &pid, "pid", 1)) return nullptr;
  return make_number(env, static_cast<double>(process_start_time(pid)));
}

// The elements of a typed array of `type` (their count in `length`), or nullptr after throwing.
void* typed_data(napi_env env, napi_value array, napi_typedarray_type type, size_t* length, const char* expected) {
  bool is_typed = false;
  napi_typedarray_type actual;
  void* data = nullptr;
  NAPI_CHECK_OR(napi_is_typedarray(env, array, &is_typed), nullptr);
  if (!is_typed) {
    throw_type(env, expected);
    return nullptr;
  }
  NAPI_CHECK_OR(napi_get_typedarray_info(env, array, &actual, length, &data, nullptr, nullptr), nullptr);
  if (actual != type) {
    throw_type(env, expected);
    return nullptr;
  }
  // An empty view may have no data pointer; nothing is read or written through it then.
  static char empty;
  return data != nullptr ? data : &empty;
}

// Whether one of the sockets in an Int32Array of fds becomes readable within `ms` milliseconds,
// found by polling without sleeping: a server that expects its next request at once then sees it
// without paying for being woken from sleep (tens of microseconds on a VM, more than the call).
napi_value SpinUntilReadable(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, 2, argv, "spinUntilReadable(fds: Int32Array, ms)")) return nullptr;
  size_t count = 0;
  void* data = typed_data(env, argv[0], napi_int32_array, &count, "expected an Int32Array of fds");
  if (data == nullptr) return nullptr;
  int64_t limit = 0;
  if (!get_timeout_ns(env, argv[1], &limit)) return nullptr;
  std::vector<pollfd> fds(count);
  for (size_t i = 0; i < count; i++) fds[i] = {static_cast<int32_t*>(data)[i], POLLIN, 0};
  const int64_t start = monotonic_ns();
  bool ready = false;
  while (count > 0) {
    if (poll(fds.data(), count, 0) != 0) {
      ready = true;
      break;
    }
    if (limit >= 0 && monotonic_ns() - start >= limit) break;
  }
  return make_bool(env, ready);
}

// copyBytes(target, targetOffset, source, sourceOffset, length): memcpy between Uint8Arrays.
// V8 copies to or from shared memory word by word with relaxed atomics (other threads may be
// writing it); the rings copy only bytes nobody else writes at the time, so plain memcpy is
// right there, and several times faster for a large message.
napi_value CopyBytes(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!get_args(env, info, 5, 5, argv, "copyBytes(target, targetOffset, source, sourceOffset, length)")) return nullptr;
  size_t target_length = 0, source_length = 0;
  auto* target = static_cast<uint8_t*>(typed_data(env, argv[0], napi_uint8_array, &target_length, "expected a Uint8Array"));
  if (target == nullptr) return nullptr;
  auto* source = static_cast<uint8_t*>(typed_data(env, argv[2], napi_uint8_array, &source_length, "expected a Uint8Array"));
  if (source == nullptr) return nullptr;
  double target_offset = 0, source_offset = 0, length = 0;
  if (!get_number(env, argv[1], &target_offset, "targetOffset") || !get_number(env, argv[3], &source_offset, "sourceOffset") ||
      !get_number(env, argv[4], &length, "length")) {
    return nullptr;
  }
  if (!(target_offset >= 0 && source_offset >= 0 && length >= 0) || target_offset + length > target_length || source_offset + length > source_length) {
    return throw_type(env, "copyBytes: range out of bounds");
  }
  memmove(target + static_cast<size_t>(target_offset), source + static_cast<size_t>(source_offset), static_cast<size_t>(length));
  return nullptr;
}

// Refuses to run under a Node ABI other than the one this binary was compiled for: throws
// `Error { code: 'ERR_MP_NATIVE_ABI', builtForNode, builtForModules }` and returns false.
bool AbiMatches(napi_env env) {
  napi_value global, process, versions, modules;
  NAPI_CHECK_OR(napi_get_global(env, &global), false);
  NAPI_CHECK_OR(napi_get_named_property(env, global, "process", &process), false);
  NAPI_CHECK_OR(napi_get_named_property(env, process, "versions", &versions), false);
  NAPI_CHECK_OR(napi_get_named_property(env, versions, "modules", &modules), false);
  std::string running;
  if (!get_string(env, modules, &running, "process.versions.modules")) return false;
  if (std::atoi(running.c_str()) == built_module_version()) return true;
  std::string message = std::string("this binary was built for Node ") + built_node_version() + " (NODE_MODULE_VERSION " +
                        std::to_string(built_module_version()) + ") and this Node's is " + running;
  napi_value msg, error, code, node, abi;
  NAPI_CHECK_OR(napi_create_string_utf8(env, message.c_str(), NAPI_AUTO_LENGTH, &msg), false);
  NAPI_CHECK_OR(napi_create_error(env, nullptr, msg, &error), false);
  NAPI_CHECK_OR(napi_create_string_utf8(env, "ERR_MP_NATIVE_ABI", NAPI_AUTO_LENGTH, &code), false);
  NAPI_CHECK_OR(napi_create_string_utf8(env, built_node_version(), NAPI_AUTO_LENGTH, &node), false);
  NAPI_CHECK_OR(napi_create_int32(env, built_module_version(), &abi), false);
  NAPI_CHECK_OR(napi_set_named_property(env, error, "code", code), false);
  NAPI_CHECK_OR(napi_set_named_property(env, error, "builtForNode", node), false);
  NAPI_CHECK_OR(napi_set_named_property(env, error, "builtForModules", abi), false);
  NAPI_CHECK_OR(napi_throw(env, error), false);
  return false;
}

napi_value Init(napi_env env, napi_value exports) {
  if (!AbiMatches(env)) return nullptr;
  if (!RegisterShm(env, exports) || !RegisterFutex(env, exports)) return nullptr;
  bool defined = DefineFunctions(env, exports,
                                 {
                                     {"setParentDeathSignal", SetParentDeathSignal},
                                     {"watchLifeline", WatchLifeline},
                                     {"processAlive", ProcessAlive},
                                     {"processStartTime", ProcessStartTime},
                                     {"spinUntilReadable", SpinUntilReadable},
                                     {"copyBytes", CopyBytes},
                                 });
  return defined ? exports : nullptr;
}

}  // namespace

bool DefineFunctions(napi_env env, napi_value exports, std::initializer_list<ExportedFunction> functions) {
  std::vector<napi_property_descriptor> props;
  props.reserve(functions.size());
  for (const ExportedFunction& f : functions) props.push_back({f.name, nullptr, f.callback, nullptr, nullptr, nullptr, napi_default, nullptr});
  NAPI_CHECK_OR(napi_define_properties(env, exports, props.size(), props.data()), false);
  return true;
}

}  // namespace mpts

NAPI_MODULE_INIT() { return mpts::Init(env, exports); }
