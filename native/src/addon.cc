// multiprocessing-ts native substrate: shared memory segments and futex waits, nothing else.
// Everything ergonomic is TypeScript (src/native/binding.ts and above).
#include <node_api.h>
#include <poll.h>
#include <signal.h>
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

// Whether one of the sockets in an Int32Array of fds becomes readable within `ms` milliseconds,
// found by polling without sleeping: a server that expects its next request at once then sees it
// without paying for being woken from sleep (tens of microseconds on a VM, more than the call).
napi_value SpinUntilReadable(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  bool is_typed = false;
  if (argc < 2 || napi_is_typedarray(env, argv[0], &is_typed) != napi_ok || !is_typed) return throw_type(env, "expected an Int32Array of fds and milliseconds");
  napi_typedarray_type type;
  size_t count = 0;
  void* data = nullptr;
  napi_get_typedarray_info(env, argv[0], &type, &count, &data, nullptr, nullptr);
  if (type != napi_int32_array) return throw_type(env, "expected an Int32Array of fds");
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

napi_value Init(napi_env env, napi_value exports) {
  RegisterShm(env, exports);
  RegisterFutex(env, exports);
  napi_property_descriptor props[] = {
      {"setParentDeathSignal", nullptr, SetParentDeathSignal, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"processAlive", nullptr, ProcessAlive, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"processStartTime", nullptr, ProcessStartTime, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"spinUntilReadable", nullptr, SpinUntilReadable, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

}  // namespace
}  // namespace mpts

NAPI_MODULE_INIT() { return mpts::Init(env, exports); }
