// The hand-off of flow records from a fast-path worker to the IPFIX
// exporter: one FlowRecordRing per worker, a single-producer /
// single-consumer rte_ring of fixed-size FlowRecord elements (copied into
// the ring, so no allocation and no mempool).
//
// The worker's AffinityTable calls Emit() (it is the table's FlowRecordSink)
// when a flow ends or hits its active timeout; Emit copies the record and
// never waits: a full ring drops the record and counts it (`dropped`). The
// record carries the policy slot and generation, not the segment list: the
// exporter resolves them to the policy id and segments on the control side
// (ipfix_policy_source.h), so a record stays 88 bytes and the worker never
// reads policy state to export.
//
// THREADS: Create and the destructor on the control thread (worker not
// running). Emit: the owning worker only (single producer). Dequeue: the
// exporter thread only (single consumer). enqueued()/dropped(): any thread.
#ifndef CPN_DATAPLANE_TELEMETRY_IPFIX_FLOW_RING_H_
#define CPN_DATAPLANE_TELEMETRY_IPFIX_FLOW_RING_H_

#include <rte_ring.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "dataplane/common/flow_key.h"
#include "dataplane/tables/affinity.h"

namespace cpn::dataplane {

// One flow record in the ring. Times are the worker's TSC.
struct FlowRecord {
  FlowKey key;
  uint32_t policy_slot;
  uint32_t policy_generation;
  uint64_t packets;
  uint64_t bytes;
  uint64_t first_tsc;
  uint64_t last_tsc;
  uint8_t reason;  // FlowEndReason.
  uint8_t pad[7];
};
static_assert(sizeof(FlowRecord) % 4 == 0, "rte_ring elements are multiples of 4 bytes");

class FlowRecordRing final : public FlowRecordSink {
 public:
  // `size`: records the ring holds (rounded up to a power of two).
  static absl::StatusOr<std::unique_ptr<FlowRecordRing>> Create(uint32_t size);
  ~FlowRecordRing() override;
  FlowRecordRing(const FlowRecordRing&) = delete;
  FlowRecordRing& operator=(const FlowRecordRing&) = delete;

  void Emit(const FlowEnd& end) override;

  // Up to `max` records into `out`; returns how many.
  unsigned Dequeue(FlowRecord* out, unsigned max);

  uint64_t enqueued() const { return enqueued_.load(std::memory_order_relaxed); }
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  explicit FlowRecordRing(rte_ring* r) : ring_(r) {}
  // Written by the producer only: plain load + store.
  static void Bump(std::atomic<uint64_t>& c) {
    c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  rte_ring* const ring_;
  alignas(64) std::atomic<uint64_t> enqueued_{0};
  std::atomic<uint64_t> dropped_{0};
};

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_TELEMETRY_IPFIX_FLOW_RING_H_
