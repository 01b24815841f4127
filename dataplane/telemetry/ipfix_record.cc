#include "dataplane/telemetry/ipfix_record.h"

#include <cstring>

namespace cpn::dataplane::ipfix {

uint64_t TscClock::ToUnixMs(uint64_t tsc) const {
  // Split to avoid overflowing (tsc delta * 1000) on long uptimes.
  if (tsc >= tsc0) {
    const uint64_t d = tsc - tsc0;
    return unix_ms0 + d / hz * 1000 + (d % hz) * 1000 / hz;
  }
  const uint64_t d = tsc0 - tsc;
  const uint64_t back = d / hz * 1000 + (d % hz) * 1000 / hz;
  return back < unix_ms0 ? unix_ms0 - back : 0;
}

FlowData BuildFlowData(const FlowRecord& r, const PolicyInfo* policy, const TscClock& clock) {
  FlowData f;
  const FlowKey& k = r.key;
  // FlowKey.pad[0]: 0 five-tuple, 1 flow label (ports hold the label),
  // 2 source address (dst holds the rule slot) -- see steer_stage.h.
  const uint8_t mode = k.pad[0];
  f.ipv4 = k.is_ipv4 != 0;
  if (f.ipv4) {
    std::memcpy(f.src.data(), k.src + 12, 4);
    if (mode != 2) std::memcpy(f.dst.data(), k.dst + 12, 4);
  } else {
    std::memcpy(f.src.data(), k.src, 16);
    if (mode != 2) std::memcpy(f.dst.data(), k.dst, 16);
  }
  if (mode == 0) {
    f.src_port = k.src_port;
    f.dst_port = k.dst_port;
    f.protocol = k.protocol;
  }
  f.packets = r.packets;
  f.octets = r.bytes;
  f.start_ms = clock.ToUnixMs(r.first_tsc);
  f.end_ms = clock.ToUnixMs(r.last_tsc);
  f.end_reason = r.reason;
  if (policy != nullptr) {
    f.policy_id = policy->id;
    const size_t n =
        policy->segments.size() < kMaxSegments ? policy->segments.size() : kMaxSegments;
    f.segment_count = static_cast<uint8_t>(n);
    for (size_t i = 0; i < n; ++i) f.segments[i] = policy->segments[n - 1 - i];  // SRH order.
    if (n != 0) {
      f.active_segment = policy->segments[0];
      f.segments_left = static_cast<uint8_t>(n - 1);
    }
  }
  return f;
}

}  // namespace cpn::dataplane::ipfix
