// Flow record builder: a worker's FlowRecord (flow key, policy slot and
// generation, TSC times) + what the control side knows of the policy ->
// one IPFIX data record (ipfix::FlowData). Pure.
//
//   addresses   IPv6, or IPv4 (the key holds IPv4-mapped addresses).
//   ports/proto the five-tuple. Flows of rules keyed by flow label carry
//               src/dst only (ports 0); keyed by source address, src only.
//   times       TSC -> Unix milliseconds through TscClock (one sample of
//               both clocks taken when the exporter starts).
//   policy      Srv6Policy.id and its segment list at the (slot,
//               generation) the flow was pinned to; unknown -> id 0 and an
//               empty list (see ipfix_policy_source.h for when).
//
// THREADS: any.
#ifndef CPN_DATAPLANE_TELEMETRY_IPFIX_RECORD_H_
#define CPN_DATAPLANE_TELEMETRY_IPFIX_RECORD_H_

#include <array>
#include <cstdint>
#include <vector>

#include "dataplane/telemetry/ipfix_encoder.h"
#include "dataplane/telemetry/ipfix_flow_ring.h"

namespace cpn::dataplane::ipfix {

struct TscClock {
  uint64_t tsc0 = 0;      // A TSC reading ...
  uint64_t unix_ms0 = 0;  // ... and the Unix time (ms) at that moment.
  uint64_t hz = 1;        // TSC ticks per second.
  uint64_t ToUnixMs(uint64_t tsc) const;
};

// A policy as installed when the flow was pinned.
struct PolicyInfo {
  uint32_t id = 0;
  // In the order the packet visits them (Srv6Policy.segments); the last one
  // is the site gateway's decapsulating SID, which names the site.
  std::vector<std::array<uint8_t, 16>> segments;
};

FlowData BuildFlowData(const FlowRecord& record, const PolicyInfo* policy, const TscClock& clock);

}  // namespace cpn::dataplane::ipfix

#endif  // CPN_DATAPLANE_TELEMETRY_IPFIX_RECORD_H_
