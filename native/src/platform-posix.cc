// The POSIX part of the platform seam, the same on every Unix: named shared memory, mappings, and
// the lifeline watcher. Linux uses these too when MPTS_PLATFORM=posix forces the portable variants.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <thread>

#include "platform.h"

namespace mpts {

SysResult shm_create(const char* name, size_t size, bool exclusive, int* fd_out) {
  int fd = ::shm_open(name, O_RDWR | O_CREAT | (exclusive ? O_EXCL : 0), 0600);
  if (fd < 0) return {errno, "shm_open"};
  SysResult r = reserve_pages(fd, size);
  if (r.err != 0) {
    ::close(fd);
    ::shm_unlink(name);
    return r;
  }
  *fd_out = fd;
  return {0, nullptr};
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
  void* r = mmap(addr, size, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANON, -1, 0);
  return r == MAP_FAILED ? errno : 0;
}

int close_fd(int fd) { return ::close(fd) == 0 ? 0 : errno; }

int64_t monotonic_ns() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

int watch_lifeline(int fd) {
  // Blocking reads on a thread of its own; and the process's own children must not inherit it.
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) return errno;
  std::thread([fd] {
    char byte;
    for (;;) {
      ssize_t n = ::read(fd, &byte, 1);
      if (n > 0 || (n < 0 && errno == EINTR)) continue;
      kill(getpid(), SIGKILL);
      return;
    }
  }).detach();
  return 0;
}

}  // namespace mpts
