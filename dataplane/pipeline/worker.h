// One fast-path worker: the loop that joins the stages.
//
//   rx burst (each rx queue the snapshot gives this worker)
//     -> parse (IPv6 multicast dropped here)
//     -> [software spreading: packets of other workers' flows are handed
//         to them through their MP/SC input ring]
//   IPv6: local SID lookup -> srv6 (End / End.X / End.DX6 / End.DT6 / End.DX4)
//         otherwise steer (classify -> affinity -> select) -> encap
//   IPv4: steer -> encap
//   unsteered / after srv6 / after encap -> fib (v6 or v4)
//     [fib "local" on IPv6 -> local SID lookup again, at most kMaxPasses]
//   -> egress checks (port admin state, MTU) -> rewrite + tx
//     [lab emulation: packets for an emulated port wait in the worker's
//      LinkEmulator; each iteration transmits the due ones, and an idle
//      worker never sleeps past the next departure]
//
// The stages are not run one pass each over the burst: the worker calls
// their per-packet cores (ParseOne, EncapOne, Srv6 ProcessOne, FibStage::
// Resolve, TxStage::ProcessOne) in as few passes as the bulk lookups allow
// -- parse; local SIDs; steer (classify, affinity, select); encap; FIB
// lookup then resolve + egress checks + rewrite + tx in one loop -- so no
// edge buffer is filled only to be copied into the next. Per packet the
// code and the outcome are the stages' own. The per-packet loops
// (SendCached, RunSrv6, Forward) are [[gnu::flatten]]: every call in them
// is inlined, with CPN_FAST_PATH_LTO also the stages' cores from their own
// files (callgrind: 4.5-4.7 % fewer instructions a packet on steering and
// transit End).
//
// Every packet of one loop iteration is processed with the ForwardingState
// loaded at the start of the iteration, and the worker passes an RCU
// quiescent point at its end, so each packet sees one Write batch entirely
// (hand-offs happen right after parse, before any table is read). Idle
// workers sleep (AdaptiveIdle) and are RCU-offline while they do.
//
// Flows spread over workers by a multiplicative mix of the parse flow hash
// (decorrelated from the affinity table's bucket bits and from Maglev's slot
// bits), or by RSS when every worker has a queue on an RSS-capable port.
//
// THREADS: Create and the destructor on the control thread while the worker
// is not running; Run on the worker's own thread (registered with EAL);
// counters()/affinity_counters() from any thread.
#ifndef CPN_DATAPLANE_PIPELINE_WORKER_H_
#define CPN_DATAPLANE_PIPELINE_WORKER_H_

#include <rte_ring.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "dataplane/pipeline/fib_stage.h"
#include "dataplane/pipeline/forwarding_state.h"
#include "dataplane/pipeline/link_emulator.h"
#include "dataplane/pipeline/steer_stage.h"
#include "dataplane/pipeline/worker_counters.h"
#include "dataplane/ports/idle_policy.h"
#include "dataplane/stages/encap.h"
#include "dataplane/stages/parse.h"
#include "dataplane/stages/srv6.h"
#include "dataplane/stages/tx.h"
#include "dataplane/tables/affinity.h"
#include "dataplane/tables/flow_cache.h"
#include "dataplane/tables/route_cache.h"
#include "dataplane/tables/rcu.h"
#include "dataplane/telemetry/ipfix_flow_ring.h"

namespace cpn::dataplane {

// Packets polled per rx call.
inline constexpr uint16_t kRxBurst = 32;

// Worker of a flow hash among `workers`.
inline uint32_t WorkerForHash(uint32_t flow_hash, uint32_t workers) {
  const uint32_t mixed = flow_hash * 0x9e3779b1u;
  return static_cast<uint32_t>((uint64_t{mixed} * workers) >> 32);
}

struct WorkerConfig {
  uint32_t id = 0;
  uint32_t workers = 1;
  IdleConfig idle;
  AffinityConfig affinity;
  CounterSizes counter_sizes;
  // Affinity aging while busy: 4 slots a loop sweep a 1M-slot table in ~1 s
  // at 8 Mpps (32-packet loops), the default 256k-slot one in ~0.3 s, well
  // inside any idle timeout (an expired entry is a miss for lookups anyway;
  // the sweep only reclaims it). Each slot read is likely a cache miss:
  // 16 a loop cost ~2 ns a packet (issue 5 bench).
  uint32_t age_slots_per_loop = 4;
  uint32_t age_slots_when_idle = 4096;  // ... and before a sleep.
  // Steering decisions cached per flow (tables/flow_cache.h): entries, a
  // power of two; 0 = no cache (every packet takes the full steering path).
  // 8,192 (512 KiB, within L2) like Open vSwitch's exact match cache; with
  // more flows than entries, flows beyond two in a set take turns missing.
  uint32_t flow_cache_entries = 8192;
  // IPv6 FIB answers of the main table cached per destination
  // (tables/route_cache.h): entries, a power of two; 0 = no cache. 4,096
  // (128 KiB): a transit router's destinations are SIDs, a few hundred.
  uint32_t route_cache_entries = 4096;
  // Lab link emulation (--lab-emulation): the worker keeps a LinkEmulator
  // for ports whose published state says `emulated`.
  bool lab_emulation = false;
  // IPFIX flow records: records the worker's FlowRecordRing holds; 0 = no
  // ring and no per-flow counts (export off). The affinity table emits into
  // the ring (config.affinity.flow_sink is set by Create).
  uint32_t flow_record_ring = 0;
};

// Transmits on the worker's own tx queue of a port, or through the port's
// hand-off ring. Counts what a port did not take (per port).
class WorkerTxSink final : public TxSink {
 public:
  WorkerTxSink(uint32_t worker, WorkerCounters* counters) : worker_(worker), c_(counters) {}
  void set_state(const ForwardingState* s) { s_ = s; }
  // Packets of emulated ports go to `emu` (null: no lab emulation).
  void set_emulator(LinkEmulator* emu) { emu_ = emu; }
  uint16_t Transmit(uint16_t port, rte_mbuf** pkts, uint16_t n) override;
  // Transmits at once, bypassing emulation (what Transmit does otherwise).
  uint16_t SendNow(uint16_t port, rte_mbuf** pkts, uint16_t n);

 private:
  const uint32_t worker_;
  WorkerCounters* const c_;
  const ForwardingState* s_ = nullptr;
  LinkEmulator* emu_ = nullptr;
};

class Worker {
 public:
  // `inputs[w]` is worker w's input ring (hand-offs), for every worker.
  static absl::StatusOr<std::unique_ptr<Worker>> Create(const WorkerConfig& config,
                                                        RcuDomain* domain,
                                                        const RcuPublished<ForwardingState>* state,
                                                        const rte_ring* const* inputs);
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // The loop; returns when `stop` becomes true. The worker's RCU id must be
  // registered; Run takes it online and leaves it offline.
  void Run(const std::atomic<bool>& stop);

  const WorkerCounters& counters() const { return counters_; }
  AffinityCounters affinity_counters() const { return affinity_->counters(); }
  uint32_t id() const { return config_.id; }
  // The EAL lcore id of the thread running the loop (set by Run).
  uint32_t lcore_id() const { return lcore_.load(std::memory_order_relaxed); }
  // The worker's flow records (null when export is off); the exporter
  // thread is its only consumer.
  FlowRecordRing* flow_records() const { return flow_records_.get(); }
  // Reports the flows still in the affinity table (FORCED_END) into the
  // ring. Control thread, while Run is not running (Pipeline::Stop).
  void EndFlowRecords() { affinity_->EndAllRecords(); }

 private:
  Worker(const WorkerConfig& config, RcuDomain* domain, const RcuPublished<ForwardingState>* state,
         const rte_ring* const* inputs, std::unique_ptr<FlowRecordRing> flow_records,
         std::unique_ptr<AffinityTable> affinity, std::unique_ptr<FlowCache> cache,
         std::unique_ptr<RouteCache6> route_cache);

  // One loop iteration's work; returns the packets taken in.
  uint32_t Poll(const ForwardingState& s, uint64_t now);
  void FromRx(const ForwardingState& s, rte_mbuf** pkts, uint16_t n, bool spread, uint64_t now);
  void Route(const ForwardingState& s, Burst& v6, Burst& v4, uint64_t now);
  // Local SID lookup of `in`: hits -> srv6, misses -> `miss` (may be null:
  // then misses are dropped as local deliveries).
  void LookupSids(const ForwardingState& s, Burst& in, Burst& srv6, Burst* miss,
                  PipelineDropList& dropped);
  // steer -> encap -> fib6 (steered) / fib6 or fib4 (unsteered).
  void Steer(const ForwardingState& s, Burst& in, Burst& fib6, Burst& fib4, uint64_t now);
  // srv6 -> fib6 / fib4, or straight to tx (adjacency behaviours).
  void RunSrv6(const ForwardingState& s, Burst& in, Burst& fib6, Burst& fib4);
  // FIB lookup of `in`, then per packet: resolve -> egress checks -> rewrite
  // and tx; IPv6 local routes -> `local`.
  void Forward(const ForwardingState& s, Burst& in, bool v6, Burst* local);
  // The flow cache's hits of `in`, in one pass: cached decision -> encap ->
  // egress checks -> rewrite + tx. Leaves the misses in `in`, in order.
  void SendCached(const ForwardingState& s, Burst& in, uint64_t now);
  // H.Encaps with meta.encap_policy and that policy's outer hop limit;
  // false when encap dropped it (counted in `dropped`). kForTx when the
  // packet goes straight to TransmitOne (a flow cache hit).
  bool EncapSteered(rte_mbuf* m, DropList& dropped,
                    EncapStage::MetaUpdate meta_update = EncapStage::MetaUpdate::kFull);
  // Egress checks (adjacency's port up, MTU) -> rewrite + tx buffer.
  void TransmitOne(const ForwardingState& s, rte_mbuf* m, PipelineDropList& dropped,
                   DropList& tx_dropped);
  // TransmitOne for a flow cache hit: Forward caches only a next hop that
  // is Usable, and the cache holds nothing older than `s`, so only the
  // packet's own test (MTU) is left.
  void TransmitCached(const ForwardingState& s, rte_mbuf* m, PipelineDropList& dropped,
                      DropList& tx_dropped);
  // The last egress check of both (MTU) -> rewrite + tx buffer, on a
  // resolved adjacency whose port is up.
  void SendWithinMtu(const ForwardingState& s, rte_mbuf* m, const Adjacency& adj,
                     PipelineDropList& dropped, DropList& tx_dropped);
  void DrainHandoffs(const ForwardingState& s);
  // Transmits the emulated packets that are due (lab emulation).
  void ReleaseEmulated(const ForwardingState& s);

  const WorkerConfig config_;
  RcuDomain* const domain_;
  const RcuPublished<ForwardingState>* const state_;
  rte_ring* inputs_[kMaxWorkers] = {};
  std::unique_ptr<FlowRecordRing> flow_records_;  // Before affinity_: the table emits into it.
  std::unique_ptr<AffinityTable> affinity_;
  std::unique_ptr<FlowCache> cache_;           // Null: no flow cache.
  std::unique_ptr<RouteCache6> route_cache_;  // Null: no route cache.
  uint64_t cache_publication_ = 0;  // The state both caches hold answers of.
  WorkerCounters counters_;
  AdaptiveIdle idle_;
  ParseStage parse_;
  SteerStage steer_;
  EncapStage encap_;
  Srv6LocalSidStage srv6_;
  FibStage fib_;
  TxStage tx_;
  WorkerTxSink sink_;
  // Lab link emulation; null unless config_.lab_emulation.
  std::unique_ptr<LinkEmulator> emu_ =
      config_.lab_emulation ? std::make_unique<LinkEmulator>(config_.id) : nullptr;
  std::atomic<uint32_t> lcore_{UINT32_MAX};

  EdgeBuffers<SteerEdge> steer_out_;
};

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_PIPELINE_WORKER_H_
