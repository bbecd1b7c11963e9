// macOS: what POSIX does not give (platform-posix.cc has the rest). NOT COMPILED ON THE MACHINE
// THIS IS DEVELOPED ON: keep it tiny; CI's macOS job (.github/workflows/platforms.yml) builds it.
// Waits use os_sync_wait_on_address with its shared flag (macOS >= 14.4), else the older private
// __ulock_wait with UL_COMPARE_AND_WAIT_SHARED (macOS >= 10.12). No memfd, no /proc, no
// PR_SET_PDEATHSIG, no futex_waitv: those return ENOSYS and the TypeScript side takes the POSIX
// variants (named segments, the lifeline watcher); the async waiter polls every millisecond.
#include <errno.h>
#include <signal.h>
#include <sys/proc.h>
#include <sys/sysctl.h>
#include <unistd.h>

#include "platform.h"

#if __has_include(<os/os_sync_wait_on_address.h>)
#include <os/os_sync_wait_on_address.h>
#define MPTS_HAVE_OS_SYNC 1
#endif

extern "C" int __ulock_wait(uint32_t operation, void* addr, uint64_t value, uint32_t timeout_us);
extern "C" int __ulock_wake(uint32_t operation, void* addr, uint64_t wake_value);
#define MPTS_UL_COMPARE_AND_WAIT_SHARED 3
#define MPTS_ULF_WAKE_ALL 0x00000100

namespace {
// 1: found (in *out), 0: no such process, -1: could not ask.
int proc_info(int pid, kinfo_proc* out) {
  int mib[4] = {CTL_KERN, KERN_PROC, KERN_PROC_PID, pid};
  size_t len = sizeof *out;
  if (sysctl(mib, 4, out, &len, nullptr, 0) != 0) return -1;
  return len == sizeof *out ? 1 : 0;
}

int wait_result(int r) {
  if (r >= 0 || errno == EINTR || errno == EFAULT) return 0;
  return errno == ETIMEDOUT ? ETIMEDOUT : errno;
}
}  // namespace

namespace mpts {

SysResult reserve_pages(int fd, size_t size) {
  // macOS sizes a shm object once, with ftruncate, and has no posix_fallocate.
  return ftruncate(fd, static_cast<off_t>(size)) == 0 ? SysResult{0, nullptr} : SysResult{errno, "ftruncate"};
}

SysResult memfd_new(const char*, size_t, int*) { return {ENOSYS, "memfd_create"}; }
int open_proc_fd(int, int, int*) { return ENOSYS; }
int futex_wait_many(const WaitEntry*, int, int64_t) { return ENOSYS; }
int set_parent_death_signal(int) { return ENOSYS; }

int futex_wait(int32_t* addr, int32_t expected, int64_t timeout_ns) {
#ifdef MPTS_HAVE_OS_SYNC
  if (__builtin_available(macOS 14.4, *)) {
    auto value = static_cast<uint64_t>(static_cast<uint32_t>(expected));
    if (timeout_ns < 0) return wait_result(os_sync_wait_on_address(addr, value, 4, OS_SYNC_WAIT_ON_ADDRESS_SHARED));
    return wait_result(os_sync_wait_on_address_with_timeout(addr, value, 4, OS_SYNC_WAIT_ON_ADDRESS_SHARED,
                                                            OS_CLOCK_MACH_ABSOLUTE_TIME, static_cast<uint64_t>(timeout_ns)));
  }
#endif
  // __ulock takes microseconds in 32 bits (0: forever): longer waits wake early, callers re-check.
  uint32_t us = timeout_ns < 0 ? 0 : timeout_ns / 1000 > 0xFFFFFFFFLL ? 0xFFFFFFFFu : static_cast<uint32_t>(timeout_ns / 1000) + 1;
  return wait_result(__ulock_wait(MPTS_UL_COMPARE_AND_WAIT_SHARED, addr, static_cast<uint32_t>(expected), us));
}

int futex_wake(int32_t* addr, int32_t count) {
  int r;
#ifdef MPTS_HAVE_OS_SYNC
  if (__builtin_available(macOS 14.4, *)) {
    r = count > 1 ? os_sync_wake_by_address_all(addr, 4, OS_SYNC_WAKE_BY_ADDRESS_SHARED)
                  : os_sync_wake_by_address_any(addr, 4, OS_SYNC_WAKE_BY_ADDRESS_SHARED);
  } else
#endif
  {
    r = __ulock_wake(MPTS_UL_COMPARE_AND_WAIT_SHARED | (count > 1 ? MPTS_ULF_WAKE_ALL : 0), addr, 0);
  }
  if (r == 0) return 1;  // someone was woken; the OS does not say how many
  return errno == ENOENT ? 0 : -errno;
}

bool process_alive(int pid) {
  kinfo_proc p;
  int found = proc_info(pid, &p);
  if (found < 0) return kill(pid, 0) == 0 || errno == EPERM;
  return found == 1 && p.kp_proc.p_stat != SZOMB;
}

uint64_t process_start_time(int pid) {
  kinfo_proc p;
  if (proc_info(pid, &p) != 1) return 0;
  return static_cast<uint64_t>(p.kp_proc.p_starttime.tv_sec) * 1000000u + p.kp_proc.p_starttime.tv_usec;
}

}  // namespace mpts
