// The per-OS layer: a few syscalls, nothing else. Linux implements them (platform-linux.cc);
// elsewhere they fail with ENOSYS (platform-other.cc) and the TypeScript side reports it.
#pragma once
#include <cstddef>
#include <cstdint>

namespace mpts {

// Each returns 0 or a positive errno value unless said otherwise.
int shm_create(const char* name, size_t size, bool exclusive, int* fd_out);
int shm_open_existing(const char* name, int* fd_out, size_t* size_out);
int shm_remove(const char* name);
int memfd_new(const char* debug_name, size_t size, int* fd_out);
int fd_size(int fd, size_t* size_out);
int map_shared(int fd, size_t size, void** addr_out);
void unmap(void* addr, size_t size);
// Replace a mapping with private zero pages: views stay valid and no longer reach the segment.
int detach_mapping(void* addr, size_t size);
int close_fd(int fd);
int open_proc_fd(int pid, int fd, int* fd_out);

// Futex wait on a shared word: 0 woken (or spurious), ETIMEDOUT, EAGAIN (value differed).
// timeout_ns < 0 waits forever.
int futex_wait(int32_t* addr, int32_t expected, int64_t timeout_ns);
int futex_wake(int32_t* addr, int32_t count);

struct WaitEntry {
  int32_t* addr;
  int32_t expected;
  bool is_private;
};
// Wait on up to 128 words at once until one changes, or until the CLOCK_MONOTONIC deadline.
// Returns 0, ETIMEDOUT, EAGAIN, or ENOSYS where futex_waitv is missing.
int futex_wait_many(const WaitEntry* entries, int count, int64_t deadline_ns);
int64_t monotonic_ns();

int set_parent_death_signal(int signo);
bool process_alive(int pid);
// Start time of a process in clock ticks since boot (from /proc), or 0 when unknown.
uint64_t process_start_time(int pid);
int current_tid();

}  // namespace mpts
