// Platforms without the Linux primitives: every call fails with ENOSYS, and the TypeScript side
// reports that the process backend's shared features need Linux.
#include <errno.h>
#include <unistd.h>
#include <signal.h>

#include "platform.h"

namespace mpts {
int shm_create(const char*, size_t, bool, int*) { return ENOSYS; }
int shm_open_existing(const char*, int*, size_t*) { return ENOSYS; }
int shm_remove(const char*) { return ENOSYS; }
int memfd_new(const char*, size_t, int*) { return ENOSYS; }
int fd_size(int, size_t*) { return ENOSYS; }
int map_shared(int, size_t, void**) { return ENOSYS; }
void unmap(void*, size_t) {}
int detach_mapping(void*, size_t) { return ENOSYS; }
int close_fd(int fd) { return ::close(fd) == 0 ? 0 : errno; }
int open_proc_fd(int, int, int*) { return ENOSYS; }
int futex_wait(int32_t*, int32_t, int64_t) { return ENOSYS; }
int futex_wake(int32_t*, int32_t) { return -ENOSYS; }
int futex_wait_many(const WaitEntry*, int, int64_t) { return ENOSYS; }
int64_t monotonic_ns() { return 0; }
int set_parent_death_signal(int) { return ENOSYS; }
bool process_alive(int pid) { return kill(pid, 0) == 0 || errno == EPERM; }
uint64_t process_start_time(int) { return 0; }
int current_tid() { return 0; }
}  // namespace mpts
