#include "dataplane/pipeline/pipeline.h"

#include <pthread.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <sched.h>

#include "absl/strings/str_cat.h"
#include "dataplane/tables/dpdk_util.h"

namespace cpn::dataplane {

absl::StatusOr<std::unique_ptr<Pipeline>> Pipeline::Create(const PipelineConfig& config) {
  if (config.workers == 0 || config.workers > kMaxWorkers) {
    return absl::InvalidArgumentError(
        absl::StrCat("pipeline: ", config.workers, " workers; want 1..", kMaxWorkers));
  }
  std::unique_ptr<Pipeline> p(new Pipeline(config));
  p->tsc_hz_ = rte_get_tsc_hz();
  absl::StatusOr<std::unique_ptr<RcuDomain>> domain = RcuDomain::Create(config.workers);
  if (!domain.ok()) return domain.status();
  p->domain_ = *std::move(domain);
  p->state_ = std::make_unique<RcuPublished<ForwardingState>>(
      p->domain_.get(), std::make_unique<const ForwardingState>());
  for (uint32_t w = 0; w < config.workers; ++w) {
    const std::string name = UniqueDpdkName("wi");
    p->inputs_[w] =
        rte_ring_create(name.c_str(), config.input_ring_size, SOCKET_ID_ANY, RING_F_SC_DEQ);
    if (p->inputs_[w] == nullptr) {
      return absl::ResourceExhaustedError(
          absl::StrCat("pipeline: input ring of worker ", w, ": ", rte_strerror(rte_errno)));
    }
  }
  for (uint32_t w = 0; w < config.workers; ++w) {
    WorkerConfig wc;
    wc.id = w;
    wc.workers = config.workers;
    wc.idle = config.idle;
    wc.affinity.capacity = config.affinity_capacity_per_worker;
    wc.affinity.idle_timeout_tsc = config.affinity_idle_timeout_ms * (p->tsc_hz_ / 1000);
    wc.counter_sizes = config.counter_sizes;
    wc.flow_cache_entries = config.flow_cache_entries;
    wc.route_cache_entries = config.route_cache_entries;
    wc.lab_emulation = config.lab_emulation;
    wc.flow_record_ring = config.flow_record_ring_size;
    wc.affinity.active_timeout_tsc = config.flow_active_timeout_ms * (p->tsc_hz_ / 1000);
    absl::StatusOr<std::unique_ptr<Worker>> worker =
        Worker::Create(wc, p->domain_.get(), p->state_.get(), p->inputs_);
    if (!worker.ok()) {
      return absl::Status(worker.status().code(),
                          absl::StrCat("worker ", w, ": ", worker.status().message()));
    }
    if (absl::Status s = p->domain_->RegisterWorker(w); !s.ok()) return s;
    p->workers_.push_back(*std::move(worker));
  }
  return p;
}

Pipeline::~Pipeline() {
  Stop();
  for (uint32_t w = 0; w < workers_.size(); ++w) (void)domain_->UnregisterWorker(w);
  {
    std::lock_guard<std::mutex> lock(control_mu_);
    state_.reset();  // Retires the last state.
    if (domain_ != nullptr) domain_->Synchronize();
  }
  workers_.clear();
  FreeInputRings();
}

void Pipeline::FreeInputRings() {
  for (rte_ring*& r : inputs_) {
    if (r == nullptr) continue;
    void* m;
    while (rte_ring_dequeue(r, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
    rte_ring_free(r);
    r = nullptr;
  }
}

absl::Status Pipeline::Start() {
  if (!threads_.empty()) return absl::FailedPreconditionError("pipeline already started");
  stop_.store(false);
  for (uint32_t w = 0; w < workers_.size(); ++w) {
    Worker* worker = workers_[w].get();
    const int cpu =
        config_.worker_cpus.empty() ? -1 : config_.worker_cpus[w % config_.worker_cpus.size()];
    threads_.emplace_back([this, worker, cpu] {
      if (cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
      }
      // A registered thread gets an lcore id: per-lcore mempool caches and
      // rte_lcore_id() work as on an EAL lcore.
      const bool registered = rte_thread_register() == 0;
      worker->Run(stop_);
      if (registered) rte_thread_unregister();
    });
    pthread_setname_np(threads_.back().native_handle(), absl::StrCat("cpn-worker-", w).c_str());
  }
  return absl::OkStatus();
}

void Pipeline::Stop() {
  if (threads_.empty()) return;
  stop_.store(true);
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  // IPFIX: flows still active end now (records into the rings, which the
  // exporter drains when it stops; a no-op when export is off).
  for (auto& w : workers_) w->EndFlowRecords();
  // Hand-offs that were never picked up.
  for (rte_ring* r : inputs_) {
    if (r == nullptr) continue;
    void* m;
    while (rte_ring_dequeue(r, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
  }
}

void Pipeline::Publish(std::unique_ptr<ForwardingState> next) {
  std::lock_guard<std::mutex> lock(control_mu_);
  next->publication = ++publications_;
  state_->Publish(std::move(next));
}

const ForwardingState* Pipeline::current() const {
  std::lock_guard<std::mutex> lock(control_mu_);
  return state_->current();
}

void Pipeline::Synchronize() {
  std::lock_guard<std::mutex> lock(control_mu_);
  domain_->Synchronize();
}

size_t Pipeline::Reclaim() {
  std::lock_guard<std::mutex> lock(control_mu_);
  return domain_->Reclaim();
}

}  // namespace cpn::dataplane
