// Segments: shm_open / memfd_create, mapped as SharedArrayBuffers. This is the one file that turns
// a mapping into a JS buffer. A V8 SharedArrayBuffer (raw V8: Node-API has no external SAB on
// Node 20) supports Atomics and is shared with worker threads at the same address; its deleter
// unmaps when the last SAB in any isolate is collected.
#include <v8.h>

#include <string>

#include "addon.h"
#include "errors.h"
#include "platform.h"

namespace mpts {

namespace {

napi_value to_napi(v8::Local<v8::Value> value) { return reinterpret_cast<napi_value>(*value); }
v8::Local<v8::Value> to_v8(napi_value value) {
  v8::Local<v8::Value> local;
  memcpy(static_cast<void*>(&local), &value, sizeof value);
  return local;
}

void unmap_deleter(void* data, size_t length, void*) { unmap(data, length); }

bool get_string(napi_env env, napi_value value, std::string* out) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, value, nullptr, 0, &len) != napi_ok) return false;
  out->resize(len);
  napi_get_value_string_utf8(env, value, out->data(), len + 1, &len);
  return true;
}

napi_value int_value(napi_env env, double v) {
  napi_value out;
  napi_create_double(env, v, &out);
  return out;
}

// memfdCreate(size, debugName) -> fd
napi_value MemfdCreate(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  double size = 0;
  std::string name = "mpts";
  if (napi_get_value_double(env, argv[0], &size) != napi_ok || size <= 0) return throw_type(env, "size must be a positive number");
  if (argc > 1) get_string(env, argv[1], &name);
  int fd = -1;
  int err = memfd_new(name.c_str(), static_cast<size_t>(size), &fd);
  if (err != 0) return throw_errno(env, err, "memfd_create", name);
  return int_value(env, fd);
}

// shmCreate(name, size, exclusive) -> fd
napi_value ShmCreate(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  std::string name;
  double size = 0;
  bool exclusive = true;
  if (!get_string(env, argv[0], &name)) return throw_type(env, "name must be a string");
  if (napi_get_value_double(env, argv[1], &size) != napi_ok || size <= 0) return throw_type(env, "size must be a positive number");
  if (argc > 2) napi_get_value_bool(env, argv[2], &exclusive);
  int fd = -1;
  int err = shm_create(name.c_str(), static_cast<size_t>(size), exclusive, &fd);
  if (err != 0) return throw_errno(env, err, "shm_open", name);
  return int_value(env, fd);
}

// shmOpen(name) -> [fd, size]
napi_value ShmOpen(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  std::string name;
  if (!get_string(env, argv[0], &name)) return throw_type(env, "name must be a string");
  int fd = -1;
  size_t size = 0;
  int err = shm_open_existing(name.c_str(), &fd, &size);
  if (err != 0) return throw_errno(env, err, "shm_open", name);
  napi_value out;
  napi_create_array_with_length(env, 2, &out);
  napi_set_element(env, out, 0, int_value(env, fd));
  napi_set_element(env, out, 1, int_value(env, static_cast<double>(size)));
  return out;
}

// shmUnlink(name)
napi_value ShmUnlink(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  std::string name;
  if (!get_string(env, argv[0], &name)) return throw_type(env, "name must be a string");
  int err = shm_remove(name.c_str());
  if (err != 0) return throw_errno(env, err, "shm_unlink", name);
  return nullptr;
}

// openProcFd(pid, fd) -> fd: attach to a memfd another process of ours holds.
napi_value OpenProcFd(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t pid = 0, fd = 0;
  napi_get_value_int32(env, argv[0], &pid);
  napi_get_value_int32(env, argv[1], &fd);
  int out = -1;
  int err = open_proc_fd(pid, fd, &out);
  if (err != 0) return throw_errno(env, err, "open", "/proc/" + std::to_string(pid) + "/fd/" + std::to_string(fd));
  return int_value(env, out);
}

// fdSize(fd) -> size
napi_value FdSize(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t fd = -1;
  napi_get_value_int32(env, argv[0], &fd);
  size_t size = 0;
  int err = fd_size(fd, &size);
  if (err != 0) return throw_errno(env, err, "fstat");
  return int_value(env, static_cast<double>(size));
}

// mapFd(fd, size) -> SharedArrayBuffer over a MAP_SHARED mapping.
napi_value MapFd(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t fd = -1;
  double size = 0;
  napi_get_value_int32(env, argv[0], &fd);
  if (napi_get_value_double(env, argv[1], &size) != napi_ok || size <= 0) return throw_type(env, "size must be a positive number");
  void* addr = nullptr;
  int err = map_shared(fd, static_cast<size_t>(size), &addr);
  if (err != 0) return throw_errno(env, err, "mmap");
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  std::unique_ptr<v8::BackingStore> store = v8::SharedArrayBuffer::NewBackingStore(addr, static_cast<size_t>(size), unmap_deleter, nullptr);
  v8::Local<v8::SharedArrayBuffer> sab = v8::SharedArrayBuffer::New(isolate, std::move(store));
  return to_napi(sab);
}

// detach(sab): swap the mapping for private zero pages; views stay valid but reach nothing.
napi_value Detach(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  v8::Local<v8::Value> value = to_v8(argv[0]);
  if (!value->IsSharedArrayBuffer()) return throw_type(env, "expected a SharedArrayBuffer");
  std::shared_ptr<v8::BackingStore> store = value.As<v8::SharedArrayBuffer>()->GetBackingStore();
  int err = detach_mapping(store->Data(), store->ByteLength());
  if (err != 0) return throw_errno(env, err, "mmap");
  return nullptr;
}

// closeFd(fd)
napi_value CloseFd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t fd = -1;
  napi_get_value_int32(env, argv[0], &fd);
  int err = close_fd(fd);
  if (err != 0) return throw_errno(env, err, "close");
  return nullptr;
}

}  // namespace

void RegisterShm(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"memfdCreate", nullptr, MemfdCreate, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"shmCreate", nullptr, ShmCreate, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"shmOpen", nullptr, ShmOpen, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"shmUnlink", nullptr, ShmUnlink, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"openProcFd", nullptr, OpenProcFd, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"fdSize", nullptr, FdSize, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"mapFd", nullptr, MapFd, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"detach", nullptr, Detach, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"closeFd", nullptr, CloseFd, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}

}  // namespace mpts
