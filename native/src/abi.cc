// The Node ABI this binary was compiled for. A translation unit of its own: node_version.h of
// Node 20 defines NAPI_VERSION, which the rest of the addon sets to 8.
#undef NAPI_VERSION
#include <node_version.h>

#include "addon.h"

namespace mpts {
int built_module_version() { return NODE_MODULE_VERSION; }
const char* built_node_version() { return NODE_VERSION_STRING; }
}  // namespace mpts
