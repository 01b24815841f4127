// IpfixEncoder against hand-computed RFC 7011 / RFC 6313 layouts, byte by
// byte, and tshark's reading of what it writes.
#include "dataplane/telemetry/ipfix_encoder.h"

#include <arpa/inet.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/dataplane/pipeline/pipeline_test_util.h"
#include "tests/dataplane/telemetry/ipfix_test_util.h"

namespace cpn::dataplane::ipfix {
namespace {

using Bytes = std::vector<uint8_t>;

// "00 0a 01 ff" -> bytes (spaces and newlines ignored).
Bytes Hex(const std::string& s) {
  Bytes b;
  std::string digits;
  for (char c : s) {
    if (c != ' ' && c != '\n') digits += c;
  }
  for (size_t i = 0; i + 1 < digits.size(); i += 2) {
    b.push_back(static_cast<uint8_t>(std::stoi(digits.substr(i, 2), nullptr, 16)));
  }
  return b;
}

std::string ToHex(const Bytes& b) {
  std::string s;
  for (size_t i = 0; i < b.size(); ++i) {
    absl::StrAppend(&s, i % 4 == 0 && i != 0 ? " " : "", absl::Hex(b[i], absl::kZeroPad2));
  }
  return s;
}

std::array<uint8_t, 16> V6(const char* text) {
  std::array<uint8_t, 16> a{};
  EXPECT_EQ(inet_pton(AF_INET6, text, a.data()), 1) << text;
  return a;
}

// The Template Set both templates make: 4 + 2 * (4 + 13 * 4 + 8) = 132 bytes.
const char kTemplateSet[] =
    "0002 0084"                      // Set ID 2 (Template Set), length 132.
    "0100 000e"                      // Template 256 (IPv6), 14 fields:
    "001b 0010 001c 0010"            //   sourceIPv6Address 16, destinationIPv6Address 16
    "0007 0002 000b 0002 0004 0001"  //   source/destinationTransportPort 2, protocol 1
    "0002 0008 0001 0008"            //   packetDeltaCount 8, octetDeltaCount 8
    "0098 0008 0099 0008 0088 0001"  //   flowStart/EndMilliseconds 8, flowEndReason 1
    "8001 0004 00007ed9"             //   E=1 id 1 (cpnPolicyId) 4, PEN 32473
    "01ef 0010 01f2 0001 01f0 ffff"  //   srhActiveSegmentIPv6 16, srhSegmentsIPv6Left 1,
                                     //   srhSegmentIPv6BasicList variable
    "0101 000e"                      // Template 257 (IPv4), 14 fields:
    "0008 0004 000c 0004"            //   sourceIPv4Address 4, destinationIPv4Address 4
    "0007 0002 000b 0002 0004 0001"
    "0002 0008 0001 0008"
    "0098 0008 0099 0008 0088 0001"
    "8001 0004 00007ed9"
    "01ef 0010 01f2 0001 01f0 ffff";

FlowData V6Flow() {
  FlowData f;
  f.src = V6("2001:db8:1::1");
  f.dst = V6("2001:db8:cafe::1");
  f.src_port = 20000;
  f.dst_port = 443;
  f.protocol = 17;
  f.packets = 3;
  f.octets = 0x1234;
  f.start_ms = 0x0000018c00000001;
  f.end_ms = 0x0000018c000003e9;
  f.end_reason = 1;
  f.policy_id = 7;
  f.segment_count = 2;
  f.segments[0] = V6("fc00:3::d6");  // SRH order: the last segment first.
  f.segments[1] = V6("fc00:2::e");
  f.active_segment = V6("fc00:2::e");
  f.segments_left = 1;
  return f;
}

TEST(IpfixEncoder, TemplateOnlyMessageIsHeaderPlusTemplateSet) {
  IpfixEncoder enc(0x01020304);
  const std::vector<Message> m = enc.Encode({}, true, 0x5f000000);
  ASSERT_EQ(m.size(), 1u);
  const Bytes want = Hex(absl::StrCat("000a 0094",  // Version 10, length 148.
                                      "5f000000",   // Export time.
                                      "00000000",   // Sequence: no data records yet.
                                      "01020304",   // Observation domain.
                                      kTemplateSet));
  EXPECT_EQ(ToHex(m[0].bytes), ToHex(want));
  EXPECT_EQ(m[0].records, 0u);
  EXPECT_EQ(enc.sequence(), 0u);
  EXPECT_EQ(IpfixEncoder::TemplateSetBytes(), 132u);
  EXPECT_TRUE(enc.Encode({}, false, 0).empty());
}

TEST(IpfixEncoder, Ipv6DataRecordWithBasicListOfSegments) {
  IpfixEncoder enc(9);
  const FlowData f = V6Flow();
  const std::vector<Message> m = enc.Encode({&f, 1}, false, 1);
  ASSERT_EQ(m.size(), 1u);
  // Record: 32 + 2 + 2 + 1 + 4 * 8 + 1 + 4 + 16 + 1 + 1 (list length) +
  // 5 (list header) + 2 * 16 = 129; set 133 (0x85); message 149 (0x95).
  const Bytes head =
      Hex("000a 0095 00000001 00000000 00000009"  // Header: sequence 0, domain 9.
          "0100 0085"                             // Data Set of template 256, length 133.
          "20010db8000100000000000000000001"      // sourceIPv6Address
          "20010db8cafe00000000000000000001"      // destinationIPv6Address
          "4e20 01bb 11"                          // ports 20000 -> 443, UDP
          "0000000000000003 0000000000001234"     // packetDeltaCount, octetDeltaCount
          "0000018c00000001 0000018c000003e9"     // flowStart/EndMilliseconds
          "01"                                    // flowEndReason: idle timeout
          "00000007");                            // cpnPolicyId
  const Bytes record_tail =
      Hex("fc00000200000000000000000000000e"    // srhActiveSegmentIPv6: fc00:2::e
          "01"                                  // srhSegmentsIPv6Left
          "25"                                  // variable length 37 (< 255: one byte)
          "04 01ee 0010"                        // basicList: ordered, srhSegmentIPv6 (494), 16
          "fc0000030000000000000000000000d6"    // Segment List[0]: fc00:3::d6 (the last)
          "fc00000200000000000000000000000e");  // Segment List[1]: fc00:2::e (the first)
  Bytes full = head;
  full.insert(full.end(), record_tail.begin(), record_tail.end());
  ASSERT_EQ(full.size(), 149u);
  EXPECT_EQ(ToHex(m[0].bytes), ToHex(full));
  EXPECT_EQ(m[0].records, 1u);
  EXPECT_EQ(enc.sequence(), 1u);
  EXPECT_EQ(IpfixEncoder::RecordBytes(f), 129u);
}

TEST(IpfixEncoder, Ipv4RecordWithEmptyListUsesTemplate257) {
  IpfixEncoder enc(1);
  FlowData f;
  f.ipv4 = true;
  f.src = {192, 0, 2, 1};
  f.dst = {198, 51, 100, 7};
  f.src_port = 1;
  f.dst_port = 2;
  f.protocol = 6;
  f.packets = 1;
  f.octets = 60;
  f.end_reason = 4;
  const std::vector<Message> m = enc.Encode({&f, 1}, false, 0);
  ASSERT_EQ(m.size(), 1u);
  // Record 8 + 5 + 32 + 1 + 4 + 16 + 1 + 1 + 5 = 73; set 77 (0x4d); message 93 (0x5d).
  const Bytes want =
      Hex("000a 005d 00000000 00000000 00000001"
          "0101 004d"
          "c0000201 c6336407"
          "0001 0002 06"
          "0000000000000001 000000000000003c"
          "0000000000000000 0000000000000000"
          "04"
          "00000000"
          "00000000000000000000000000000000"
          "00"
          "05"              // variable length 5: the list header alone
          "04 01ee 0010");  // ordered, srhSegmentIPv6, 16; no elements
  EXPECT_EQ(ToHex(m[0].bytes), ToHex(want));
}

TEST(IpfixEncoder, MixedFamiliesMakeOneDataSetPerRun) {
  IpfixEncoder enc(1);
  FlowData a = V6Flow();
  FlowData b;
  b.ipv4 = true;
  const std::vector<FlowData> flows = {a, a, b, a};
  const std::vector<Message> m = enc.Encode(flows, false, 0);
  ASSERT_EQ(m.size(), 1u);
  const Bytes& x = m[0].bytes;
  size_t at = 16;
  std::vector<std::pair<int, int>> sets;  // (set id, length)
  while (at + 4 <= x.size()) {
    const int id = x[at] << 8 | x[at + 1];
    const int len = x[at + 2] << 8 | x[at + 3];
    sets.emplace_back(id, len);
    ASSERT_GT(len, 4);
    at += static_cast<size_t>(len);
  }
  EXPECT_EQ(at, x.size());
  const std::vector<std::pair<int, int>> want = {{256, 4 + 2 * 129}, {257, 4 + 73}, {256, 4 + 129}};
  EXPECT_EQ(sets, want);
  EXPECT_EQ(m[0].records, 4u);
}

TEST(IpfixEncoder, SplitsAtMaxMessageBytesAndNumbersDataRecords) {
  IpfixEncoder enc(5, 1400);
  FlowData f = V6Flow();
  f.segment_count = 8;  // The largest record: 225 bytes.
  ASSERT_EQ(IpfixEncoder::RecordBytes(f), 225u);
  std::vector<FlowData> flows(20, f);
  const std::vector<Message> m = enc.Encode(flows, true, 0);
  // First: 16 + 132 + 4 + 5 * 225 = 1277 (a sixth would make 1502);
  // then 16 + 4 + 6 * 225 = 1370 each; then the last 3.
  ASSERT_EQ(m.size(), 4u);
  const std::vector<uint32_t> records = {5, 6, 6, 3};
  const std::vector<uint32_t> sequence = {0, 5, 11, 17};
  for (size_t i = 0; i < m.size(); ++i) {
    const Bytes& x = m[i].bytes;
    EXPECT_LE(x.size(), 1400u);
    EXPECT_EQ(size_t{static_cast<size_t>(x[2] << 8 | x[3])}, x.size());
    const uint32_t seq = uint32_t{x[8]} << 24 | uint32_t{x[9]} << 16 | uint32_t{x[10]} << 8 | x[11];
    EXPECT_EQ(seq, sequence[i]) << i;
    EXPECT_EQ(m[i].records, records[i]) << i;
  }
  EXPECT_EQ(m[0].bytes.size(), 1277u);
  EXPECT_EQ(m[0].bytes[16], 0);
  EXPECT_EQ(m[0].bytes[17], 2);  // The Template Set comes first.
  EXPECT_EQ(enc.sequence(), 20u);
  // A template-only message carries the count so far.
  const std::vector<Message> t = enc.Encode({}, true, 0);
  EXPECT_EQ(t[0].bytes[11], 20);
}

TEST(IpfixEncoder, SequenceNumberWrapsModulo2To32) {
  IpfixEncoder enc(1);
  FlowData f = V6Flow();
  // 2^32 records would take long; encode many small batches is the same
  // arithmetic, so check the wrap on the counter type itself.
  std::vector<FlowData> flows(3, f);
  (void)enc.Encode(flows, false, 0);
  EXPECT_EQ(enc.sequence(), 3u);
  static_assert(std::is_same_v<decltype(enc.sequence()), uint32_t>);
}

TEST(IpfixEncoder, TsharkDecodesTheRecords) {
  if (!cpn::testing::HaveTshark()) GTEST_SKIP() << "tshark is not installed (scripts/setup.sh)";
  IpfixEncoder enc(77);
  FlowData v4;
  v4.ipv4 = true;
  v4.src = {192, 0, 2, 1};
  v4.dst = {198, 51, 100, 7};
  v4.src_port = 5000;
  v4.dst_port = 80;
  v4.protocol = 6;
  v4.packets = 2;
  v4.octets = 120;
  v4.end_reason = 2;
  const std::vector<FlowData> flows = {V6Flow(), v4};
  std::vector<Bytes> datagrams;
  for (const Message& m : enc.Encode(flows, true, 1700000000)) datagrams.push_back(m.bytes);
  std::string raw;
  const auto rows = cpn::testing::TsharkFields(
      datagrams, 4739,
      {"cflow.od_id", "cflow.sequence", "cflow.srcaddrv6", "cflow.dstaddrv6", "cflow.srcaddr",
       "cflow.dstaddr", "cflow.srcport", "cflow.dstport", "cflow.protocol", "cflow.packets",
       "cflow.octets", "cflow.flow_end_reason"},
      &raw);
  ASSERT_EQ(rows.size(), 1u) << raw;
  const std::vector<std::string>& r = rows[0];
  ASSERT_EQ(r.size(), 12u) << raw;
  EXPECT_EQ(r[0], "77");
  EXPECT_EQ(r[1], "0");
  EXPECT_EQ(r[2], "2001:db8:1::1");
  EXPECT_EQ(r[3], "2001:db8:cafe::1");
  EXPECT_EQ(r[4], "192.0.2.1");
  EXPECT_EQ(r[5], "198.51.100.7");
  EXPECT_EQ(r[6], "20000;5000");
  EXPECT_EQ(r[7], "443;80");
  EXPECT_EQ(r[8], "17;6");
  EXPECT_EQ(r[9], "3;2");
  EXPECT_EQ(r[10], "4660;120");
  EXPECT_EQ(r[11], "1;2");
}

}  // namespace
}  // namespace cpn::dataplane::ipfix
