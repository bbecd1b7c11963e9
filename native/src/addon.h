// Module registration shared by the addon's files.
#pragma once
#include <node_api.h>

namespace mpts {
void RegisterShm(napi_env env, napi_value exports);
void RegisterFutex(napi_env env, napi_value exports);
}  // namespace mpts
