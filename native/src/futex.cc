// Futex waits on a word of a shared buffer: sync (blocks this thread) and async (a Promise).
//
// V8's Atomics.wait/notify never cross a process boundary and do not see kernel futex wakes, so
// every shared primitive waits here, even between threads. Async waits do not sit on libuv's
// thread pool (four pending waits there froze fs for seconds in the feasibility study): each env
// (main thread, each worker) has one waiter thread that sleeps in futex_waitv on a private
// control word plus up to 127 user words, and hands finished waits back in batches through one
// thread-safe function. Wakers must change the word before waking (all our primitives do), since
// the waiter thread decides what finished by re-reading every word.
#include <node_api.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <thread>
#include <vector>

#include "addon.h"
#include "args.h"
#include "errors.h"
#include "platform.h"

namespace mpts {
namespace {

constexpr int kOk = 0;
constexpr int kNotEqual = 1;
constexpr int kTimedOut = 2;
// Where the waiter thread cannot sleep on every word at once, it looks at them this often: the
// 1 kHz fallback of src/latency.ts, which no switch turns off since those waits end only so.
constexpr int64_t kLookAgainNs = 1000000;

// The address of element `index` of an Int32Array, or nullptr after throwing.
int32_t* word_address(napi_env env, napi_value array, napi_value index_value) {
  bool is_typed = false;
  NAPI_CHECK_OR(napi_is_typedarray(env, array, &is_typed), nullptr);
  if (!is_typed) {
    throw_type(env, "expected an Int32Array");
    return nullptr;
  }
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  NAPI_CHECK_OR(napi_get_typedarray_info(env, array, &type, &length, &data, nullptr, nullptr), nullptr);
  if (type != napi_int32_array) {
    throw_type(env, "expected an Int32Array");
    return nullptr;
  }
  double index = 0;
  if (!get_whole(env, index_value, 0, kMaxBytes, &index, "index")) return nullptr;
  if (index >= static_cast<double>(length)) {
    throw_range(env, "index " + std::to_string(static_cast<int64_t>(index)) + " is past the array's " + std::to_string(length) + " elements");
    return nullptr;
  }
  return static_cast<int32_t*>(data) + static_cast<size_t>(index);
}

struct PendingWait {
  int32_t* addr;
  int32_t expected;
  int64_t deadline;  // CLOCK_MONOTONIC ns, or -1
  napi_deferred deferred;
  napi_ref keep_alive;  // the typed array, so the memory stays mapped while waited on
  int result;
};

class Waiter {
 public:
  // A waiter for this env, or nullptr with an exception pending.
  static Waiter* Create(napi_env env) {
    auto* waiter = new Waiter(env);
    napi_value name;
    if (napi_create_string_utf8(env, "multiprocessing-ts futex waiter", NAPI_AUTO_LENGTH, &name) != napi_ok ||
        napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, nullptr, nullptr, waiter, Deliver, &waiter->tsfn_) != napi_ok) {
      napi_failed(env);
      delete waiter;
      return nullptr;
    }
    if (napi_unref_threadsafe_function(env, waiter->tsfn_) != napi_ok) {
      napi_failed(env);
      (void)napi_release_threadsafe_function(waiter->tsfn_, napi_tsfn_abort);  // an error is pending already
      delete waiter;
      return nullptr;
    }
    waiter->thread_ = std::thread([waiter] { waiter->Run(); });
    return waiter;
  }

  ~Waiter() { Stop(); }

  // Queues a wait; false with an exception pending if the event loop could not be kept alive for it.
  bool Add(PendingWait* wait) {
    napi_env env = env_;
    if (outstanding_ == 0) NAPI_CHECK_OR(napi_ref_threadsafe_function(env, tsfn_), false);
    outstanding_++;
    {
      std::lock_guard<std::mutex> lock(mu_);
      pending_.push_back(wait);
    }
    Poke();
    return true;
  }

  void Stop() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    Poke();
    thread_.join();
    // At teardown there is no one to tell if this fails: the env is going away with the function.
    (void)napi_release_threadsafe_function(tsfn_, napi_tsfn_abort);
    for (PendingWait* p : pending_) delete p;
    for (PendingWait* p : done_) delete p;
    pending_.clear();
    done_.clear();
  }

 private:
  explicit Waiter(napi_env env) : env_(env) {}

  void Poke() {
    __atomic_add_fetch(&control_, 1, __ATOMIC_SEQ_CST);
    futex_wake(&control_, 1);
  }

  // The words to sleep on (the control word first) and the earliest deadline, under mu_.
  int64_t Collect(std::vector<WaitEntry>* entries) {
    int64_t deadline = -1;
    entries->clear();
    entries->push_back({&control_, __atomic_load_n(&control_, __ATOMIC_SEQ_CST), false});
    for (PendingWait* p : pending_) {
      if (static_cast<int>(entries->size()) >= kMaxWaitEntries) {
        // More waits than one futex_waitv takes: look at the rest every millisecond.
        int64_t soon = monotonic_ns() + kLookAgainNs;
        return deadline < 0 ? soon : std::min(deadline, soon);
      }
      entries->push_back({p->addr, p->expected, false});
      if (p->deadline >= 0) deadline = deadline < 0 ? p->deadline : std::min(deadline, p->deadline);
    }
    return deadline;
  }

  void Run() {
    std::vector<WaitEntry> entries;
    entries.reserve(kMaxWaitEntries);
    for (;;) {
      int64_t deadline;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) return;
        deadline = Collect(&entries);
      }
      int err = futex_wait_many(entries.data(), static_cast<int>(entries.size()), deadline);
      if (err == ENOSYS) {
        // No futex_waitv (Linux before 5.16, macOS): sleep on the control word only, and look
        // again every millisecond.
        futex_wait(&control_, entries[0].expected, kLookAgainNs);
      }
      std::lock_guard<std::mutex> lock(mu_);
      int64_t now = monotonic_ns();
      bool finished = false;
      for (auto it = pending_.begin(); it != pending_.end();) {
        PendingWait* p = *it;
        if (__atomic_load_n(p->addr, __ATOMIC_SEQ_CST) != p->expected) {
          p->result = kOk;
        } else if (p->deadline >= 0 && now >= p->deadline) {
          p->result = kTimedOut;
        } else {
          ++it;
          continue;
        }
        done_.push_back(p);
        it = pending_.erase(it);
        finished = true;
      }
      // Fails only while the env is closing, when Stop() is about to join this thread.
      if (finished && !notified_) notified_ = napi_call_threadsafe_function(tsfn_, nullptr, napi_tsfn_nonblocking) == napi_ok;
    }
  }

  // On the JS thread: resolve a batch of finished waits. A Node-API failure here leaves an
  // exception pending, which Node reports as uncaught.
  static void Deliver(napi_env env, napi_value, void* context, void*) {
    auto* self = static_cast<Waiter*>(context);
    if (env == nullptr) return;
    std::vector<PendingWait*> batch;
    {
      std::lock_guard<std::mutex> lock(self->mu_);
      batch.swap(self->done_);
      self->notified_ = false;
    }
    bool failed = false;
    for (PendingWait* p : batch) {
      napi_value result;
      if (failed || napi_create_int32(env, p->result, &result) != napi_ok || napi_resolve_deferred(env, p->deferred, result) != napi_ok ||
          napi_delete_reference(env, p->keep_alive) != napi_ok) {
        if (!failed) napi_failed(env);
        failed = true;
      }
      delete p;
    }
    self->outstanding_ -= batch.size();
    if (self->outstanding_ == 0 && !batch.empty() && napi_unref_threadsafe_function(env, self->tsfn_) != napi_ok && !failed) napi_failed(env);
  }

  napi_env env_;
  napi_threadsafe_function tsfn_ = nullptr;
  std::thread thread_;
  std::mutex mu_;
  std::vector<PendingWait*> pending_;
  std::vector<PendingWait*> done_;
  int32_t control_ = 0;
  bool stopping_ = false;
  bool notified_ = false;
  size_t outstanding_ = 0;  // JS thread only
};

struct EnvData {
  Waiter* waiter = nullptr;
};

// One waiter per env, stopped by a cleanup hook so that a worker thread can end while waits are
// pending (the hook joins the waiter thread before the env goes away).
void StopWaiter(void* arg) {
  auto* data = static_cast<EnvData*>(arg);
  delete data->waiter;
  data->waiter = nullptr;
}

// This env's waiter, started on first use; nullptr with an exception pending.
Waiter* env_waiter(napi_env env) {
  void* raw = nullptr;
  NAPI_CHECK_OR(napi_get_instance_data(env, &raw), nullptr);
  auto* data = static_cast<EnvData*>(raw);
  if (data == nullptr) {
    data = new EnvData();
    if (napi_set_instance_data(env, data, [](napi_env, void* d, void*) { delete static_cast<EnvData*>(d); }, nullptr) != napi_ok) {
      delete data;
      napi_failed(env);
      return nullptr;
    }
    NAPI_CHECK_OR(napi_add_env_cleanup_hook(env, StopWaiter, data), nullptr);
  }
  if (data->waiter == nullptr) data->waiter = Waiter::Create(env);
  return data->waiter;
}

// The arguments of futexWait/futexWaitAsync(i32, index, expected, timeoutMs).
struct WaitArgs {
  napi_value argv[4];
  int32_t* addr = nullptr;
  int32_t expected = 0;
  int64_t timeout = -1;  // ns, or -1: forever
};

bool wait_args(napi_env env, napi_callback_info info, WaitArgs* a) {
  if (!get_args(env, info, 4, 4, a->argv, "futexWait(i32: Int32Array, index, expected, timeoutMs)")) return false;
  return (a->addr = word_address(env, a->argv[0], a->argv[1])) != nullptr && get_int32(env, a->argv[2], &a->expected, "expected") &&
         get_timeout_ns(env, a->argv[3], &a->timeout);
}

// futexWait(i32, index, expected, timeoutMs) -> 0 ok | 1 not-equal | 2 timed-out. Blocks this thread.
napi_value FutexWait(napi_env env, napi_callback_info info) {
  WaitArgs a;
  if (!wait_args(env, info, &a)) return nullptr;
  int err = futex_wait(a.addr, a.expected, a.timeout);
  if (err != 0 && err != EAGAIN && err != ETIMEDOUT) return throw_errno(env, err, "futex");
  return make_int32(env, err == 0 ? kOk : err == EAGAIN ? kNotEqual : kTimedOut);
}

// futexWaitAsync(i32, index, expected, timeoutMs) -> Promise<0 | 1 | 2>.
napi_value FutexWaitAsync(napi_env env, napi_callback_info info) {
  WaitArgs a;
  if (!wait_args(env, info, &a)) return nullptr;
  napi_deferred deferred;
  napi_value promise;
  NAPI_CHECK(napi_create_promise(env, &deferred, &promise));
  if (__atomic_load_n(a.addr, __ATOMIC_SEQ_CST) != a.expected) {
    napi_value result = make_int32(env, kNotEqual);
    if (result == nullptr) return nullptr;
    NAPI_CHECK(napi_resolve_deferred(env, deferred, result));
    return promise;
  }
  Waiter* waiter = env_waiter(env);
  if (waiter == nullptr) return nullptr;
  auto* wait = new PendingWait{a.addr, a.expected, a.timeout < 0 ? -1 : monotonic_ns() + a.timeout, deferred, nullptr, kOk};
  if (napi_create_reference(env, a.argv[0], 1, &wait->keep_alive) != napi_ok) {
    delete wait;
    return napi_failed(env);
  }
  if (!waiter->Add(wait)) {
    (void)napi_delete_reference(env, wait->keep_alive);  // an error is pending already
    delete wait;
    return nullptr;
  }
  return promise;
}

// futexWake(i32, index, count) -> number of waiters woken. count: 0 or more; Infinity wakes all.
napi_value FutexWake(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  double count = 0;
  if (!get_args(env, info, 3, 3, argv, "futexWake(i32: Int32Array, index, count)")) return nullptr;
  int32_t* addr = word_address(env, argv[0], argv[1]);
  if (addr == nullptr || !get_number(env, argv[2], &count, "count")) return nullptr;
  if (count < 0) return throw_range(env, "count must be 0 or more (Infinity: all)");
  int32_t n = count >= 2147483647.0 ? 2147483647 : static_cast<int32_t>(count);
  int woken = futex_wake(addr, n);
  if (woken < 0) return throw_errno(env, -woken, "futex");
  return make_int32(env, woken);
}

}  // namespace

bool RegisterFutex(napi_env env, napi_value exports) {
  return DefineFunctions(env, exports, {{"futexWait", FutexWait}, {"futexWaitAsync", FutexWaitAsync}, {"futexWake", FutexWake}});
}

}  // namespace mpts
