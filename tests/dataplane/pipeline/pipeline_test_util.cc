#include "tests/dataplane/pipeline/pipeline_test_util.h"

#include <arpa/inet.h>
#include <rte_hash_crc.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "dataplane/stages/encap.h"
#include "dataplane/stages/packet_meta.h"
#include "gtest/gtest.h"
#include "tests/dataplane/stages/test_packets.h"

namespace cpn::testing {

namespace {

struct TempFiles {
  std::mutex mu;
  std::vector<std::string> paths;
  ~TempFiles() {
    if (std::getenv("CPN_KEEP_TEST_FILES") != nullptr) return;
    for (const std::string& p : paths) std::remove(p.c_str());
  }
};

TempFiles& Registry() {
  static TempFiles files;
  return files;
}

}  // namespace

std::string TempFile(const std::string& stem) {
  std::string path = TempPath(stem);
  TempFiles& r = Registry();
  std::lock_guard<std::mutex> lock(r.mu);
  r.paths.push_back(path);
  return path;
}

std::string PcapPort(const std::string& rx, const std::vector<Bytes>& frames,
                     const std::string& tx) {
  EXPECT_TRUE(WritePcap(rx, frames)) << rx;
  return absl::StrCat(UniqueVdev("net_pcap"), ",rx_pcap=", rx, ",tx_pcap=", tx);
}

Bytes Ipv6Udp(const Flow& f, size_t payload, uint8_t seed, uint8_t hop_limit) {
  Ipv6Opts o;
  o.hop_limit = hop_limit;
  return PacketBuilder()
      .Ipv6(f.src.c_str(), f.dst.c_str(), o)
      .Udp(f.sport, f.dport)
      .Payload(payload, seed)
      .Build();
}

Bytes Frame(const Flow& f, size_t payload, uint8_t seed) {
  return PacketBuilder()
      .Eth()
      .Ipv6(f.src.c_str(), f.dst.c_str())
      .Udp(f.sport, f.dport)
      .Payload(payload, seed)
      .Build();
}

uint32_t ExpectedFlowLabel(const Flow& f) {
  dataplane::FlowKey k;
  std::memset(&k, 0, sizeof(k));
  const Ip6Addr s = Ip6(f.src.c_str());
  const Ip6Addr d = Ip6(f.dst.c_str());
  std::memcpy(k.src, s.data(), 16);
  std::memcpy(k.dst, d.data(), 16);
  k.src_port = f.sport;
  k.dst_port = f.dport;
  k.protocol = 17;
  // Hash a uint64_t copy: rte_hash_crc reads the key through uint64_t
  // pointers, so calling it inline right after the uint16_t stores above
  // lets GCC (strict aliasing) load the words before the ports are stored.
  uint64_t words[sizeof(k) / 8];
  std::memcpy(words, &k, sizeof(k));
  return dataplane::FlowLabelFromHash(rte_hash_crc(words, sizeof(words), dataplane::kFlowHashSeed));
}

namespace {

std::string Addr(const uint8_t* p) {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, p, buf, sizeof(buf));
  return buf;
}

}  // namespace

SrOut DecodeSrFrame(const Bytes& b) {
  SrOut o;
  if (b.size() < 14 + 40 + 8 || b[12] != 0x86 || b[13] != 0xdd) return o;
  const uint8_t* ip = b.data() + 14;
  o.outer_src = Addr(ip + 8);
  o.outer_dst = Addr(ip + 24);
  if (ip[6] != 43) return o;
  const uint8_t* srh = ip + 40;
  const size_t srh_len = (srh[1] + 1u) * 8u;
  if (b.size() < 14 + 40 + srh_len + 48 || srh[0] != 41) return o;
  o.segments_left = srh[3];
  for (int i = 0; i <= srh[4]; ++i) o.srh.push_back(Addr(srh + 8 + 16 * i));
  const uint8_t* inner = srh + srh_len;
  o.inner_src = Addr(inner + 8);
  o.inner_dst = Addr(inner + 24);
  o.sport = static_cast<uint16_t>((inner[40] << 8) | inner[41]);
  o.ok = true;
  return o;
}

bool HaveTshark() { return std::system("command -v tshark >/dev/null 2>&1") == 0; }

std::string RunCommand(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

v1::WriteRequest TwoPolicySteeringWrite(const std::vector<Bytes>& frames) {
  v1::WriteRequest w;
  w.mutable_election_id()->set_low(42);
  w.set_new_version(1);
  for (const v1::Update& u :
       {Insert(PortEntity(2, "in", PcapPort(TempFile("in.pcap"), frames, TempFile("discard.pcap")))),
        Insert(NeighborEntity(1, "fe80::2", "02:00:00:00:00:aa")),
        Insert(RouteVia(0, "fc00::/16", {{1, "fe80::2"}})),
        Insert(PolicyEntity(1, "2001:db8:ff::1", {"fc00:2::e", "fc00:3::d6"})),
        Insert(PolicyEntity(2, "2001:db8:ff::1", {"fc00:2::e", "fc00:4::d6"})),
        Insert(RuleEntity(10, "2001:db8:cafe::/48", {{1, 1}, {2, 1}}))}) {
    *w.add_updates() = u;
  }
  return w;
}

}  // namespace cpn::testing
