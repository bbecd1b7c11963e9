// The platform seam: the few system calls the addon needs, in three parts, each with a portable
// POSIX variant.
//   (a) sharing a segment with a child: memfd + /proc/<pid>/fd on Linux; named POSIX shm
//       everywhere (the TypeScript side names, registers and unlinks it).
//   (b) wait/wake on a shared word: futex on Linux, os_sync_wait_on_address / __ulock on macOS.
//   (c) a child dying with its parent: PR_SET_PDEATHSIG on Linux; a lifeline pipe watched by a
//       thread everywhere.
// platform-posix.cc holds what POSIX gives everyone; platform-linux.cc and platform-darwin.cc
// the rest. Windows builds none of it (binding.gyp): the TypeScript side reports ERR_MP_NO_NATIVE.
#pragma once
#include <cstddef>
#include <cstdint>

namespace mpts {

// What failed: errno (0 for success) and the system call that set it.
struct SysResult {
  int err;
  const char* call;
};

// Each returns 0 or a positive errno value unless said otherwise.

// (a) Segments.
SysResult shm_create(const char* name, size_t size, bool exclusive, int* fd_out);
int shm_open_existing(const char* name, int* fd_out, size_t* size_out);
int shm_remove(const char* name);
SysResult memfd_new(const char* debug_name, size_t size, int* fd_out);  // ENOSYS but on Linux
int open_proc_fd(int pid, int fd, int* fd_out);                         // ENOSYS but on Linux
// Give a new segment its pages now (a full tmpfs then fails here, not with SIGBUS on first touch).
SysResult reserve_pages(int fd, size_t size);
int fd_size(int fd, size_t* size_out);
int map_shared(int fd, size_t size, void** addr_out);
void unmap(void* addr, size_t size);
// Replace a mapping with private zero pages: views stay valid and no longer reach the segment.
int detach_mapping(void* addr, size_t size);
int close_fd(int fd);

// (b) Waiting on a shared word: 0 woken (or spurious, or the value differed on a platform that
// does not say), ETIMEDOUT, EAGAIN (value differed). timeout_ns < 0 waits forever.
int futex_wait(int32_t* addr, int32_t expected, int64_t timeout_ns);
// Wakes up to `count` waiters: how many were woken (at least 1 if any, where the OS does not
// count), or minus an errno value.
int futex_wake(int32_t* addr, int32_t count);

struct WaitEntry {
  int32_t* addr;
  int32_t expected;
  bool is_private;
};
constexpr int kMaxWaitEntries = 128;
// Wait on 1..kMaxWaitEntries words at once until one changes, or until the CLOCK_MONOTONIC
// deadline. Returns 0, ETIMEDOUT, EAGAIN, EINVAL (a bad count), or ENOSYS where the OS has no
// such call (Linux before 5.16, macOS).
int futex_wait_many(const WaitEntry* entries, int count, int64_t deadline_ns);
int64_t monotonic_ns();

// (c) Dying with the parent.
int set_parent_death_signal(int signo);  // ENOSYS but on Linux
// Start a thread that reads `fd` until end of file, then kills this process with SIGKILL: the
// parent holds the pipe's other end, which closes when the parent dies, however it dies.
int watch_lifeline(int fd);

// Processes.
// Whether a process exists and has not ended: a zombie (ended, not yet reaped) is not alive.
bool process_alive(int pid);
// When a process started, in a unit of the OS's own (0 when unknown): to tell a reused pid apart.
uint64_t process_start_time(int pid);

}  // namespace mpts
