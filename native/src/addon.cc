// multiprocessing-ts native substrate: shared memory segments and futex waits, plus two things
// Node cannot do fast itself (polling sockets without sleeping, memcpy to and from shared memory).
// Everything ergonomic is TypeScript (src/shm/binding.ts and above).
#include <node_api.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include <vector>

#include "addon.h"
#include "errors.h"
#include "platform.h"

namespace mpts {
namespace {

napi_value SetParentDeathSignal(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t signo = SIGKILL;
  if (argc > 0) napi_get_value_int32(env, argv[0], &signo);
  int err = set_parent_death_signal(signo);
  if (err != 0) return throw_errno(env, err, "prctl");
  return nullptr;
}

napi_value ProcessAlive(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t pid = 0;
  napi_get_value_int32(env, argv[0], &pid);
  napi_value out;
  napi_get_boolean(env, pid > 0 && process_alive(pid), &out);
  return out;
}

napi_value ProcessStartTime(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t pid = 0;
  napi_get_value_int32(env, argv[0], &pid);
  napi_value out;
  napi_create_double(env, static_cast<double>(process_start_time(pid)), &out);
  return out;
}

// The elements of a typed array of `type` (their count in `length`), or nullptr after throwing.
void* typed_data(napi_env env, napi_value array, napi_typedarray_type type, size_t* length, const char* expected) {
  bool is_typed = false;
  napi_typedarray_type actual;
  void* data = nullptr;
  if (napi_is_typedarray(env, array, &is_typed) != napi_ok || !is_typed) {
    throw_type(env, expected);
    return nullptr;
  }
  napi_get_typedarray_info(env, array, &actual, length, &data, nullptr, nullptr);
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
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 2) return throw_type(env, "spinUntilReadable(fds: Int32Array, ms)");
  size_t count = 0;
  void* data = typed_data(env, argv[0], napi_int32_array, &count, "expected an Int32Array of fds");
  if (data == nullptr) return nullptr;
  double ms = 0;
  napi_get_value_double(env, argv[1], &ms);
  std::vector<pollfd> fds(count);
  for (size_t i = 0; i < count; i++) fds[i] = {static_cast<int32_t*>(data)[i], POLLIN, 0};
  timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  const int64_t limit = ms > 0 ? static_cast<int64_t>(ms * 1e6) : 0;
  bool ready = false;
  while (count > 0) {
    if (poll(fds.data(), count, 0) != 0) {
      ready = true;
      break;
    }
    timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if ((now.tv_sec - start.tv_sec) * 1000000000LL + (now.tv_nsec - start.tv_nsec) >= limit) break;
  }
  napi_value out;
  napi_get_boolean(env, ready, &out);
  return out;
}

// copyBytes(target, targetOffset, source, sourceOffset, length): memcpy between Uint8Arrays.
// V8 copies to or from shared memory word by word with relaxed atomics (other threads may be
// writing it); the rings copy only bytes nobody else writes at the time, so plain memcpy is
// right there, and several times faster for a large message.
napi_value CopyBytes(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 5) return throw_type(env, "copyBytes(target, targetOffset, source, sourceOffset, length)");
  size_t target_length = 0, source_length = 0;
  auto* target = static_cast<uint8_t*>(typed_data(env, argv[0], napi_uint8_array, &target_length, "expected a Uint8Array"));
  if (target == nullptr) return nullptr;
  auto* source = static_cast<uint8_t*>(typed_data(env, argv[2], napi_uint8_array, &source_length, "expected a Uint8Array"));
  if (source == nullptr) return nullptr;
  double target_offset = 0, source_offset = 0, length = 0;
  napi_get_value_double(env, argv[1], &target_offset);
  napi_get_value_double(env, argv[3], &source_offset);
  napi_get_value_double(env, argv[4], &length);
  if (!(target_offset >= 0 && source_offset >= 0 && length >= 0) || target_offset + length > target_length || source_offset + length > source_length) {
    return throw_type(env, "copyBytes: range out of bounds");
  }
  memmove(target + static_cast<size_t>(target_offset), source + static_cast<size_t>(source_offset), static_cast<size_t>(length));
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  RegisterShm(env, exports);
  RegisterFutex(env, exports);
  napi_property_descriptor props[] = {
      {"setParentDeathSignal", nullptr, SetParentDeathSignal, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"processAlive", nullptr, ProcessAlive, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"processStartTime", nullptr, ProcessStartTime, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"spinUntilReadable", nullptr, SpinUntilReadable, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"copyBytes", nullptr, CopyBytes, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

}  // namespace
}  // namespace mpts

NAPI_MODULE_INIT() { return mpts::Init(env, exports); }
