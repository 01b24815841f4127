// RCU publication of immutable tables to the fast path, on DPDK's rte_rcu_qsbr
// (quiescent-state-based reclamation).
//
// The pattern (DESIGN.md, "Control into the fast path"): the control thread
// builds a new immutable object beside the live one, publishes it with ONE
// atomic store (release), and retires the old one. A retired object is freed
// only after every registered worker that was online at the swap has reported
// a quiescent state, i.e. has finished the burst that might still be reading
// it. Workers never take a lock, never wait, never see freed memory; the
// control thread never waits for a worker either (Publish and Reclaim return at
// once; what is not yet safe to free stays queued for a later Reclaim).
//
// THREADS
//   RcuDomain::Create, ~RcuDomain, Retire, Reclaim, Synchronize, pending,
//   counters: the control thread only (ONE thread; these are not thread-safe
//   among themselves). The control thread must not be a registered worker.
//   RegisterWorker / UnregisterWorker: any thread, for an id not in use.
//   Online, Offline, Quiescent(id): only the worker that owns `id`.
//   RcuPublished::Get: a worker that is online. The pointer it returns stays
//   valid until that worker's next Quiescent() or Offline().
//   RcuPublished::Publish, current: the control thread.
//
// WORKER LOOP
//   domain.RegisterWorker(id); domain.Online(id);
//   for (;;) {
//     const TableSet* t = tables.Get();   // once per burst
//     ... rx, process the burst with t, tx ...
//     domain.Quiescent(id);               // drops every reference to t
//     if (idle) { domain.Offline(id); sleep(); domain.Online(id); }
//   }
//   domain.Offline(id); domain.UnregisterWorker(id);
// A sleeping worker MUST be offline, or nothing retired after it fell asleep
// can be freed until it wakes (memory grows; nothing breaks).
//
// Retired objects are freed with plain `delete` (their destructors may
// rte_free DPDK memory) on the control thread, inside Reclaim.
#ifndef CPN_DATAPLANE_TABLES_RCU_H_
#define CPN_DATAPLANE_TABLES_RCU_H_

#include <rte_rcu_qsbr.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <type_traits>

#include "absl/status/statusor.h"

namespace cpn::dataplane {

struct RcuCounters {
  uint64_t retired = 0;    // Objects handed to Retire.
  uint64_t reclaimed = 0;  // Objects freed.
  uint64_t pending = 0;    // Retired, not yet safe to free.
};

class RcuDomain {
 public:
  // `max_workers` bounds the worker ids (0 .. max_workers-1).
  static absl::StatusOr<std::unique_ptr<RcuDomain>> Create(uint32_t max_workers);
  // Waits for the online workers to pass a quiescent point, then frees all that
  // is pending. Stop (or take offline) the workers first.
  ~RcuDomain();
  RcuDomain(const RcuDomain&) = delete;
  RcuDomain& operator=(const RcuDomain&) = delete;

  // Registers `worker_id`; it starts offline. Fails on a bad or used id.
  absl::Status RegisterWorker(uint32_t worker_id);
  // The worker must be offline.
  absl::Status UnregisterWorker(uint32_t worker_id);

  // --- Worker side: cheap, inline, lock-free. ---
  // Quiescent: one relaxed load, one acquire load, and a release store when a
  // new token was issued since the last call. Once per burst loop.
  void Quiescent(uint32_t worker_id) { rte_rcu_qsbr_quiescent(qsbr_, worker_id); }
  // Online costs a full fence; call it on wake-up, not per burst.
  void Online(uint32_t worker_id) { rte_rcu_qsbr_thread_online(qsbr_, worker_id); }
  void Offline(uint32_t worker_id) { rte_rcu_qsbr_thread_offline(qsbr_, worker_id); }

  // --- Control side. ---
  // Queues `p` for deletion after the current grace period. Call it AFTER the
  // store that unpublished `p`.
  template <typename T>
  void Retire(std::unique_ptr<T> p) {
    using U = std::remove_const_t<T>;
    if (p == nullptr) return;
    RetireRaw(const_cast<U*>(p.release()), [](void* q) { delete static_cast<U*>(q); });
  }
  void RetireRaw(void* p, void (*deleter)(void*));
  // Frees every retired object whose grace period is over. Never waits.
  // Returns how many were freed.
  size_t Reclaim();
  // Waits until everything retired so far is safe, and frees it. For
  // shutdown and tests; a normal update path calls Reclaim.
  void Synchronize();

  size_t pending() const { return pending_.size(); }
  RcuCounters counters() const;
  rte_rcu_qsbr* qsbr() const { return qsbr_; }
  uint32_t max_workers() const { return max_workers_; }

 private:
  struct Pending {
    uint64_t token;
    void* object;
    void (*deleter)(void*);
  };
  RcuDomain(rte_rcu_qsbr* qsbr, uint32_t max_workers) : qsbr_(qsbr), max_workers_(max_workers) {}

  rte_rcu_qsbr* const qsbr_;
  const uint32_t max_workers_;
  std::deque<Pending> pending_;
  uint64_t retired_ = 0;
  uint64_t reclaimed_ = 0;
};

// One published immutable T. Workers read it with Get(); the control thread
// replaces it with Publish(). Threads: see the file comment.
template <typename T>
class RcuPublished {
 public:
  explicit RcuPublished(RcuDomain* domain, std::unique_ptr<const T> initial = nullptr)
      : domain_(domain), ptr_(initial.release()) {}
  // Retires the current object (it is freed by a later Reclaim/Synchronize or
  // by the domain's destructor). The domain must outlive this.
  ~RcuPublished() {
    domain_->Retire(std::unique_ptr<const T>(ptr_.load(std::memory_order_relaxed)));
  }
  RcuPublished(const RcuPublished&) = delete;
  RcuPublished& operator=(const RcuPublished&) = delete;

  // Worker: the current object (nullptr before the first Publish).
  const T* Get() const { return ptr_.load(std::memory_order_acquire); }

  // Control thread: one release store makes `next` visible; the old object
  // is retired and whatever has become safe is freed. Never waits.
  void Publish(std::unique_ptr<const T> next) {
    const T* old = ptr_.load(std::memory_order_relaxed);
    ptr_.store(next.release(), std::memory_order_release);
    ++publications_;
    domain_->Retire(std::unique_ptr<const T>(old));
    domain_->Reclaim();
  }

  // Control thread: what Get() returns now.
  const T* current() const { return ptr_.load(std::memory_order_relaxed); }
  uint64_t publications() const { return publications_; }

 private:
  RcuDomain* const domain_;
  alignas(64) std::atomic<const T*> ptr_;
  alignas(64) uint64_t publications_ = 0;  // Control thread only.
};

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_TABLES_RCU_H_
