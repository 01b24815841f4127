// Pipeline: the workers of one dataplane, the RCU domain they report to and
// the published ForwardingState they forward with.
//
// LIFECYCLE (control thread): Create (RCU domain, affinity tables, input
// rings; publishes an empty state) -> Publish the first real state (any time,
// before or after Start) -> Start (one std::thread per worker, registered
// with EAL as a non-EAL lcore and optionally pinned to a CPU) -> Publish ...
// -> Stop (joins the workers; packets still in their input rings are freed)
// -> destructor (frees every published state after a grace period). With
// IPFIX flow records on, Stop also reports every flow still active
// (FORCED_END) into the workers' rings.
//
// Workers are plain threads rather than EAL worker lcores launched with
// rte_eal_remote_launch so that the same code runs under the tests' single
// `-l 0` EAL and on a shared two-core box, where the main lcore keeps the
// control threads (gRPC) and the workers get the CPUs given in the config.
//
// THREADS: Publish, Synchronize, Reclaim and current() may be called from any
// control thread (they serialise on an internal mutex; none ever waits for a
// worker except Synchronize, and workers never wait for them). counters(),
// affinity(), lcore() from any thread. Start/Stop from one control thread.
#ifndef CPN_DATAPLANE_PIPELINE_PIPELINE_H_
#define CPN_DATAPLANE_PIPELINE_PIPELINE_H_

#include <rte_ring.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dataplane/pipeline/forwarding_state.h"
#include "dataplane/pipeline/worker.h"
#include "dataplane/tables/rcu.h"

namespace cpn::dataplane {

struct PipelineConfig {
  uint32_t workers = 1;  // 1..kMaxWorkers.
  // Worker i runs on CPU worker_cpus[i % size]; empty leaves them unpinned
  // (they inherit the creating thread's affinity).
  std::vector<int> worker_cpus;
  IdleConfig idle;
  uint32_t affinity_capacity_per_worker = 1u << 16;
  uint64_t affinity_idle_timeout_ms = 60'000;  // 0 = flows never idle out.
  uint32_t flow_cache_entries = 8192;          // Per worker; 0 = off (WorkerConfig).
  uint32_t route_cache_entries = 4096;         // Per worker; 0 = off (WorkerConfig).
  CounterSizes counter_sizes{4096, 4096, 4096};
  uint32_t input_ring_size = 4096;  // Per worker, a power of two.
  // Lab link emulation (--lab-emulation): workers delay, rate-limit and drop
  // on ports whose published state asks for it (LinkEmulator).
  bool lab_emulation = false;
  // IPFIX flow records (dataplane/telemetry/ipfix_*): per-worker ring size,
  // 0 = export off (no per-flow counts kept); the active timeout splits long
  // flows into records (0 = only at their end).
  uint32_t flow_record_ring_size = 0;
  uint64_t flow_active_timeout_ms = 60'000;
};

class Pipeline {
 public:
  static absl::StatusOr<std::unique_ptr<Pipeline>> Create(const PipelineConfig& config);
  ~Pipeline();  // Stops the workers if needed.
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  absl::Status Start();
  void Stop();
  bool running() const { return !threads_.empty(); }

  // One release store: workers see `next` from their next loop iteration.
  // Stamps next->publication.
  // The previous state is freed once every worker has passed a quiescent
  // point (by this or a later Publish / Reclaim).
  void Publish(std::unique_ptr<ForwardingState> next);
  // The state workers see now. Valid until the next Publish by this caller.
  const ForwardingState* current() const;
  // Waits until no worker can hold anything published before (for port
  // removal and shutdown), then frees what was retired.
  void Synchronize();
  size_t Reclaim();

  const PipelineConfig& config() const { return config_; }
  uint32_t workers() const { return config_.workers; }
  const WorkerCounters& counters(uint32_t worker) const { return workers_[worker]->counters(); }
  AffinityCounters affinity(uint32_t worker) const { return workers_[worker]->affinity_counters(); }
  uint32_t lcore(uint32_t worker) const { return workers_[worker]->lcore_id(); }
  // Worker's flow record ring, null when export is off (one consumer only).
  FlowRecordRing* flow_records(uint32_t worker) const { return workers_[worker]->flow_records(); }
  uint64_t tsc_hz() const { return tsc_hz_; }

 private:
  explicit Pipeline(const PipelineConfig& config) : config_(config) {}
  void FreeInputRings();

  const PipelineConfig config_;
  uint64_t tsc_hz_ = 0;
  std::unique_ptr<RcuDomain> domain_;
  std::unique_ptr<RcuPublished<ForwardingState>> state_;
  rte_ring* inputs_[kMaxWorkers] = {};
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  mutable std::mutex control_mu_;  // RcuDomain control calls are single-threaded.
  uint64_t publications_ = 0;      // Under control_mu_: the last publication stamped.
};

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_PIPELINE_PIPELINE_H_
