// Unaligned network-order loads and stores for header fields. Headers behind
// an 802.1Q tag or an odd-length option are not naturally aligned, so the
// stages never dereference a multi-byte field through a struct pointer;
// memcpy compiles to one mov on x86-64 and is well defined everywhere.
#ifndef CPN_DATAPLANE_STAGES_WIRE_H_
#define CPN_DATAPLANE_STAGES_WIRE_H_

#include <rte_byteorder.h>

#include <cstdint>
#include <cstring>

namespace cpn::dataplane::wire {

// Byte order by compiler builtins, not rte_be_to_cpu_*: DPDK swaps a
// non-constant with inline asm (xchgb, bswap), which the compiler can neither
// fold into a compare against a constant nor schedule; on the fast path that
// was ~20 instructions a packet.
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
inline uint16_t NetworkOrder16(uint16_t v) { return __builtin_bswap16(v); }
inline uint32_t NetworkOrder32(uint32_t v) { return __builtin_bswap32(v); }
#else
inline uint16_t NetworkOrder16(uint16_t v) { return v; }
inline uint32_t NetworkOrder32(uint32_t v) { return v; }
#endif

inline uint16_t Load16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, sizeof(v));
  return NetworkOrder16(v);
}

inline uint32_t Load32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return NetworkOrder32(v);
}

inline void Store16(uint8_t* p, uint16_t host) {
  const uint16_t v = NetworkOrder16(host);
  std::memcpy(p, &v, sizeof(v));
}

inline void Store32(uint8_t* p, uint32_t host) {
  const uint32_t v = NetworkOrder32(host);
  std::memcpy(p, &v, sizeof(v));
}

inline constexpr uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr uint16_t kEtherTypeIpv6 = 0x86DD;
inline constexpr uint16_t kEtherTypeVlan = 0x8100;

inline constexpr uint8_t kProtoIcmp = 1;
inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoUdp = 17;
inline constexpr uint8_t kProtoIcmpv6 = 58;

inline constexpr uint32_t kEthHeaderLen = 14;
inline constexpr uint32_t kVlanTagLen = 4;
inline constexpr uint32_t kIpv4HeaderLen = 20;
inline constexpr uint32_t kIpv6HeaderLen = 40;
inline constexpr uint32_t kSrhFixedLen = 8;

}  // namespace cpn::dataplane::wire

#endif  // CPN_DATAPLANE_STAGES_WIRE_H_
