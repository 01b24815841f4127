// The 5-tuple that identifies a flow in the fast path. Plain data: filled by
// the parse stage on a worker lcore, hashed and used as the affinity-table
// key. IPv4 addresses are stored as IPv4-mapped IPv6 (::ffff:a.b.c.d) so one
// key type serves both families.
#ifndef CPN_DATAPLANE_COMMON_FLOW_KEY_H_
#define CPN_DATAPLANE_COMMON_FLOW_KEY_H_

#include <cstdint>
#include <cstring>

namespace cpn::dataplane {

struct alignas(8) FlowKey {
  uint8_t src[16];    // Source address, network byte order.
  uint8_t dst[16];    // Destination address, network byte order.
  uint16_t src_port;  // Host byte order; 0 when the protocol has none.
  uint16_t dst_port;  // Host byte order; 0 when the protocol has none.
  uint8_t protocol;   // IP protocol number of the transport header.
  uint8_t is_ipv4;    // 1 when the addresses are IPv4-mapped.
  uint8_t pad[2];     // Always zero, so keys compare and hash bytewise.

  bool operator==(const FlowKey& o) const { return std::memcmp(this, &o, sizeof(*this)) == 0; }
};
static_assert(sizeof(FlowKey) == 40, "FlowKey must stay 40 bytes with no implicit padding");

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_COMMON_FLOW_KEY_H_
