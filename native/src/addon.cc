// multiprocessing-ts native substrate: shared memory segments and futex waits, nothing else.
// Everything ergonomic is TypeScript (src/native/binding.ts and above).
#include <node_api.h>
#include <signal.h>

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

napi_value Init(napi_env env, napi_value exports) {
  RegisterShm(env, exports);
  RegisterFutex(env, exports);
  napi_property_descriptor props[] = {
      {"setParentDeathSignal", nullptr, SetParentDeathSignal, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"processAlive", nullptr, ProcessAlive, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"processStartTime", nullptr, ProcessStartTime, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

}  // namespace
}  // namespace mpts

NAPI_MODULE_INIT() { return mpts::Init(env, exports); }
