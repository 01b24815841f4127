// IP address and prefix value types: IPv6 and IPv4 addresses, prefixes
// (network address + length, host bits zero), interface addresses (address +
// length, host bits allowed) and MAC addresses. Parsed from text with precise
// errors; printed in canonical form (RFC 5952 for IPv6).
//
// Plain values: no state, no I/O, safe from any thread.
#ifndef CPN_CONTROLLER_MODEL_IP_ADDRESS_H_
#define CPN_CONTROLLER_MODEL_IP_ADDRESS_H_

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"

namespace cpn::model {

// An IP address of N bytes (4: IPv4, 16: IPv6), network byte order.
template <size_t N>
class IpAddress {
 public:
  static_assert(N == 4 || N == 16);
  static constexpr int kBits = static_cast<int>(8 * N);

  constexpr IpAddress() = default;  // all zeros (0.0.0.0 or ::)
  constexpr explicit IpAddress(const std::array<uint8_t, N>& bytes) : bytes_(bytes) {}

  // Parses "2001:db8::1" or "192.0.2.1". No prefix length, no zone index.
  // Error: INVALID_ARGUMENT, e.g. `"2001:db8::g" is not an IPv6 address`.
  static absl::StatusOr<IpAddress> Parse(std::string_view text);

  const std::array<uint8_t, N>& bytes() const { return bytes_; }
  // Bit `i` counted from the most significant bit of byte 0.
  bool bit(int i) const { return (bytes_[i / 8] >> (7 - i % 8)) & 1u; }
  // This address with every bit from `length` on cleared.
  IpAddress Masked(int length) const;
  // This address with the lowest bit set (the "::1" of a /64 locator).
  IpAddress WithLastBitSet() const;

  // Canonical text: RFC 5952 for IPv6 ("2001:db8::1"), dotted quad for IPv4.
  std::string ToString() const;

  friend constexpr auto operator<=>(const IpAddress&, const IpAddress&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const IpAddress& a) {
    return H::combine(std::move(h), a.bytes_);
  }

 private:
  std::array<uint8_t, N> bytes_{};
};

// An IP prefix: a network address whose bits past `length` are zero.
template <size_t N>
class IpPrefix {
 public:
  using Address = IpAddress<N>;

  constexpr IpPrefix() = default;  // the default route, ::/0 or 0.0.0.0/0

  // Parses "fcbb:bb00:1::/48" or "198.51.100.0/24". The length is required
  // and the host bits must be zero ("fcbb::1/48" is rejected, naming the
  // prefix it probably meant).
  static absl::StatusOr<IpPrefix> Parse(std::string_view text);
  // `address` with bits past `length` cleared; `length` in 0..kBits.
  static absl::StatusOr<IpPrefix> FromAddress(const Address& address, int length);

  const Address& address() const { return address_; }
  int length() const { return length_; }
  // The highest address in the prefix (every host bit set).
  Address LastAddress() const;

  bool Contains(const Address& a) const { return a.Masked(length_) == address_; }
  bool Contains(const IpPrefix& p) const { return p.length_ >= length_ && Contains(p.address_); }
  // True when the two prefixes share at least one address (one contains the
  // other).
  bool Overlaps(const IpPrefix& p) const { return Contains(p) || p.Contains(*this); }

  // Canonical text, e.g. "fcbb:bb00:1::/48".
  std::string ToString() const;

  // Ordered by address, then by length (shorter first).
  friend constexpr auto operator<=>(const IpPrefix&, const IpPrefix&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const IpPrefix& p) {
    return H::combine(std::move(h), p.address_, p.length_);
  }

 private:
  constexpr IpPrefix(const Address& a, int length) : address_(a), length_(length) {}

  Address address_;
  int length_ = 0;
};

// An interface address: an address and the length of its subnet, as
// configured on an interface ("2001:db8:0:1::1/127"). Host bits are allowed.
template <size_t N>
struct IpInterfaceAddress {
  IpAddress<N> address;
  int length = 0;

  // Parses "address/length"; the length is required.
  static absl::StatusOr<IpInterfaceAddress> Parse(std::string_view text);
  // The subnet the address belongs to ("2001:db8:0:1::/127").
  IpPrefix<N> Subnet() const;
  std::string ToString() const;

  friend constexpr auto operator<=>(const IpInterfaceAddress&, const IpInterfaceAddress&) = default;
};

using Ipv4Address = IpAddress<4>;
using Ipv6Address = IpAddress<16>;
using Ipv4Prefix = IpPrefix<4>;
using Ipv6Prefix = IpPrefix<16>;
using Ipv4InterfaceAddress = IpInterfaceAddress<4>;
using Ipv6InterfaceAddress = IpInterfaceAddress<16>;

extern template class IpAddress<4>;
extern template class IpAddress<16>;
extern template class IpPrefix<4>;
extern template class IpPrefix<16>;
extern template struct IpInterfaceAddress<4>;
extern template struct IpInterfaceAddress<16>;

// A 48-bit Ethernet MAC address.
class MacAddress {
 public:
  constexpr MacAddress() = default;
  constexpr explicit MacAddress(const std::array<uint8_t, 6>& bytes) : bytes_(bytes) {}

  // Parses "aa:bb:cc:dd:ee:ff" (hex digits in either case, ':' separated).
  static absl::StatusOr<MacAddress> Parse(std::string_view text);

  const std::array<uint8_t, 6>& bytes() const { return bytes_; }
  std::string ToString() const;  // lower case, ':' separated

  friend constexpr auto operator<=>(const MacAddress&, const MacAddress&) = default;

 private:
  std::array<uint8_t, 6> bytes_{};
};

}  // namespace cpn::model

#endif  // CPN_CONTROLLER_MODEL_IP_ADDRESS_H_
