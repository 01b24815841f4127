#include "dataplane/tables/rcu.h"

#include <rte_errno.h>
#include <rte_malloc.h>

#include "absl/strings/str_cat.h"

namespace cpn::dataplane {

absl::StatusOr<std::unique_ptr<RcuDomain>> RcuDomain::Create(uint32_t max_workers) {
  if (max_workers == 0 || max_workers > RTE_MAX_LCORE * 8) {
    return absl::InvalidArgumentError(
        absl::StrCat("RcuDomain: max_workers ", max_workers, " is out of range"));
  }
  const size_t size = rte_rcu_qsbr_get_memsize(max_workers);
  auto* v = static_cast<rte_rcu_qsbr*>(rte_zmalloc("cpn_rcu_qsbr", size, RTE_CACHE_LINE_SIZE));
  if (v == nullptr) {
    return absl::ResourceExhaustedError(absl::StrCat("RcuDomain: no memory for ", size, " bytes"));
  }
  if (rte_rcu_qsbr_init(v, max_workers) != 0) {
    rte_free(v);
    return absl::InternalError(absl::StrCat("rte_rcu_qsbr_init: ", rte_strerror(rte_errno)));
  }
  return std::unique_ptr<RcuDomain>(new RcuDomain(v, max_workers));
}

RcuDomain::~RcuDomain() {
  Synchronize();
  rte_free(qsbr_);
}

absl::Status RcuDomain::RegisterWorker(uint32_t worker_id) {
  if (worker_id >= max_workers_) {
    return absl::InvalidArgumentError(
        absl::StrCat("RCU worker id ", worker_id, " >= max_workers ", max_workers_));
  }
  if (rte_rcu_qsbr_thread_register(qsbr_, worker_id) != 0) {
    return absl::InternalError(
        absl::StrCat("rte_rcu_qsbr_thread_register(", worker_id, "): ", rte_strerror(rte_errno)));
  }
  return absl::OkStatus();
}

absl::Status RcuDomain::UnregisterWorker(uint32_t worker_id) {
  if (worker_id >= max_workers_) {
    return absl::InvalidArgumentError(
        absl::StrCat("RCU worker id ", worker_id, " >= max_workers ", max_workers_));
  }
  if (rte_rcu_qsbr_thread_unregister(qsbr_, worker_id) != 0) {
    return absl::InternalError(
        absl::StrCat("rte_rcu_qsbr_thread_unregister(", worker_id, "): ", rte_strerror(rte_errno)));
  }
  return absl::OkStatus();
}

void RcuDomain::RetireRaw(void* p, void (*deleter)(void*)) {
  if (p == nullptr) return;
  // rte_rcu_qsbr_start is a release RMW on the token: the store that
  // unpublished `p` is visible to any worker that acknowledges this token.
  pending_.push_back(Pending{rte_rcu_qsbr_start(qsbr_), p, deleter});
  ++retired_;
}

size_t RcuDomain::Reclaim() {
  size_t freed = 0;
  // Tokens grow monotonically, so the queue is ordered: stop at the first one
  // still in its grace period.
  while (!pending_.empty() && rte_rcu_qsbr_check(qsbr_, pending_.front().token, false) == 1) {
    const Pending p = pending_.front();
    pending_.pop_front();
    p.deleter(p.object);
    ++freed;
  }
  reclaimed_ += freed;
  return freed;
}

void RcuDomain::Synchronize() {
  if (pending_.empty()) return;
  rte_rcu_qsbr_check(qsbr_, pending_.back().token, true);
  Reclaim();
}

RcuCounters RcuDomain::counters() const {
  return RcuCounters{retired_, reclaimed_, pending_.size()};
}

}  // namespace cpn::dataplane
