#include "tests/dataplane/stages/packet_builder.h"

#include <arpa/inet.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace cpn::testing {
namespace {

void Put16(Bytes& b, size_t off, uint16_t v) {
  b[off] = static_cast<uint8_t>(v >> 8);
  b[off + 1] = static_cast<uint8_t>(v);
}

void Put32(Bytes& b, size_t off, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[off + i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}

void Die(const char* what, const char* text) {
  std::fprintf(stderr, "packet_builder: bad %s '%s'\n", what, text);
  std::abort();
}

Bytes Mac(const char* text) {
  unsigned v[6];
  if (std::sscanf(text, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6) {
    Die("MAC", text);
  }
  Bytes b(6);
  for (int i = 0; i < 6; ++i) b[i] = static_cast<uint8_t>(v[i]);
  return b;
}

}  // namespace

Ip6Addr Ip6(const char* text) {
  Ip6Addr a;
  if (inet_pton(AF_INET6, text, a.data()) != 1) Die("IPv6 address", text);
  return a;
}

Ip4Addr Ip4(const char* text) {
  Ip4Addr a;
  if (inet_pton(AF_INET, text, a.data()) != 1) Die("IPv4 address", text);
  return a;
}

uint16_t OnesSum(const uint8_t* data, size_t len, uint32_t initial) {
  uint64_t sum = initial;
  for (size_t i = 0; i + 1 < len; i += 2) sum += (uint32_t{data[i]} << 8) | data[i + 1];
  if (len & 1) sum += uint32_t{data[len - 1]} << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

PacketBuilder& PacketBuilder::Add(Kind k, Bytes b, uint8_t proto) {
  layers_.push_back(Layer{k, std::move(b), proto});
  return *this;
}

PacketBuilder& PacketBuilder::Eth(const char* dst, const char* src) {
  Bytes b = Mac(dst);
  Bytes s = Mac(src);
  b.insert(b.end(), s.begin(), s.end());
  b.resize(14);
  return Add(Kind::kEth, b);
}

PacketBuilder& PacketBuilder::Vlan(uint16_t tci) {
  Bytes b(4);
  Put16(b, 0, tci);
  return Add(Kind::kVlan, b);
}

PacketBuilder& PacketBuilder::Ipv6(const char* src, const char* dst, const Ipv6Opts& o) {
  Bytes b(40);
  Put32(b, 0, (6u << 28) | (uint32_t{o.traffic_class} << 20) | (o.flow_label & 0xfffff));
  b[7] = o.hop_limit;
  const Ip6Addr s = Ip6(src), d = Ip6(dst);
  std::memcpy(&b[8], s.data(), 16);
  std::memcpy(&b[24], d.data(), 16);
  return Add(Kind::kIpv6, b);
}

PacketBuilder& PacketBuilder::Ipv4(const char* src, const char* dst, const Ipv4Opts& o) {
  Bytes b(20 + o.options.size());
  b[0] = static_cast<uint8_t>(0x40 | (b.size() / 4));
  b[1] = o.tos;
  Put16(b, 4, o.id);
  Put16(b, 6, o.frag);
  b[8] = o.ttl;
  const Ip4Addr s = Ip4(src), d = Ip4(dst);
  std::memcpy(&b[12], s.data(), 4);
  std::memcpy(&b[16], d.data(), 4);
  if (!o.options.empty()) std::memcpy(&b[20], o.options.data(), o.options.size());
  return Add(Kind::kIpv4, b);
}

static Bytes OptionsHeader(uint8_t units) {
  Bytes b(8 * (units + 1u));
  b[1] = units;
  b[2] = 1;  // PadN covering the rest.
  b[3] = static_cast<uint8_t>(b.size() - 4);
  return b;
}

PacketBuilder& PacketBuilder::HopByHop(uint8_t units) {
  return Add(Kind::kHbh, OptionsHeader(units));
}
PacketBuilder& PacketBuilder::DestOpts(uint8_t units) {
  return Add(Kind::kDst, OptionsHeader(units));
}

PacketBuilder& PacketBuilder::Fragment(uint16_t offset_units, bool more, uint32_t id) {
  Bytes b(8);
  Put16(b, 2, static_cast<uint16_t>((offset_units << 3) | (more ? 1 : 0)));
  Put32(b, 4, id);
  return Add(Kind::kFrag, b);
}

PacketBuilder& PacketBuilder::Srh(const std::vector<const char*>& segments, uint8_t segments_left,
                                  int last_entry, uint16_t tag, uint8_t tlv_bytes) {
  Bytes b(8 + 16 * segments.size() + tlv_bytes);
  b[1] = static_cast<uint8_t>((b.size() - 8) / 8);
  b[2] = 4;
  b[3] = segments_left;
  b[4] = static_cast<uint8_t>(last_entry >= 0 ? last_entry : static_cast<int>(segments.size()) - 1);
  Put16(b, 6, tag);
  for (size_t i = 0; i < segments.size(); ++i) {
    const Ip6Addr a = Ip6(segments[i]);
    std::memcpy(&b[8 + 16 * i], a.data(), 16);
  }
  if (tlv_bytes >= 2) {
    const size_t t = 8 + 16 * segments.size();
    b[t] = 4;  // PadN TLV.
    b[t + 1] = static_cast<uint8_t>(tlv_bytes - 2);
  }
  return Add(Kind::kSrh, b);
}

PacketBuilder& PacketBuilder::Udp(uint16_t sport, uint16_t dport) {
  Bytes b(8);
  Put16(b, 0, sport);
  Put16(b, 2, dport);
  return Add(Kind::kUdp, b);
}

PacketBuilder& PacketBuilder::Tcp(uint16_t sport, uint16_t dport, uint8_t flags) {
  Bytes b(20);
  Put16(b, 0, sport);
  Put16(b, 2, dport);
  Put32(b, 4, 1000);
  b[12] = 5 << 4;
  b[13] = flags;
  Put16(b, 14, 65535);
  return Add(Kind::kTcp, b);
}

PacketBuilder& PacketBuilder::IcmpEcho(uint16_t id, uint16_t seq) {
  Bytes b(8);
  b[0] = 8;
  Put16(b, 4, id);
  Put16(b, 6, seq);
  return Add(Kind::kIcmp, b);
}

PacketBuilder& PacketBuilder::Icmp6Echo(uint16_t id, uint16_t seq) {
  Bytes b(8);
  b[0] = 128;
  Put16(b, 4, id);
  Put16(b, 6, seq);
  return Add(Kind::kIcmp6, b);
}

PacketBuilder& PacketBuilder::Payload(size_t n, uint8_t seed) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + i);
  return Add(Kind::kPayload, b);
}

PacketBuilder& PacketBuilder::Raw(const Bytes& bytes, uint8_t proto) {
  return Add(Kind::kRaw, bytes, proto);
}

uint8_t PacketBuilder::IpProto(const Layer& l) {
  switch (l.kind) {
    case Kind::kIpv6:
      return 41;
    case Kind::kIpv4:
      return 4;
    case Kind::kHbh:
      return 0;
    case Kind::kDst:
      return 60;
    case Kind::kFrag:
      return 44;
    case Kind::kSrh:
      return 43;
    case Kind::kUdp:
      return 17;
    case Kind::kTcp:
      return 6;
    case Kind::kIcmp:
      return 1;
    case Kind::kIcmp6:
      return 58;
    case Kind::kRaw:
      return l.proto;
    default:
      return 59;
  }
}

uint16_t PacketBuilder::EtherType(const Layer& l) {
  switch (l.kind) {
    case Kind::kVlan:
      return 0x8100;
    case Kind::kIpv6:
      return 0x86dd;
    case Kind::kIpv4:
      return 0x0800;
    default:
      return 0x88b5;  // IEEE local experimental.
  }
}

Bytes PacketBuilder::Build(size_t min_size) {
  Bytes out;
  offsets_.clear();
  for (const Layer& l : layers_) {
    offsets_.push_back(out.size());
    out.insert(out.end(), l.bytes.begin(), l.bytes.end());
  }
  const size_t end = out.size();
  const size_t n = layers_.size();
  // Next-protocol fields and lengths, outermost first.
  for (size_t i = 0; i < n; ++i) {
    const size_t off = offsets_[i];
    const Layer* next = i + 1 < n ? &layers_[i + 1] : nullptr;
    switch (layers_[i].kind) {
      case Kind::kEth:
        Put16(out, off + 12, next ? EtherType(*next) : 0x88b5);
        break;
      case Kind::kVlan:
        Put16(out, off + 2, next ? EtherType(*next) : 0x88b5);
        break;
      case Kind::kIpv6:
        Put16(out, off + 4, static_cast<uint16_t>(end - off - 40));
        out[off + 6] = next ? IpProto(*next) : 59;
        break;
      case Kind::kIpv4:
        Put16(out, off + 2, static_cast<uint16_t>(end - off));
        out[off + 9] = next ? IpProto(*next) : 59;
        break;
      case Kind::kHbh:
      case Kind::kDst:
      case Kind::kFrag:
      case Kind::kSrh:
        out[off] = next ? IpProto(*next) : 59;
        break;
      case Kind::kUdp:
        Put16(out, off + 4, static_cast<uint16_t>(end - off));
        break;
      default:
        break;
    }
  }
  // Checksums, innermost first.
  for (size_t i = n; i-- > 0;) {
    const Kind k = layers_[i].kind;
    const size_t off = offsets_[i];
    if (k == Kind::kIpv4) {
      Put16(out, off + 10, 0);
      Put16(out, off + 10, static_cast<uint16_t>(~OnesSum(&out[off], layers_[i].bytes.size())));
      continue;
    }
    if (k == Kind::kIcmp) {
      Put16(out, off + 2, 0);
      Put16(out, off + 2, static_cast<uint16_t>(~OnesSum(&out[off], end - off)));
      continue;
    }
    if (k != Kind::kUdp && k != Kind::kTcp && k != Kind::kIcmp6) continue;
    // Pseudo-header of the nearest IP header before this layer.
    size_t ip = i;
    const uint8_t* final_dst = nullptr;
    while (ip-- > 0) {
      if (layers_[ip].kind == Kind::kSrh && final_dst == nullptr)
        final_dst = &out[offsets_[ip] + 8];
      if (layers_[ip].kind == Kind::kIpv6 || layers_[ip].kind == Kind::kIpv4) break;
    }
    if (ip == static_cast<size_t>(-1)) continue;
    const size_t ck = off + (k == Kind::kUdp ? 6 : k == Kind::kTcp ? 16 : 2);
    const uint32_t len = static_cast<uint32_t>(end - off);
    Bytes pseudo;
    const size_t ipo = offsets_[ip];
    if (layers_[ip].kind == Kind::kIpv6) {
      pseudo.assign(&out[ipo + 8], &out[ipo + 24]);
      const uint8_t* dst = final_dst ? final_dst : &out[ipo + 24];
      pseudo.insert(pseudo.end(), dst, dst + 16);
      pseudo.resize(40);
      Put32(pseudo, 32, len);
      pseudo[39] = IpProto(layers_[i]);
    } else {
      pseudo.assign(&out[ipo + 12], &out[ipo + 20]);
      pseudo.resize(12);
      pseudo[9] = IpProto(layers_[i]);
      Put16(pseudo, 10, static_cast<uint16_t>(len));
    }
    Put16(out, ck, 0);
    const uint16_t sum = OnesSum(&out[off], len, OnesSum(pseudo.data(), pseudo.size()));
    uint16_t c = static_cast<uint16_t>(~sum);
    if (k == Kind::kUdp && c == 0) c = 0xffff;
    Put16(out, ck, c);
  }
  if (out.size() < min_size) out.resize(min_size, 0);
  return out;
}

}  // namespace cpn::testing
