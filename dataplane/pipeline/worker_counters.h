// Per-worker counters of the pipeline, and the drop reasons the pipeline adds
// to the stages' (dataplane/stages/drop_reason.h).
//
// Each worker owns one WorkerCounters and is its only writer; the agent reads
// them from the control thread and sums over workers. Counters the pipeline
// writes are RelaxedCounter (a relaxed atomic load + store: a plain `add` on
// x86-64, no locked instruction); the stages' DropCounters are plain uint64_t
// by their own contract (aligned 64-bit loads never tear on x86-64).
//
// Per-entity counters (rules, policies, SIDs) are arrays indexed by the
// entity's slot (see forwarding_state.h), sized at creation to the agent's
// capacities so a worker never allocates.
#ifndef CPN_DATAPLANE_PIPELINE_WORKER_COUNTERS_H_
#define CPN_DATAPLANE_PIPELINE_WORKER_COUNTERS_H_

#include <rte_mbuf.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "dataplane/stages/burst.h"
#include "dataplane/stages/drop_reason.h"
#include "dataplane/stages/tx.h"

namespace cpn::dataplane {

// Drops decided by the pipeline itself (the stages count theirs in
// DropCounters). Append only.
enum class PipelineDrop : uint16_t {
  kUnsupportedProtocol = 0,  // Not IP (ARP, LLDP...), or IPv6 multicast.
  kNoRoute,                  // FIB miss.
  kBlackhole,                // Blackhole route.
  kNoLocalSid,               // Local route, SRv6 packet, no matching SID.
  kLocalDelivery,            // Local route, no host exception path.
  kNotSteered,               // Drop rule, or all weights 0 for a new flow.
  kAffinityTableFull,        // A new flow could not be pinned.
  kMtuExceeded,              // Larger than the egress port's MTU.
  kPortDown,                 // Egress port administratively down.
  kHopLimitExpired,          // IPv6 hop limit / IPv4 TTL <= 1 when forwarding.
  kSpreadRingFull,           // Hand-off to another worker failed.
  kRecirculationLimit,       // Too many local SID passes for one packet.
  kEmulatedLoss,             // Lab link emulation: random loss.
  kEmulatedQueueFull,        // Lab link emulation: rate queue (or its FIFO) full.
  kCount,
};

inline constexpr size_t kPipelineDropCount = static_cast<size_t>(PipelineDrop::kCount);

// Stable snake_case name, e.g. "no_route".
std::string_view PipelineDropName(PipelineDrop reason);

// A counter with one writer: no locked read-modify-write.
struct RelaxedCounter {
  std::atomic<uint64_t> v{0};
  void Add(uint64_t d) {
    v.store(v.load(std::memory_order_relaxed) + d, std::memory_order_relaxed);
  }
  uint64_t Get() const { return v.load(std::memory_order_relaxed); }
};

struct RuleCounters {
  RelaxedCounter packets, bytes, new_flows, repicked_flows, not_steered, rerouted_flows;
};
struct PolicyCounters {
  RelaxedCounter packets, bytes, new_flows;
};
struct SidCounters {
  RelaxedCounter packets, bytes;
};

struct CounterSizes {
  uint32_t rules = 0;
  uint32_t policies = 0;
  uint32_t sids = 0;
};

struct alignas(64) WorkerCounters {
  explicit WorkerCounters(const CounterSizes& sizes)
      : rules(new RuleCounters[sizes.rules]),
        policies(new PolicyCounters[sizes.policies]),
        sids(new SidCounters[sizes.sids]),
        sizes(sizes) {}

  DropCounters stage_drops;  // Written by the stages.
  RelaxedCounter drops[kPipelineDropCount];
  RelaxedCounter port_tx_dropped[kMaxTxPorts];  // By DPDK port id.
  const std::unique_ptr<RuleCounters[]> rules;
  const std::unique_ptr<PolicyCounters[]> policies;
  const std::unique_ptr<SidCounters[]> sids;
  const CounterSizes sizes;

  RelaxedCounter packets;       // Packets this worker took in (rx and hand-off).
  RelaxedCounter empty_polls;   // Loop iterations that found nothing.
  RelaxedCounter busy_cycles;   // TSC cycles of iterations that had packets.
  RelaxedCounter total_cycles;  // TSC cycles of the loop, sleeps included.
  // Steered packets whose decision came from the flow cache, and those that
  // took the full path (counted only with a cache).
  RelaxedCounter flow_cache_hits;
  RelaxedCounter flow_cache_misses;
  // IPv6 main-table lookups answered by the route cache, and those that
  // went to the FIB (counted only with a cache).
  RelaxedCounter route_cache_hits;
  RelaxedCounter route_cache_misses;
};

// Packets the pipeline drops during one step, freed in bulk (like the
// stages' DropList) and counted by PipelineDrop.
class PipelineDropList {
 public:
  explicit PipelineDropList(WorkerCounters& c) : c_(c) {}
  PipelineDropList(const PipelineDropList&) = delete;
  PipelineDropList& operator=(const PipelineDropList&) = delete;
  ~PipelineDropList() { Flush(); }

  void Drop(rte_mbuf* m, PipelineDrop reason) {
    c_.drops[static_cast<size_t>(reason)].Add(1);
    if (unlikely(n_ == kMaxBurst)) Flush();
    pkts_[n_++] = m;
  }
  void Flush() {
    if (n_ != 0) rte_pktmbuf_free_bulk(pkts_, n_);
    n_ = 0;
  }

 private:
  WorkerCounters& c_;
  uint16_t n_ = 0;
  rte_mbuf* pkts_[kMaxBurst];
};

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_PIPELINE_WORKER_COUNTERS_H_
