// Cross-checks encapsulated output with an independent dissector: the
// packets the stages produce (encap + rewrite, and after End) are written
// to a pcap and dissected by tshark, whose SRH fields must match what the
// RFCs ask for. Skips when tshark is not installed.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "dataplane/stages/encap.h"
#include "dataplane/stages/packet_meta.h"
#include "dataplane/stages/srv6.h"
#include "dataplane/stages/tx.h"
#include "gtest/gtest.h"
#include "tests/dataplane/stages/srv6_test_util.h"

namespace cpn::dataplane {
namespace {

using testing::Bytes;
using testing::PacketBuilder;

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

class CollectSink : public TxSink {
 public:
  uint16_t Transmit(uint16_t, rte_mbuf** pkts, uint16_t n) override {
    for (uint16_t i = 0; i < n; ++i) {
      frames.push_back(testing::FromMbuf(pkts[i]));
      rte_pktmbuf_free(pkts[i]);
    }
    return n;
  }
  std::vector<Bytes> frames;
};

struct Expect {
  std::string dst, nxt, plen, tclass, segleft, last_entry, addrs, routing_nxt, inner;
};

// One encapsulated frame per case, as the ingress router would send it.
Bytes EncapFrame(const Srv6EncapPolicy& policy, bool v4) {
  testing::Ipv4Opts o4;
  o4.tos = 0xb8;
  testing::Ipv6Opts o6;
  o6.traffic_class = 0xb8;
  const Bytes in = v4 ? PacketBuilder()
                            .Eth()
                            .Ipv4("192.0.2.1", "203.0.113.9", o4)
                            .Udp(40000, 40001)
                            .Payload(10)
                            .Build(60)
                      : PacketBuilder()
                            .Eth()
                            .Ipv6("2001:db8:a::1", "2001:db8:b::9", o6)
                            .Udp(40000, 40001)
                            .Payload(10)
                            .Build();
  rte_mbuf* m = testing::Parsed(in);
  if (m == nullptr) return {};
  Meta(m)->encap_policy = &policy;
  Meta(m)->next_hop = 0;
  DropCounters d;
  EdgeBuffers<EncapEdge> eo;
  EncapStage().ProcessBurst(&m, 1, eo, d);
  const std::vector<Adjacency> adj = {[] {
    Adjacency a;
    a.src_mac = {{0x02, 0, 0, 0, 0, 1}};
    a.dst_mac = {{0x02, 0, 0, 0, 0, 2}};
    a.valid = true;
    return a;
  }()};
  TxStage tx;
  CollectSink sink;
  tx.ProcessBurst(eo[EncapEdge::kIpv6Lookup].pkts, eo[EncapEdge::kIpv6Lookup].n, adj, sink, d);
  tx.Flush(sink, d);
  return sink.frames.empty() ? Bytes{} : sink.frames[0];
}

TEST(DpTshark, SrhFieldsOfEncapsulatedPackets) {
  if (!HaveTshark()) GTEST_SKIP() << "tshark is not installed; SRH cross-check skipped";
  const std::vector<const char*> sids = {"fc00:1::e", "fc00:2::e", "fc00:3::d6"};
  std::vector<Bytes> frames;
  std::vector<Expect> expect;
  std::vector<Srv6EncapPolicy> policies;
  policies.reserve(12);
  for (EncapMode mode : {EncapMode::kEncaps, EncapMode::kEncapsRed}) {
    for (bool v4 : {false, true}) {
      for (size_t n = 1; n <= 3; ++n) {
        const std::vector<const char*> list(sids.begin(), sids.begin() + n);
        policies.push_back(testing::Policy("2001:db8:ff::1", list, mode));
        frames.push_back(EncapFrame(policies.back(), v4));
        ASSERT_FALSE(frames.back().empty());
        const size_t listed = mode == EncapMode::kEncaps ? n : n - 1;
        const size_t inner_len = v4 ? 20 + 8 + 10 : 40 + 8 + 10;
        Expect e;
        e.dst = list[0];
        e.nxt = listed > 0 ? "43" : (v4 ? "4" : "41");
        e.plen = absl::StrCat(listed > 0 ? 8 + 16 * listed + inner_len : inner_len);
        e.tclass = "0x000000b8";
        if (listed > 0) {
          e.segleft = absl::StrCat(n - 1);
          e.last_entry = absl::StrCat(listed - 1);
          for (size_t i = 0; i < listed; ++i) {
            absl::StrAppend(&e.addrs, i == 0 ? "" : ",", list[n - 1 - i]);  // Reverse order.
          }
          e.routing_nxt = v4 ? "4" : "41";
        }
        e.inner = v4 ? "203.0.113.9" : "2001:db8:b::9";
        expect.push_back(e);
      }
    }
  }
  const std::string pcap = testing::TempPath("encap.pcap");
  ASSERT_TRUE(testing::WritePcap(pcap, frames));
  const std::string out = RunCommand(
      "tshark -r " + pcap +
      " -o udp.check_checksum:TRUE -T fields -E separator='|' -E occurrence=a -E aggregator=,"
      " -e ipv6.dst -e ipv6.nxt -e ipv6.plen -e ipv6.tclass -e ipv6.routing.type"
      " -e ipv6.routing.segleft -e ipv6.routing.srh.last_entry -e ipv6.routing.srh.tag"
      " -e ipv6.routing.srh.addr -e ipv6.routing.nxt -e ip.dst -e udp.checksum.status"
      " -e ipv6.hlim -e ipv6.flow -e _ws.malformed -e _ws.expert.severity 2>/dev/null");
  std::remove(pcap.c_str());
  std::vector<std::string> lines = absl::StrSplit(out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), frames.size()) << out;
  for (size_t i = 0; i < lines.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("packet ", i + 1, ": ", lines[i]));
    const std::vector<std::string> f = absl::StrSplit(lines[i], '|');
    ASSERT_EQ(f.size(), 16u);
    const Expect& e = expect[i];
    const std::vector<std::string> dsts = absl::StrSplit(f[0], ',');
    const std::vector<std::string> nxts = absl::StrSplit(f[1], ',');
    const std::vector<std::string> plens = absl::StrSplit(f[2], ',');
    const std::vector<std::string> tclasses = absl::StrSplit(f[3], ',');
    EXPECT_EQ(dsts[0], e.dst);  // Outer DA = first SID.
    EXPECT_EQ(nxts[0], e.nxt);
    EXPECT_EQ(plens[0], e.plen);
    EXPECT_EQ(tclasses[0], e.tclass);               // Copied from the inner packet.
    EXPECT_EQ(f[4], e.segleft.empty() ? "" : "4");  // Routing type: SRH.
    EXPECT_EQ(f[5], e.segleft);
    EXPECT_EQ(f[6], e.last_entry);
    EXPECT_EQ(f[7], e.segleft.empty() ? "" : "0000");  // Tag.
    EXPECT_EQ(f[8], e.addrs);
    EXPECT_EQ(f[9], e.routing_nxt);
    if (e.inner.find(':') == std::string::npos) {
      EXPECT_EQ(f[10], e.inner);
    } else {
      EXPECT_EQ(dsts.back(), e.inner);
    }
    EXPECT_EQ(f[11], "1");  // Inner UDP checksum verified Good: payload intact.
    EXPECT_EQ(absl::StrSplit(f[12], ',').begin()->compare("64"), 0);          // Outer hop limit.
    EXPECT_NE(absl::StrSplit(f[13], ',').begin()->compare("0x00000000"), 0);  // Flow label set.
    EXPECT_EQ(f[14], "");                                                     // Not malformed.
    EXPECT_EQ(f[15], "");  // No expert info (warnings, errors) at all.
  }
}

}  // namespace
}  // namespace cpn::dataplane
