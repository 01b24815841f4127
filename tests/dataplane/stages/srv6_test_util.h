// Shared by the encap, srv6 and tshark tests: parse a built frame into an
// mbuf that is ready for the L3 stages.
#ifndef CPN_TESTS_DATAPLANE_STAGES_SRV6_TEST_UTIL_H_
#define CPN_TESTS_DATAPLANE_STAGES_SRV6_TEST_UTIL_H_

#include <vector>

#include "dataplane/stages/parse.h"
#include "dataplane/stages/srv6_types.h"
#include "gtest/gtest.h"
#include "tests/dataplane/stages/packet_builder.h"
#include "tests/dataplane/stages/test_packets.h"

namespace cpn::testing {

// Parses an Ethernet frame; returns the mbuf (data at L3) or nullptr.
inline rte_mbuf* Parsed(const Bytes& frame) {
  rte_mbuf* m = ToMbuf(frame);
  if (m == nullptr) return nullptr;
  dataplane::EdgeBuffers<dataplane::ParseEdge> out;
  dataplane::DropCounters drops;
  dataplane::ParseStage().ProcessBurst(&m, 1, out, drops);
  if (drops.Total() != 0) return nullptr;
  return m;
}

inline dataplane::Srv6EncapPolicy Policy(const char* source, const std::vector<const char*>& sids,
                                         dataplane::EncapMode mode) {
  std::vector<dataplane::Ipv6Addr> list(sids.size());
  for (size_t i = 0; i < sids.size(); ++i) {
    const Ip6Addr a = Ip6(sids[i]);
    std::copy(a.begin(), a.end(), list[i]);
  }
  uint8_t src[16];
  const Ip6Addr s = Ip6(source);
  std::copy(s.begin(), s.end(), src);
  auto p = dataplane::MakeSrv6EncapPolicy(src, list, mode);
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? *p : dataplane::Srv6EncapPolicy{};
}

}  // namespace cpn::testing

#endif  // CPN_TESTS_DATAPLANE_STAGES_SRV6_TEST_UTIL_H_
