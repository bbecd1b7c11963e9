// Linux: shm_open / memfd_create / mmap, and futex(2) / futex_waitv(2) on shared mappings
// (no FUTEX_PRIVATE_FLAG, so waits and wakes meet across processes).
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
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

// Reserve the pages now: on a full tmpfs a sparse segment passes ftruncate and mmap, then kills
// the process with SIGBUS on first touch. posix_fallocate turns that into ENOSPC here.
int reserve(int fd, size_t size) {
  int err = posix_fallocate(fd, 0, static_cast<off_t>(size));
  if (err == EOPNOTSUPP || err == EINVAL) return ftruncate(fd, static_cast<off_t>(size)) == 0 ? 0 : errno;
  return err;
}
}  // namespace

namespace mpts {

int shm_create(const char* name, size_t size, bool exclusive, int* fd_out) {
  int fd = ::shm_open(name, O_RDWR | O_CREAT | (exclusive ? O_EXCL : 0), 0600);
  if (fd < 0) return errno;
  int err = reserve(fd, size);
  if (err != 0) {
    ::close(fd);
    ::shm_unlink(name);
    return err;
  }
  *fd_out = fd;
  return 0;
}

int shm_open_existing(const char* name, int* fd_out, size_t* size_out) {
  int fd = ::shm_open(name, O_RDWR, 0600);
  if (fd < 0) return errno;
  int err = fd_size(fd, size_out);
  if (err != 0) {
    ::close(fd);
    return err;
  }
  *fd_out = fd;
  return 0;
}

int shm_remove(const char* name) { return ::shm_unlink(name) == 0 ? 0 : errno; }

int memfd_new(const char* debug_name, size_t size, int* fd_out) {
  int fd = static_cast<int>(syscall(SYS_memfd_create, debug_name, MFD_CLOEXEC));
  if (fd < 0) return errno;
  int err = reserve(fd, size);
  if (err != 0) {
    ::close(fd);
    return err;
  }
  *fd_out = fd;
  return 0;
}

int fd_size(int fd, size_t* size_out) {
  struct stat st;
  if (fstat(fd, &st) != 0) return errno;
  *size_out = static_cast<size_t>(st.st_size);
  return 0;
}

int map_shared(int fd, size_t size, void** addr_out) {
  void* addr = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (addr == MAP_FAILED) return errno;
  *addr_out = addr;
  return 0;
}

void unmap(void* addr, size_t size) { munmap(addr, size); }

int detach_mapping(void* addr, size_t size) {
  void* r = mmap(addr, size, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return r == MAP_FAILED ? errno : 0;
}

int close_fd(int fd) { return ::close(fd) == 0 ? 0 : errno; }

int open_proc_fd(int pid, int fd, int* fd_out) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/fd/%d", pid, fd);
  int out = ::open(path, O_RDWR | O_CLOEXEC);
  if (out < 0) return errno;
  *fd_out = out;
  return 0;
}

int futex_wait(int32_t* addr, int32_t expected, int64_t timeout_ns) {
  struct timespec ts;
  struct timespec* tsp = nullptr;
  if (timeout_ns >= 0) {
    ts.tv_sec = timeout_ns / 1000000000LL;
    ts.tv_nsec = timeout_ns % 1000000000LL;
    tsp = &ts;
  }
  long r = syscall(SYS_futex, addr, FUTEX_WAIT, expected, tsp, nullptr, 0);
  if (r == 0) return 0;
  if (errno == EINTR) return 0;  // a spurious wake: callers re-check in a loop
  return errno;
}

int futex_wake(int32_t* addr, int32_t count) {
  long r = syscall(SYS_futex, addr, FUTEX_WAKE, count, nullptr, nullptr, 0);
  return r < 0 ? -errno : static_cast<int>(r);
}

int futex_wait_many(const WaitEntry* entries, int count, int64_t deadline_ns) {
  futex_waitv_entry waitv[128];
  for (int i = 0; i < count; i++) {
    waitv[i].val = static_cast<uint32_t>(entries[i].expected);
    waitv[i].uaddr = reinterpret_cast<uintptr_t>(entries[i].addr);
    waitv[i].flags = FUTEX_32 | (entries[i].is_private ? FUTEX2_PRIVATE : 0);
    waitv[i].reserved = 0;
  }
  struct timespec ts;
  struct timespec* tsp = nullptr;
  if (deadline_ns >= 0) {
    ts.tv_sec = deadline_ns / 1000000000LL;
    ts.tv_nsec = deadline_ns % 1000000000LL;
    tsp = &ts;
  }
  long r = syscall(SYS_futex_waitv, waitv, count, 0, tsp, CLOCK_MONOTONIC);
  if (r >= 0) return 0;
  if (errno == EINTR) return 0;
  return errno;
}

int64_t monotonic_ns() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

int set_parent_death_signal(int signo) { return prctl(PR_SET_PDEATHSIG, signo) == 0 ? 0 : errno; }

bool process_alive(int pid) { return kill(pid, 0) == 0 || errno == EPERM; }

uint64_t process_start_time(int pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE* f = fopen(path, "r");
  if (f == nullptr) return 0;
  char buf[1024];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  // Field 22 (starttime) counts from the field after the command name, which may hold spaces.
  char* p = strrchr(buf, ')');
  if (p == nullptr) return 0;
  int field = 2;
  for (; *p != 0 && field < 22; p++) {
    if (*p == ' ') field++;
  }
  return strtoull(p, nullptr, 10);
}

int current_tid() { return static_cast<int>(syscall(SYS_gettid)); }

}  // namespace mpts
