// What the addon's files share: registration, and the ABI the binary was built for.
#pragma once
#include <node_api.h>

namespace mpts {
bool RegisterShm(napi_env env, napi_value exports);
bool RegisterFutex(napi_env env, napi_value exports);
int built_module_version();
const char* built_node_version();
}  // namespace mpts
