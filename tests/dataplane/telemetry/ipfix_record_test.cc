// The pure parts around the encoder: FlowRecord -> FlowData (addresses,
// affinity key modes, SRH order of the segments, TSC -> Unix ms) and the
// token bucket that bounds the export rate.
#include "dataplane/telemetry/ipfix_record.h"

#include <arpa/inet.h>

#include <cstring>

#include "dataplane/telemetry/ipfix_rate.h"
#include "gtest/gtest.h"

namespace cpn::dataplane::ipfix {
namespace {

std::array<uint8_t, 16> V6(const char* text) {
  std::array<uint8_t, 16> a{};
  EXPECT_EQ(inet_pton(AF_INET6, text, a.data()), 1) << text;
  return a;
}

FlowRecord Record(const char* src, const char* dst) {
  FlowRecord r{};
  const auto s = V6(src), d = V6(dst);
  std::memcpy(r.key.src, s.data(), 16);
  std::memcpy(r.key.dst, d.data(), 16);
  r.key.src_port = 1234;
  r.key.dst_port = 443;
  r.key.protocol = 6;
  r.policy_slot = 3;
  r.policy_generation = 2;
  r.packets = 10;
  r.bytes = 1000;
  r.first_tsc = 5'000;
  r.last_tsc = 7'500;
  r.reason = static_cast<uint8_t>(FlowEndReason::kActiveTimeout);
  return r;
}

TEST(IpfixRecord, FiveTupleCountsTimesAndSegmentsInSrhOrder) {
  const TscClock clock{1'000, 1'700'000'000'000, 1'000};  // 1 kHz: 1 tick = 1 ms.
  PolicyInfo p;
  p.id = 42;
  p.segments = {V6("fc00:2::e"), V6("fc00:5::e"), V6("fc00:3::d6")};  // Visit order.
  const FlowData f = BuildFlowData(Record("2001:db8::1", "2001:db8:cafe::1"), &p, clock);
  EXPECT_FALSE(f.ipv4);
  EXPECT_EQ(f.src, V6("2001:db8::1"));
  EXPECT_EQ(f.dst, V6("2001:db8:cafe::1"));
  EXPECT_EQ(f.src_port, 1234);
  EXPECT_EQ(f.dst_port, 443);
  EXPECT_EQ(f.protocol, 6);
  EXPECT_EQ(f.packets, 10u);
  EXPECT_EQ(f.octets, 1000u);
  EXPECT_EQ(f.start_ms, 1'700'000'004'000u);
  EXPECT_EQ(f.end_ms, 1'700'000'006'500u);
  EXPECT_EQ(f.end_reason, 2);
  EXPECT_EQ(f.policy_id, 42u);
  ASSERT_EQ(f.segment_count, 3);
  EXPECT_EQ(f.segments[0], V6("fc00:3::d6"));  // Segment List[0]: the site's SID.
  EXPECT_EQ(f.segments[1], V6("fc00:5::e"));
  EXPECT_EQ(f.segments[2], V6("fc00:2::e"));
  EXPECT_EQ(f.active_segment, V6("fc00:2::e"));
  EXPECT_EQ(f.segments_left, 2);
}

TEST(IpfixRecord, Ipv4MappedKeysBecomeIpv4Addresses) {
  FlowRecord r = Record("::ffff:192.0.2.1", "::ffff:198.51.100.7");
  r.key.is_ipv4 = 1;
  const FlowData f = BuildFlowData(r, nullptr, TscClock{0, 0, 1});
  EXPECT_TRUE(f.ipv4);
  EXPECT_EQ(f.src[0], 192);
  EXPECT_EQ(f.src[3], 1);
  EXPECT_EQ(f.dst[0], 198);
  EXPECT_EQ(f.dst[3], 7);
  // Unknown policy: id 0, no segments.
  EXPECT_EQ(f.policy_id, 0u);
  EXPECT_EQ(f.segment_count, 0);
}

TEST(IpfixRecord, NonFiveTupleAffinityKeysExportOnlyWhatTheyHold) {
  FlowRecord label = Record("2001:db8::1", "2001:db8:cafe::1");
  label.key.pad[0] = 1;  // Flow-label key: the ports hold the label.
  const FlowData a = BuildFlowData(label, nullptr, TscClock{0, 0, 1});
  EXPECT_EQ(a.dst, V6("2001:db8:cafe::1"));
  EXPECT_EQ(a.src_port, 0);
  EXPECT_EQ(a.protocol, 0);
  FlowRecord source = Record("2001:db8::1", "::5");
  source.key.pad[0] = 2;  // Source-address key: dst holds the rule slot.
  const FlowData b = BuildFlowData(source, nullptr, TscClock{0, 0, 1});
  EXPECT_EQ(b.src, V6("2001:db8::1"));
  EXPECT_EQ(b.dst, V6("::"));
}

TEST(IpfixRecord, TscClockConvertsWithoutOverflow) {
  const uint64_t hz = 2'400'000'000;
  const TscClock c{hz * 1000, 1'000'000, hz};
  EXPECT_EQ(c.ToUnixMs(hz * 1000), 1'000'000u);
  EXPECT_EQ(c.ToUnixMs(hz * 1000 + hz / 2), 1'000'500u);
  EXPECT_EQ(c.ToUnixMs(hz * 999), 999'000u);
  // A year of uptime: tsc * 1000 would overflow 64 bits.
  EXPECT_EQ(c.ToUnixMs(hz * 1000 + hz * 31'536'000), 1'000'000u + 31'536'000'000u);
}

TEST(IpfixTokenBucket, BoundsTheRateAndRefills) {
  TokenBucket b(100, 100);  // 100 records/s, a second's burst.
  uint64_t t = 1'000'000'000;
  int taken = 0;
  for (int i = 0; i < 1000; ++i) taken += b.Take(t) ? 1 : 0;
  EXPECT_EQ(taken, 100);
  t += 500'000'000;  // Half a second: 50 more.
  taken = 0;
  for (int i = 0; i < 1000; ++i) taken += b.Take(t) ? 1 : 0;
  EXPECT_EQ(taken, 50);
  TokenBucket unlimited(0, 0);
  for (int i = 0; i < 100000; ++i) ASSERT_TRUE(unlimited.Take(t));
}

}  // namespace
}  // namespace cpn::dataplane::ipfix
