// Test-side packet builder: layers in wire order, lengths, next-header
// chains and checksums (IPv4 header, UDP, TCP, ICMP, ICMPv6 with the RFC
// 8200 8.1 pseudo-header, final destination taken from an SRH) filled in by
// Build(). Malformed packets are made by building a good one and editing
// bytes at LayerOffset(i), so each test says exactly what it broke.
//
//   Bytes b = PacketBuilder().Eth().Ipv6("2001:db8::1", "2001:db8::2")
//                 .Srh({"fc00::3", "fc00::2"}, 1).Udp(1000, 2000).Payload(16).Build();
#ifndef CPN_TESTS_DATAPLANE_STAGES_PACKET_BUILDER_H_
#define CPN_TESTS_DATAPLANE_STAGES_PACKET_BUILDER_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cpn::testing {

using Bytes = std::vector<uint8_t>;
using Ip6Addr = std::array<uint8_t, 16>;
using Ip4Addr = std::array<uint8_t, 4>;

Ip6Addr Ip6(const char* text);  // Aborts the test binary on a typo.
Ip4Addr Ip4(const char* text);

struct Ipv6Opts {
  uint8_t hop_limit = 64;
  uint8_t traffic_class = 0;
  uint32_t flow_label = 0;
};

struct Ipv4Opts {
  uint8_t ttl = 64;
  uint8_t tos = 0;
  uint16_t id = 0;
  uint16_t frag = 0;  // Flags (0x2000 MF, 0x4000 DF) | offset in 8-octets.
  Bytes options;      // Padded to a multiple of 4 by the caller.
};

class PacketBuilder {
 public:
  PacketBuilder& Eth(const char* dst = "02:00:00:00:00:02", const char* src = "02:00:00:00:00:01");
  PacketBuilder& Vlan(uint16_t tci);
  PacketBuilder& Ipv6(const char* src, const char* dst, const Ipv6Opts& o = {});
  PacketBuilder& Ipv4(const char* src, const char* dst, const Ipv4Opts& o = {});
  // Options headers holding one PadN option: 8 * (units + 1) bytes.
  PacketBuilder& HopByHop(uint8_t units = 0);
  PacketBuilder& DestOpts(uint8_t units = 0);
  PacketBuilder& Fragment(uint16_t offset_units, bool more, uint32_t id = 1);
  // SRH with `segments` in wire order (Segment List[0], the LAST segment,
  // first). last_entry defaults to size - 1; tlv_bytes of PadN TLV padding.
  PacketBuilder& Srh(const std::vector<const char*>& segments, uint8_t segments_left,
                     int last_entry = -1, uint16_t tag = 0, uint8_t tlv_bytes = 0);
  PacketBuilder& Udp(uint16_t sport, uint16_t dport);
  PacketBuilder& Tcp(uint16_t sport, uint16_t dport, uint8_t flags = 0x02);
  PacketBuilder& IcmpEcho(uint16_t id, uint16_t seq);   // ICMPv4 echo request.
  PacketBuilder& Icmp6Echo(uint16_t id, uint16_t seq);  // ICMPv6 echo request.
  PacketBuilder& Payload(size_t n, uint8_t seed = 0);   // Pattern bytes.
  // Raw bytes that are the payload of protocol `proto` (e.g. a whole inner
  // packet, proto 41 or 4); they are not modified by Build().
  PacketBuilder& Raw(const Bytes& bytes, uint8_t proto = 59);

  // Serialises; pads with zeros to `min_size` (60 = Ethernet minimum without
  // FCS) after lengths and checksums are computed.
  Bytes Build(size_t min_size = 0);
  // Offset of layer i (in call order) in the last Build().
  size_t LayerOffset(size_t i) const { return offsets_.at(i); }

 private:
  enum class Kind {
    kEth,
    kVlan,
    kIpv6,
    kIpv4,
    kHbh,
    kDst,
    kFrag,
    kSrh,
    kUdp,
    kTcp,
    kIcmp,
    kIcmp6,
    kPayload,
    kRaw
  };
  struct Layer {
    Kind kind;
    Bytes bytes;
    uint8_t proto = 0;  // kRaw: the protocol it stands for.
  };
  PacketBuilder& Add(Kind k, Bytes b, uint8_t proto = 0);
  static uint8_t IpProto(const Layer& l);
  static uint16_t EtherType(const Layer& l);

  std::vector<Layer> layers_;
  std::vector<size_t> offsets_;
};

// Internet checksum (RFC 1071) of `data`, folded, not complemented.
uint16_t OnesSum(const uint8_t* data, size_t len, uint32_t initial = 0);

}  // namespace cpn::testing

#endif  // CPN_TESTS_DATAPLANE_STAGES_PACKET_BUILDER_H_
