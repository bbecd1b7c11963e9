// Linux: memfd_create and /proc/<pid>/fd, futex(2) / futex_waitv(2) on shared mappings (no
// FUTEX_PRIVATE_FLAG, so waits and wakes meet across processes), PR_SET_PDEATHSIG, and /proc for
// what a process is.
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "platform.h"

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif
#ifndef FUTEX_32
#define FUTEX_32 2
#endif
#ifndef FUTEX2_PRIVATE
#define FUTEX2_PRIVATE 128
#endif

namespace {
struct futex_waitv_entry {
  uint64_t val;
  uint64_t uaddr;
  uint32_t flags;
  uint32_t reserved;
};

timespec to_timespec(int64_t ns) { return {static_cast<time_t>(ns / 1000000000LL), static_cast<long>(ns % 1000000000LL)}; }

// State (field 3) and start time (field 22) of /proc/<pid>/stat; false when there is no such file.
bool read_stat(int pid, char* state, uint64_t* start) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE* f = fopen(path, "re");
  if (f == nullptr) return false;
  char buf[1024];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  // Fields count from after the command name, which may hold spaces and parentheses.
  char* p = strrchr(buf, ')');
  if (p == nullptr || p[1] != ' ') return false;
  *state = p[2];
  int field = 2;
  for (; *p != 0 && field < 22; p++) {
    if (*p == ' ') field++;
  }
  *start = strtoull(p, nullptr, 10);
  return true;
}
}  // namespace

namespace mpts {

// On a full tmpfs a sparse segment passes ftruncate and mmap, then kills the process with SIGBUS
// on first touch; posix_fallocate turns that into ENOSPC here.
SysResult reserve_pages(int fd, size_t size) {
  int err = posix_fallocate(fd, 0, static_cast<off_t>(size));
  if (err == EOPNOTSUPP || err == EINVAL) {
    return ftruncate(fd, static_cast<off_t>(size)) == 0 ? SysResult{0, nullptr} : SysResult{errno, "ftruncate"};
  }
  return {err, err == 0 ? nullptr : "posix_fallocate"};
}

SysResult memfd_new(const char* debug_name, size_t size, int* fd_out) {
  int fd = static_cast<int>(syscall(SYS_memfd_create, debug_name, MFD_CLOEXEC));
  if (fd < 0) return {errno, "memfd_create"};
  SysResult r = reserve_pages(fd, size);
  if (r.err != 0) {
    ::close(fd);
    return r;
  }
  *fd_out = fd;
  return {0, nullptr};
}

int open_proc_fd(int pid, int fd, int* fd_out) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/fd/%d", pid, fd);
  int out = ::open(path, O_RDWR | O_CLOEXEC);
  if (out < 0) return errno;
  *fd_out = out;
  return 0;
}

int futex_wait(int32_t* addr, int32_t expected, int64_t timeout_ns) {
  timespec ts = to_timespec(timeout_ns);
  long r = syscall(SYS_futex, addr, FUTEX_WAIT, expected, timeout_ns < 0 ? nullptr : &ts, nullptr, 0);
  if (r == 0) return 0;
  if (errno == EINTR) return 0;  // a spurious wake: callers re-check in a loop
  return errno;
}

int futex_wake(int32_t* addr, int32_t count) {
  long r = syscall(SYS_futex, addr, FUTEX_WAKE, count, nullptr, nullptr, 0);
  return r < 0 ? -errno : static_cast<int>(r);
}

int futex_wait_many(const WaitEntry* entries, int count, int64_t deadline_ns) {
  if (count < 1 || count > kMaxWaitEntries) return EINVAL;
  futex_waitv_entry waitv[kMaxWaitEntries];
  for (int i = 0; i < count; i++) {
    waitv[i].val = static_cast<uint32_t>(entries[i].expected);
    waitv[i].uaddr = reinterpret_cast<uintptr_t>(entries[i].addr);
    waitv[i].flags = FUTEX_32 | (entries[i].is_private ? FUTEX2_PRIVATE : 0);
    waitv[i].reserved = 0;
  }
  timespec ts = to_timespec(deadline_ns);
  long r = syscall(SYS_futex_waitv, waitv, count, 0, deadline_ns < 0 ? nullptr : &ts, CLOCK_MONOTONIC);
  if (r >= 0) return 0;
  if (errno == EINTR) return 0;
  return errno;
}

int set_parent_death_signal(int signo) { return prctl(PR_SET_PDEATHSIG, signo) == 0 ? 0 : errno; }

bool process_alive(int pid) {
  char state = 0;
  uint64_t start = 0;
  // A zombie (Z) or a dying task (X) has ended; it stays in the table until its parent reaps it,
  // which a parent whose thread is blocked in a wait cannot do, so kill(pid, 0) calls it alive.
  if (read_stat(pid, &state, &start)) return state != 'Z' && state != 'X' && state != 'x';
  // No /proc entry: either no such process, or no /proc to look in.
  return kill(pid, 0) == 0 || errno == EPERM;
}

uint64_t process_start_time(int pid) {
  char state = 0;
  uint64_t start = 0;
  return read_stat(pid, &state, &start) ? start : 0;
}

}  // namespace mpts
