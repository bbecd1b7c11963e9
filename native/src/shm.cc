// Segments: shm_open / memfd_create, mapped as SharedArrayBuffers. This is the one file that turns
// a mapping into a JS buffer. A V8 SharedArrayBuffer (raw V8: Node-API has no external SAB on
// Node 20 and 22, and only an experimental one later) supports Atomics and is shared with worker
// threads at the same address; its deleter unmaps when the last SAB in any isolate is collected.
#include <v8.h>

#include <cstring>
#include <string>

#include "addon.h"
#include "args.h"
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

bool get_fd(napi_env env, napi_value value, int32_t* fd) { return get_int32(env, value, fd, "fd", 0); }

// memfdCreate(size, debugName) -> fd
napi_value MemfdCreate(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  size_t size = 0;
  std::string name = "mpts";
  if (!get_args(env, info, 1, 2, argv, "memfdCreate(size, debugName?)") || !get_size(env, argv[0], &size)) return nullptr;
  napi_valuetype type;
  NAPI_CHECK(napi_typeof(env, argv[1], &type));
  if (type != napi_undefined && !get_string(env, argv[1], &name, "debugName")) return nullptr;
  int fd = -1;
  SysResult r = memfd_new(name.c_str(), size, &fd);
  if (r.err != 0) return throw_errno(env, r.err, r.call, std::to_string(size) + " bytes");
  return make_number(env, fd);
}

// shmCreate(name, size, exclusive) -> fd
napi_value ShmCreate(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  std::string name;
  size_t size = 0;
  bool exclusive = true;
  if (!get_args(env, info, 3, 3, argv, "shmCreate(name, size, exclusive)") || !get_string(env, argv[0], &name, "name") ||
      !get_size(env, argv[1], &size)) {
    return nullptr;
  }
  if (napi_get_value_bool(env, argv[2], &exclusive) != napi_ok) return throw_type(env, "exclusive must be a boolean");
  int fd = -1;
  SysResult r = shm_create(name.c_str(), size, exclusive, &fd);
  if (r.err != 0) return throw_errno(env, r.err, r.call, name + ", " + std::to_string(size) + " bytes");
  return make_number(env, fd);
}

// shmOpen(name) -> [fd, size]
napi_value ShmOpen(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  std::string name;
  if (!get_args(env, info, 1, 1, argv, "shmOpen(name)") || !get_string(env, argv[0], &name, "name")) return nullptr;
  int fd = -1;
  size_t size = 0;
  int err = shm_open_existing(name.c_str(), &fd, &size);
  if (err != 0) return throw_errno(env, err, "shm_open", name);
  napi_value out, fd_value, size_value;
  NAPI_CHECK(napi_create_array_with_length(env, 2, &out));
  if ((fd_value = make_number(env, fd)) == nullptr || (size_value = make_number(env, static_cast<double>(size))) == nullptr) return nullptr;
  NAPI_CHECK(napi_set_element(env, out, 0, fd_value));
  NAPI_CHECK(napi_set_element(env, out, 1, size_value));
  return out;
}

// shmUnlink(name)
napi_value ShmUnlink(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  std::string name;
  if (!get_args(env, info, 1, 1, argv, "shmUnlink(name)") || !get_string(env, argv[0], &name, "name")) return nullptr;
  int err = shm_remove(name.c_str());
  if (err != 0) return throw_errno(env, err, "shm_unlink", name);
  return nullptr;
}

// openProcFd(pid, fd) -> fd: attach to a memfd another process of ours holds.
napi_value OpenProcFd(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t pid = 0, fd = 0;
  if (!get_args(env, info, 2, 2, argv, "openProcFd(pid, fd)") || !get_int32(env, argv[0], &pid, "pid", 1) || !get_fd(env, argv[1], &fd)) {
    return nullptr;
  }
  int out = -1;
  int err = open_proc_fd(pid, fd, &out);
  if (err != 0) return throw_errno(env, err, "open", "/proc/" + std::to_string(pid) + "/fd/" + std::to_string(fd));
  return make_number(env, out);
}

// fdSize(fd) -> size
napi_value FdSize(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd = -1;
  if (!get_args(env, info, 1, 1, argv, "fdSize(fd)") || !get_fd(env, argv[0], &fd)) return nullptr;
  size_t size = 0;
  int err = fd_size(fd, &size);
  if (err != 0) return throw_errno(env, err, "fstat");
  return make_number(env, static_cast<double>(size));
}

// mapFd(fd, size) -> SharedArrayBuffer over a MAP_SHARED mapping of the segment's first `size`
// bytes. Pages past the segment's end would kill the process with SIGBUS when touched, so a size
// larger than the segment is refused.
napi_value MapFd(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd = -1;
  size_t size = 0;
  if (!get_args(env, info, 2, 2, argv, "mapFd(fd, size)") || !get_fd(env, argv[0], &fd) || !get_size(env, argv[1], &size)) return nullptr;
  size_t actual = 0;
  int err = fd_size(fd, &actual);
  if (err != 0) return throw_errno(env, err, "fstat");
  if (size > actual) {
    return throw_errno(env, EINVAL, "mmap", std::to_string(size) + " bytes asked of a segment of " + std::to_string(actual));
  }
  void* addr = nullptr;
  err = map_shared(fd, size, &addr);
  if (err != 0) return throw_errno(env, err, "mmap");
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  std::unique_ptr<v8::BackingStore> store = v8::SharedArrayBuffer::NewBackingStore(addr, size, unmap_deleter, nullptr);
  v8::Local<v8::SharedArrayBuffer> sab = v8::SharedArrayBuffer::New(isolate, std::move(store));
  return to_napi(sab);
}

// detach(sab): swap the mapping for private zero pages; views stay valid but reach nothing.
napi_value Detach(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, 1, argv, "detach(sab)")) return nullptr;
  v8::Local<v8::Value> value = to_v8(argv[0]);
  if (!value->IsSharedArrayBuffer()) return throw_type(env, "expected a SharedArrayBuffer");
  std::shared_ptr<v8::BackingStore> store = value.As<v8::SharedArrayBuffer>()->GetBackingStore();
  if (store->ByteLength() == 0) return nullptr;
  int err = detach_mapping(store->Data(), store->ByteLength());
  if (err != 0) return throw_errno(env, err, "mmap");
  return nullptr;
}

// closeFd(fd)
napi_value CloseFd(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd = -1;
  if (!get_args(env, info, 1, 1, argv, "closeFd(fd)") || !get_fd(env, argv[0], &fd)) return nullptr;
  int err = close_fd(fd);
  if (err != 0) return throw_errno(env, err, "close");
  return nullptr;
}

}  // namespace

bool RegisterShm(napi_env env, napi_value exports) {
  return DefineFunctions(env, exports,
                         {
                             {"memfdCreate", MemfdCreate},
                             {"shmCreate", ShmCreate},
                             {"shmOpen", ShmOpen},
                             {"shmUnlink", ShmUnlink},
                             {"openProcFd", OpenProcFd},
                             {"fdSize", FdSize},
                             {"mapFd", MapFd},
                             {"detach", Detach},
                             {"closeFd", CloseFd},
                         });
}

}  // namespace mpts
