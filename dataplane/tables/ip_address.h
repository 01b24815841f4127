// IP addresses and prefixes as the lookup tables store them: always 16 bytes,
// network byte order, IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d) -- the same
// convention as FlowKey -- with a family flag so that an IPv4 /8 and an IPv6
// /104 never meet in one table.
//
// Plain values, usable from any thread. Parsing allocates and is meant for the
// control thread and tests, never for a worker.
#ifndef CPN_DATAPLANE_TABLES_IP_ADDRESS_H_
#define CPN_DATAPLANE_TABLES_IP_ADDRESS_H_

#include <compare>
#include <cstdint>
#include <cstring>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cpn::dataplane {

struct IpAddress {
  uint8_t bytes[16] = {};

  static IpAddress FromV6(const uint8_t (&b)[16]) {
    IpAddress a;
    std::memcpy(a.bytes, b, 16);
    return a;
  }
  // `host_order` is an IPv4 address in host byte order (e.g. 0x0a000001).
  static IpAddress FromV4(uint32_t host_order);

  bool is_v4_mapped() const;
  // The IPv4 address in host byte order; meaningful when is_v4_mapped().
  uint32_t v4_host_order() const;

  friend bool operator==(const IpAddress& a, const IpAddress& b) {
    return std::memcmp(a.bytes, b.bytes, 16) == 0;
  }
  friend std::strong_ordering operator<=>(const IpAddress& a, const IpAddress& b) {
    const int c = std::memcmp(a.bytes, b.bytes, 16);
    return c < 0 ? std::strong_ordering::less
                 : (c > 0 ? std::strong_ordering::greater : std::strong_ordering::equal);
  }
};
static_assert(sizeof(IpAddress) == 16);

enum class IpFamily : uint8_t { kIpv6 = 0, kIpv4 = 1 };

// A prefix. For kIpv4, `addr` is v4-mapped and `length` counts IPv4 bits
// (0..32); for kIpv6, `length` is 0..128. Host bits are always zero (the
// factory functions reject prefixes that have them set).
struct IpPrefix {
  IpAddress addr;
  uint8_t length = 0;
  IpFamily family = IpFamily::kIpv6;

  // Length in the 128-bit space (IPv4 lengths + 96).
  uint8_t length128() const { return family == IpFamily::kIpv4 ? length + 96 : length; }
  bool Contains(const IpAddress& a) const;

  friend bool operator==(const IpPrefix&, const IpPrefix&) = default;
  friend auto operator<=>(const IpPrefix&, const IpPrefix&) = default;
};

// "2001:db8::1" or "192.0.2.1" (returned v4-mapped).
absl::StatusOr<IpAddress> ParseIpAddress(absl::string_view text);
// "2001:db8::/32" or "10.0.0.0/8". Rejects host bits set below the length.
absl::StatusOr<IpPrefix> ParseIpPrefix(absl::string_view text);
// Checks the length fits the family and no host bit is set.
absl::Status ValidatePrefix(const IpPrefix& p);
// Clears the bits below `length128` in place.
void MaskAddress(IpAddress& a, uint8_t length128);

std::string ToString(const IpAddress& a);  // IPv4 printed dotted when v4-mapped.
std::string ToString(const IpPrefix& p);

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_TABLES_IP_ADDRESS_H_
