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
#include "errors.h"
#include "platform.h"

namespace mpts {
namespace {

constexpr int kOk = 0;
constexpr int kNotEqual = 1;
constexpr int kTimedOut = 2;
constexpr int kMaxWords = 127;

// The address of element `index` of an Int32Array, or nullptr after throwing.
int32_t* word_address(napi_env env, napi_value array, napi_value index_value) {
  bool is_typed = false;
  napi_is_typedarray(env, array, &is_typed);
  if (!is_typed) {
    throw_type(env, "expected an Int32Array");
    return nullptr;
  }
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  napi_get_typedarray_info(env, array, &type, &length, &data, nullptr, nullptr);
  if (type != napi_int32_array) {
    throw_type(env, "expected an Int32Array");
    return nullptr;
  }
  uint32_t index = 0;
  if (napi_get_value_uint32(env, index_value, &index) != napi_ok || index >= length) {
    throw_type(env, "index out of range");
    return nullptr;
  }
  return static_cast<int32_t*>(data) + index;
}

// Milliseconds (negative or non-finite: forever) to nanoseconds (-1: forever).
int64_t timeout_ns(napi_env env, napi_value value) {
  double ms = -1;
  napi_get_value_double(env, value, &ms);
  if (!std::isfinite(ms) || ms < 0) return -1;
  return static_cast<int64_t>(ms * 1e6);
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
  explicit Waiter(napi_env env) : env_(env) {
    napi_value name;
    napi_create_string_utf8(env, "multiprocessing-ts futex waiter", NAPI_AUTO_LENGTH, &name);
    napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, nullptr, nullptr, this, Deliver, &tsfn_);
    napi_unref_threadsafe_function(env, tsfn_);
    thread_ = std::thread([this] { Run(); });
  }

  ~Waiter() { Stop(); }

  void Add(PendingWait* wait) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      pending_.push_back(wait);
    }
    if (outstanding_++ == 0) napi_ref_threadsafe_function(env_, tsfn_);
    Poke();
  }

  void Stop() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    Poke();
    thread_.join();
    napi_release_threadsafe_function(tsfn_, napi_tsfn_abort);
    for (PendingWait* p : pending_) delete p;
    for (PendingWait* p : done_) delete p;
    pending_.clear();
    done_.clear();
  }

 private:
  void Poke() {
    __atomic_add_fetch(&control_, 1, __ATOMIC_SEQ_CST);
    futex_wake(&control_, 1);
  }

  void Run() {
    std::vector<WaitEntry> entries;
    for (;;) {
      int64_t deadline = -1;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) return;
        entries.clear();
        entries.push_back({&control_, __atomic_load_n(&control_, __ATOMIC_SEQ_CST), false});
        for (PendingWait* p : pending_) {
          if (static_cast<int>(entries.size()) > kMaxWords) {
            // More waits than one futex_waitv takes: look at the rest every millisecond.
            int64_t soon = monotonic_ns() + 1000000;
            deadline = deadline < 0 ? soon : std::min(deadline, soon);
            break;
          }
          entries.push_back({p->addr, p->expected, false});
          if (p->deadline >= 0) deadline = deadline < 0 ? p->deadline : std::min(deadline, p->deadline);
        }
      }
      int err = futex_wait_many(entries.data(), static_cast<int>(entries.size()), deadline);
      if (err == ENOSYS) {
        // Kernels before 5.16: sleep on the control word only, and look again every millisecond.
        futex_wait(&control_, entries[0].expected, 1000000);
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
      if (finished && !notified_) {
        notified_ = true;
        napi_call_threadsafe_function(tsfn_, nullptr, napi_tsfn_nonblocking);
      }
    }
  }

  // On the JS thread: resolve a batch of finished waits.
  static void Deliver(napi_env env, napi_value, void* context, void*) {
    auto* self = static_cast<Waiter*>(context);
    if (env == nullptr) return;
    std::vector<PendingWait*> batch;
    {
      std::lock_guard<std::mutex> lock(self->mu_);
      batch.swap(self->done_);
      self->notified_ = false;
    }
    for (PendingWait* p : batch) {
      napi_value result;
      napi_create_int32(env, p->result, &result);
      napi_resolve_deferred(env, p->deferred, result);
      napi_delete_reference(env, p->keep_alive);
      delete p;
    }
    self->outstanding_ -= batch.size();
    if (self->outstanding_ == 0 && !batch.empty()) napi_unref_threadsafe_function(env, self->tsfn_);
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

EnvData* env_data(napi_env env) {
  void* raw = nullptr;
  napi_get_instance_data(env, &raw);
  if (raw != nullptr) return static_cast<EnvData*>(raw);
  auto* data = new EnvData();
  napi_set_instance_data(env, data, [](napi_env, void* d, void*) { delete static_cast<EnvData*>(d); }, nullptr);
  napi_add_env_cleanup_hook(env, StopWaiter, data);
  return data;
}

// futexWait(i32, index, expected, timeoutMs) -> 0 ok | 1 not-equal | 2 timed-out. Blocks this thread.
napi_value FutexWait(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t* addr = word_address(env, argv[0], argv[1]);
  if (addr == nullptr) return nullptr;
  int32_t expected = 0;
  napi_get_value_int32(env, argv[2], &expected);
  int err = futex_wait(addr, expected, argc > 3 ? timeout_ns(env, argv[3]) : -1);
  if (err == ENOSYS) return throw_errno(env, err, "futex");
  napi_value out;
  napi_create_int32(env, err == 0 ? kOk : err == EAGAIN ? kNotEqual : kTimedOut, &out);
  return out;
}

// futexWaitAsync(i32, index, expected, timeoutMs) -> Promise<0 | 1 | 2>.
napi_value FutexWaitAsync(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t* addr = word_address(env, argv[0], argv[1]);
  if (addr == nullptr) return nullptr;
  int32_t expected = 0;
  napi_get_value_int32(env, argv[2], &expected);
  napi_deferred deferred;
  napi_value promise;
  napi_create_promise(env, &deferred, &promise);
  if (__atomic_load_n(addr, __ATOMIC_SEQ_CST) != expected) {
    napi_value result;
    napi_create_int32(env, kNotEqual, &result);
    napi_resolve_deferred(env, deferred, result);
    return promise;
  }
  int64_t timeout = argc > 3 ? timeout_ns(env, argv[3]) : -1;
  auto* wait = new PendingWait{addr, expected, timeout < 0 ? -1 : monotonic_ns() + timeout, deferred, nullptr, kOk};
  napi_create_reference(env, argv[0], 1, &wait->keep_alive);
  EnvData* data = env_data(env);
  if (data->waiter == nullptr) data->waiter = new Waiter(env);
  data->waiter->Add(wait);
  return promise;
}

// futexWake(i32, index, count) -> number of waiters woken.
napi_value FutexWake(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t* addr = word_address(env, argv[0], argv[1]);
  if (addr == nullptr) return nullptr;
  double count = 1;
  if (argc > 2) napi_get_value_double(env, argv[2], &count);
  int32_t n = !std::isfinite(count) || count > 2147483647.0 ? 2147483647 : static_cast<int32_t>(std::max(0.0, count));
  int woken = futex_wake(addr, n);
  if (woken < 0) return throw_errno(env, -woken, "futex");
  napi_value out;
  napi_create_int32(env, woken, &out);
  return out;
}

}  // namespace

void RegisterFutex(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"futexWait", nullptr, FutexWait, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"futexWaitAsync", nullptr, FutexWaitAsync, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"futexWake", nullptr, FutexWake, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}

}  // namespace mpts
