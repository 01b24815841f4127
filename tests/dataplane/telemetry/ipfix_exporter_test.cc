// The exporter thread with a fake sender and policy source: templates first
// and re-sent periodically, policies resolved into the segment list, the
// rate bound (records over it dropped and counted), ring drops summed, and
// a last drain at Stop.
#include "dataplane/telemetry/ipfix_exporter.h"

#include <arpa/inet.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "gtest/gtest.h"
#include "tests/dataplane/eal_environment.h"

namespace cpn::dataplane::ipfix {
namespace {

TEST(IpfixExporter, EalIsUp) { ASSERT_NE(cpn::testing::TestPktPool(), nullptr); }

class FakeSender final : public DatagramSender {
 public:
  explicit FakeSender(std::vector<std::vector<uint8_t>>* out) : out_(out) {}
  absl::Status Send(std::span<const uint8_t> m) override {
    out_->emplace_back(m.begin(), m.end());  // Read by the test after Stop.
    return absl::OkStatus();
  }

 private:
  std::vector<std::vector<uint8_t>>* out_;
};

class FakePolicies final : public PolicySource {
 public:
  const PolicyInfo* Find(uint32_t slot, uint32_t generation) override {
    return slot == 3 && generation == 9 ? &info : nullptr;
  }
  PolicyInfo info;
};

std::array<uint8_t, 16> V6(const char* text) {
  std::array<uint8_t, 16> a{};
  EXPECT_EQ(inet_pton(AF_INET6, text, a.data()), 1);
  return a;
}

bool Contains(const std::vector<uint8_t>& hay, const std::vector<uint8_t>& needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

void Fill(FlowRecordRing& ring, int n, uint32_t slot) {
  FlowKey k{};
  k.src[15] = 1;
  for (int i = 0; i < n; ++i) {
    k.src_port = static_cast<uint16_t>(i);
    ring.Emit(FlowEnd{&k, slot, 9, 1, 100, 1000, 2000, FlowEndReason::kIdleTimeout});
  }
}

TEST(IpfixExporter, ResolvesPoliciesSendsTemplatesFirstAndDrainsAtStop) {
  auto ring = FlowRecordRing::Create(64);
  ASSERT_TRUE(ring.ok());
  Fill(**ring, 3, 3);
  Fill(**ring, 1, 5);  // A slot the source does not know.
  FakePolicies policies;
  policies.info.id = 7;
  policies.info.segments = {V6("fc00:2::e"), V6("fc00:3::d6")};
  std::vector<std::vector<uint8_t>> sent;
  ExporterConfig c;
  c.observation_domain = 11;
  c.poll_interval = absl::Milliseconds(10);
  auto e = IpfixExporter::Start(c, {ring->get()}, &policies, TscClock{0, 0, 1000},
                                std::make_unique<FakeSender>(&sent));
  ASSERT_TRUE(e.ok()) << e.status();
  for (int i = 0; i < 200 && (*e)->stats().records_sent < 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  Fill(**ring, 2, 3);  // Left for the last drain.
  (*e)->Stop();
  const ExporterStats s = (*e)->stats();
  EXPECT_EQ(s.records_sent, 6u);
  EXPECT_EQ(s.dropped_rate, 0u);
  ASSERT_GE(sent.size(), 2u);
  EXPECT_EQ(sent[0][17], 2);   // The Template Set first.
  EXPECT_EQ(sent[0][15], 11);  // Observation domain.
  // Segment List in SRH order: fc00:3::d6 then fc00:2::e, after the
  // basicList header (ordered, srhSegmentIPv6, 16).
  std::vector<uint8_t> list = {0x25, 0x04, 0x01, 0xee, 0x00, 0x10};
  const auto last = V6("fc00:3::d6"), first = V6("fc00:2::e");
  list.insert(list.end(), last.begin(), last.end());
  list.insert(list.end(), first.begin(), first.end());
  EXPECT_TRUE(Contains(sent[0], list));
  // The unknown slot: policy id 0 and an empty list (length 5).
  EXPECT_TRUE(Contains(sent[0], {0x00, 0x00, 0x00, 0x00}));
}

TEST(IpfixExporter, RecordsOverTheRateAreDroppedAndCounted) {
  auto ring = FlowRecordRing::Create(256);
  ASSERT_TRUE(ring.ok());
  Fill(**ring, 100, 3);
  FakePolicies policies;
  std::vector<std::vector<uint8_t>> sent;
  ExporterConfig c;
  c.max_records_per_s = 10;  // Burst of one second: 10.
  c.poll_interval = absl::Milliseconds(10);
  auto e = IpfixExporter::Start(c, {ring->get()}, &policies, TscClock{0, 0, 1000},
                                std::make_unique<FakeSender>(&sent));
  ASSERT_TRUE(e.ok());
  for (int i = 0; i < 200 && (*e)->stats().records_sent + (*e)->stats().dropped_rate < 100; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  (*e)->Stop();
  const ExporterStats s = (*e)->stats();
  EXPECT_EQ(s.records_sent + s.dropped_rate, 100u);
  EXPECT_GE(s.records_sent, 10u);
  EXPECT_LE(s.records_sent, 12u);  // The bucket refills 10/s while the test runs.
}

TEST(IpfixExporter, TemplatesAreResentPeriodicallyAndRingDropsSummed) {
  auto ring = FlowRecordRing::Create(2);
  ASSERT_TRUE(ring.ok());
  Fill(**ring, 5, 3);  // 2 fit, 3 dropped by the ring.
  FakePolicies policies;
  std::vector<std::vector<uint8_t>> sent;
  ExporterConfig c;
  c.template_interval = absl::Milliseconds(40);
  c.poll_interval = absl::Milliseconds(10);
  auto e = IpfixExporter::Start(c, {ring->get()}, &policies, TscClock{0, 0, 1000},
                                std::make_unique<FakeSender>(&sent));
  ASSERT_TRUE(e.ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  (*e)->Stop();
  EXPECT_EQ((*e)->stats().dropped_ring, 3u);
  int with_templates = 0;
  for (const auto& m : sent) with_templates += m[16] == 0 && m[17] == 2 ? 1 : 0;
  EXPECT_GE(with_templates, 3);  // ~300 / 40, on a busy box at least 3.
}

}  // namespace
}  // namespace cpn::dataplane::ipfix
