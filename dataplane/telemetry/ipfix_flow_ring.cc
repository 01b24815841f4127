#include "dataplane/telemetry/ipfix_flow_ring.h"

#include <rte_errno.h>
#include <rte_ring_elem.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "dataplane/tables/dpdk_util.h"

namespace cpn::dataplane {

absl::StatusOr<std::unique_ptr<FlowRecordRing>> FlowRecordRing::Create(uint32_t size) {
  if (size < 2 || size > (1u << 24)) {
    return absl::InvalidArgumentError(
        absl::StrCat("flow record ring size ", size, " is not in [2, 2^24]"));
  }
  uint32_t count = 1;
  while (count < size) count <<= 1;
  const std::string name = UniqueDpdkName("ipfix_");
  rte_ring* r = rte_ring_create_elem(name.c_str(), sizeof(FlowRecord), count, SOCKET_ID_ANY,
                                     RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
  if (r == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat("flow record ring of ", count, ": ", rte_strerror(rte_errno)));
  }
  return std::unique_ptr<FlowRecordRing>(new FlowRecordRing(r));
}

FlowRecordRing::~FlowRecordRing() { rte_ring_free(ring_); }

void FlowRecordRing::Emit(const FlowEnd& end) {
  FlowRecord r;
  std::memcpy(&r.key, end.key, sizeof(r.key));
  r.policy_slot = end.policy;
  r.policy_generation = end.generation;
  r.packets = end.packets;
  r.bytes = end.bytes;
  r.first_tsc = end.first_tsc;
  r.last_tsc = end.last_tsc;
  r.reason = static_cast<uint8_t>(end.reason);
  std::memset(r.pad, 0, sizeof(r.pad));
  if (rte_ring_sp_enqueue_elem(ring_, &r, sizeof(r)) == 0) {
    Bump(enqueued_);
  } else {
    Bump(dropped_);
  }
}

unsigned FlowRecordRing::Dequeue(FlowRecord* out, unsigned max) {
  return rte_ring_sc_dequeue_burst_elem(ring_, out, sizeof(FlowRecord), max, nullptr);
}

}  // namespace cpn::dataplane
