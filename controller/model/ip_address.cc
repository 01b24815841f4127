#include "controller/model/ip_address.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace cpn::model {
namespace {

template <size_t N>
constexpr int kFamily = N == 4 ? AF_INET : AF_INET6;
template <size_t N>
constexpr const char* kFamilyName = N == 4 ? "IPv4" : "IPv6";

// Parses a decimal prefix length: digits only, no sign, no spaces.
bool ParseLength(std::string_view text, int max, int* out) {
  if (text.empty() || text.size() > 3) return false;
  int v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (v > max) return false;
  *out = v;
  return true;
}

// Splits "address/length"; errors name the whole text.
template <size_t N>
absl::Status SplitPrefixText(std::string_view text, std::string_view* address, int* length) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrFormat("\"%s\" has no prefix length (expected \"address/length\")", text));
  }
  *address = text.substr(0, slash);
  if (!ParseLength(text.substr(slash + 1), IpAddress<N>::kBits, length)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("\"%s\": prefix length \"%s\" is not a number in 0..%d", text,
                        text.substr(slash + 1), IpAddress<N>::kBits));
  }
  return absl::OkStatus();
}

}  // namespace

template <size_t N>
absl::StatusOr<IpAddress<N>> IpAddress<N>::Parse(std::string_view text) {
  // inet_pton needs a NUL-terminated string; the longest valid text is 45
  // characters ("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255").
  if (text.empty() || text.size() > 45) {
    return absl::InvalidArgumentError(
        absl::StrFormat("\"%s\" is not an %s address", text, kFamilyName<N>));
  }
  const std::string buffer(text);
  std::array<uint8_t, N> bytes;
  if (inet_pton(kFamily<N>, buffer.c_str(), bytes.data()) != 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("\"%s\" is not an %s address", text, kFamilyName<N>));
  }
  return IpAddress(bytes);
}

template <size_t N>
IpAddress<N> IpAddress<N>::Masked(int length) const {
  IpAddress out = *this;
  for (int i = 0; i < static_cast<int>(N); ++i) {
    const int keep = length - 8 * i;  // bits of this byte to keep
    if (keep >= 8) continue;
    out.bytes_[i] = keep <= 0 ? 0 : static_cast<uint8_t>(out.bytes_[i] & (0xFFu << (8 - keep)));
  }
  return out;
}

template <size_t N>
IpAddress<N> IpAddress<N>::WithLastBitSet() const {
  IpAddress out = *this;
  out.bytes_[N - 1] |= 1u;
  return out;
}

template <size_t N>
std::string IpAddress<N>::ToString() const {
  char buffer[INET6_ADDRSTRLEN];
  // Cannot fail: the buffer is large enough and the family is valid.
  inet_ntop(kFamily<N>, bytes_.data(), buffer, sizeof(buffer));
  return buffer;
}

template <size_t N>
absl::StatusOr<IpPrefix<N>> IpPrefix<N>::Parse(std::string_view text) {
  std::string_view address_text;
  int length = 0;
  if (absl::Status s = SplitPrefixText<N>(text, &address_text, &length); !s.ok()) return s;
  absl::StatusOr<Address> address = Address::Parse(address_text);
  if (!address.ok()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("\"%s\": %s", text, address.status().message()));
  }
  const Address masked = address->Masked(length);
  if (masked != *address) {
    return absl::InvalidArgumentError(
        absl::StrFormat("\"%s\" has host bits set past /%d (did you mean \"%s/%d\"?)", text, length,
                        masked.ToString(), length));
  }
  return IpPrefix(masked, length);
}

template <size_t N>
absl::StatusOr<IpPrefix<N>> IpPrefix<N>::FromAddress(const Address& address, int length) {
  if (length < 0 || length > Address::kBits) {
    return absl::InvalidArgumentError(
        absl::StrFormat("prefix length %d is not in 0..%d", length, Address::kBits));
  }
  return IpPrefix(address.Masked(length), length);
}

template <size_t N>
IpAddress<N> IpPrefix<N>::LastAddress() const {
  std::array<uint8_t, N> bytes = address_.bytes();
  for (int i = 0; i < static_cast<int>(N); ++i) {
    const int keep = length_ - 8 * i;  // network bits in this byte
    if (keep >= 8) continue;
    bytes[i] = static_cast<uint8_t>(bytes[i] | (keep <= 0 ? 0xFFu : 0xFFu >> keep));
  }
  return Address(bytes);
}

template <size_t N>
std::string IpPrefix<N>::ToString() const {
  return absl::StrFormat("%s/%d", address_.ToString(), length_);
}

template <size_t N>
absl::StatusOr<IpInterfaceAddress<N>> IpInterfaceAddress<N>::Parse(std::string_view text) {
  std::string_view address_text;
  int length = 0;
  if (absl::Status s = SplitPrefixText<N>(text, &address_text, &length); !s.ok()) return s;
  absl::StatusOr<IpAddress<N>> address = IpAddress<N>::Parse(address_text);
  if (!address.ok()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("\"%s\": %s", text, address.status().message()));
  }
  return IpInterfaceAddress{*address, length};
}

template <size_t N>
IpPrefix<N> IpInterfaceAddress<N>::Subnet() const {
  return *IpPrefix<N>::FromAddress(address, length);
}

template <size_t N>
std::string IpInterfaceAddress<N>::ToString() const {
  return absl::StrFormat("%s/%d", address.ToString(), length);
}

template class IpAddress<4>;
template class IpAddress<16>;
template class IpPrefix<4>;
template class IpPrefix<16>;
template struct IpInterfaceAddress<4>;
template struct IpInterfaceAddress<16>;

absl::StatusOr<MacAddress> MacAddress::Parse(std::string_view text) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::array<uint8_t, 6> bytes;
  bool ok = text.size() == 17;
  for (size_t i = 0; ok && i < 6; ++i) {
    const int hi = hex(text[3 * i]);
    const int lo = hex(text[3 * i + 1]);
    ok = hi >= 0 && lo >= 0 && (i == 5 || text[3 * i + 2] == ':');
    bytes[i] = static_cast<uint8_t>(16 * hi + lo);
  }
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrFormat("\"%s\" is not a MAC address (expected \"aa:bb:cc:dd:ee:ff\")", text));
  }
  return MacAddress(bytes);
}

std::string MacAddress::ToString() const {
  return absl::StrFormat("%02x:%02x:%02x:%02x:%02x:%02x", bytes_[0], bytes_[1], bytes_[2],
                         bytes_[3], bytes_[4], bytes_[5]);
}

}  // namespace cpn::model
