// Helpers of the end-to-end pipeline tests: pcap-backed ports, flows of
// IPv6/UDP packets, decoding of SRv6 output frames, and running tshark.
// Test threads only.
#ifndef CPN_TESTS_DATAPLANE_PIPELINE_PIPELINE_TEST_UTIL_H_
#define CPN_TESTS_DATAPLANE_PIPELINE_PIPELINE_TEST_UTIL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tests/dataplane/agent/dataplane_harness.h"
#include "tests/dataplane/stages/packet_builder.h"

namespace cpn::testing {

// A fresh temporary path, removed when the test binary exits (kept when
// CPN_KEEP_TEST_FILES is set, for looking at the pcaps).
std::string TempFile(const std::string& stem);

// A net_pcap port reading `rx` (written now from `frames`) and writing
// everything it sends to `tx`. Returns the devargs.
std::string PcapPort(const std::string& rx, const std::vector<Bytes>& frames,
                     const std::string& tx);

// One IPv6/UDP flow.
struct Flow {
  std::string src;
  std::string dst;
  uint16_t sport = 0;
  uint16_t dport = 0;
};

// The IPv6 packet (no Ethernet) of `f` with `payload` bytes (pattern `seed`).
Bytes Ipv6Udp(const Flow& f, size_t payload = 32, uint8_t seed = 0, uint8_t hop_limit = 64);
// The same in an Ethernet frame (02:00:00:00:00:02 <- 02:00:00:00:00:01).
Bytes Frame(const Flow& f, size_t payload = 32, uint8_t seed = 0);

// The flow label the ingress writes for `f` (FlowLabelFromHash(FlowHash)).
uint32_t ExpectedFlowLabel(const Flow& f);

// What an encapsulated output frame (Ethernet / IPv6 / SRH / IPv6 / UDP)
// says; ok = false when the frame is not that.
struct SrOut {
  bool ok = false;
  std::string outer_src, outer_dst;
  std::vector<std::string> srh;  // Segment List[0] (the last SID) first.
  uint8_t segments_left = 0;
  std::string inner_src, inner_dst;
  uint16_t sport = 0;
};
SrOut DecodeSrFrame(const Bytes& frame);

// A Write for a fresh dataplane whose port 1 is the egress: port 2 "in"
// replays `frames` (PcapPort), neighbor fe80::2 and route fc00::/16 out of
// port 1, policies 1 and 2 (segments fc00:2::e then fc00:3::d6 or
// fc00:4::d6, source 2001:db8:ff::1) and rule 10 steering
// 2001:db8:cafe::/48 evenly over them. Version 1, election id 42.
v1::WriteRequest TwoPolicySteeringWrite(const std::vector<Bytes>& frames);

bool HaveTshark();
std::string RunCommand(const std::string& cmd);

}  // namespace cpn::testing

#endif  // CPN_TESTS_DATAPLANE_PIPELINE_PIPELINE_TEST_UTIL_H_
