// What the addon's files share: registration, and the ABI the binary was built for.
#pragma once
#include <node_api.h>

#include <initializer_list>

namespace mpts {
// A function of the addon's exports: its name in JavaScript, and its callback.
struct ExportedFunction {
  const char* name;
  napi_callback callback;
};
// Define `functions` on `exports`; false (with an exception pending) if Node-API fails.
bool DefineFunctions(napi_env env, napi_value exports, std::initializer_list<ExportedFunction> functions);
bool RegisterShm(napi_env env, napi_value exports);
bool RegisterFutex(napi_env env, napi_value exports);
int built_module_version();
const char* built_node_version();
}  // namespace mpts
