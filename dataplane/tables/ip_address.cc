#include "dataplane/tables/ip_address.h"

#include <arpa/inet.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace cpn::dataplane {
namespace {

constexpr uint8_t kV4MappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

}  // namespace

IpAddress IpAddress::FromV4(uint32_t host_order) {
  IpAddress a;
  std::memcpy(a.bytes, kV4MappedPrefix, 12);
  a.bytes[12] = static_cast<uint8_t>(host_order >> 24);
  a.bytes[13] = static_cast<uint8_t>(host_order >> 16);
  a.bytes[14] = static_cast<uint8_t>(host_order >> 8);
  a.bytes[15] = static_cast<uint8_t>(host_order);
  return a;
}

bool IpAddress::is_v4_mapped() const { return std::memcmp(bytes, kV4MappedPrefix, 12) == 0; }

uint32_t IpAddress::v4_host_order() const {
  return (uint32_t{bytes[12]} << 24) | (uint32_t{bytes[13]} << 16) | (uint32_t{bytes[14]} << 8) |
         uint32_t{bytes[15]};
}

void MaskAddress(IpAddress& a, uint8_t length128) {
  for (int i = 0; i < 16; ++i) {
    const int bits = static_cast<int>(length128) - 8 * i;
    if (bits >= 8) continue;
    a.bytes[i] = bits <= 0 ? 0 : static_cast<uint8_t>(a.bytes[i] & (0xff << (8 - bits)));
  }
}

bool IpPrefix::Contains(const IpAddress& a) const {
  if ((family == IpFamily::kIpv4) != a.is_v4_mapped()) return false;
  IpAddress m = a;
  MaskAddress(m, length128());
  return m == addr;
}

absl::StatusOr<IpAddress> ParseIpAddress(absl::string_view text) {
  const std::string s(text);
  IpAddress a;
  in_addr v4;
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) return IpAddress::FromV4(ntohl(v4.s_addr));
  if (inet_pton(AF_INET6, s.c_str(), a.bytes) == 1) return a;
  return absl::InvalidArgumentError(absl::StrCat("'", text, "' is not an IPv4 or IPv6 address"));
}

absl::Status ValidatePrefix(const IpPrefix& p) {
  const bool v4 = p.family == IpFamily::kIpv4;
  if (p.length > (v4 ? 32 : 128)) {
    return absl::InvalidArgumentError(
        absl::StrCat("prefix length ", p.length, " is too long for ", v4 ? "IPv4" : "IPv6"));
  }
  if (v4 && !p.addr.is_v4_mapped()) {
    return absl::InvalidArgumentError("IPv4 prefix whose address is not v4-mapped");
  }
  IpAddress m = p.addr;
  MaskAddress(m, p.length128());
  if (!(m == p.addr)) {
    return absl::InvalidArgumentError(
        absl::StrCat("prefix ", ToString(p), " has host bits set (did you mean ",
                     ToString(IpPrefix{m, p.length, p.family}), "?)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<IpPrefix> ParseIpPrefix(absl::string_view text) {
  const size_t slash = text.find('/');
  if (slash == absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat("'", text, "' is not a prefix (no '/')"));
  }
  absl::StatusOr<IpAddress> a = ParseIpAddress(text.substr(0, slash));
  if (!a.ok()) return a.status();
  uint32_t len = 0;
  if (!absl::SimpleAtoi(text.substr(slash + 1), &len) || len > 128) {
    return absl::InvalidArgumentError(absl::StrCat("'", text, "' has a bad prefix length"));
  }
  IpPrefix p;
  p.addr = *a;
  p.family = a->is_v4_mapped() && text.find(':') == absl::string_view::npos ? IpFamily::kIpv4
                                                                            : IpFamily::kIpv6;
  p.length = static_cast<uint8_t>(len);
  if (absl::Status s = ValidatePrefix(p); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("'", text, "': ", s.message()));
  }
  return p;
}

std::string ToString(const IpAddress& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (a.is_v4_mapped()) {
    inet_ntop(AF_INET, a.bytes + 12, buf, sizeof(buf));
  } else {
    inet_ntop(AF_INET6, a.bytes, buf, sizeof(buf));
  }
  return buf;
}

std::string ToString(const IpPrefix& p) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (p.family == IpFamily::kIpv4) {
    inet_ntop(AF_INET, p.addr.bytes + 12, buf, sizeof(buf));
  } else {
    inet_ntop(AF_INET6, p.addr.bytes, buf, sizeof(buf));
  }
  return absl::StrCat(buf, "/", p.length);
}

}  // namespace cpn::dataplane
