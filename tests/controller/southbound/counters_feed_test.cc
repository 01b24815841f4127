// CountersFeed: two samples of an ingress's counters give measured demand
// per (ingress, service) in the DemandStore and link utilisation per port;
// a restarted dataplane (new boot id) or a re-inserted rule starts over
// instead of giving negative or huge rates.
#include "controller/southbound/counters_feed.h"

#include "absl/time/time.h"
#include "controller/api/clock.h"
#include "controller/api/proto_time.h"
#include "gtest/gtest.h"

namespace cpn::southbound {
namespace {

namespace tv1 = cpn::telemetry::v1;

tv1::CountersSnapshot Sample(uint64_t boot, double at_s, uint64_t flows, uint64_t bytes,
                             uint64_t tx_bytes) {
  tv1::CountersSnapshot s;
  s.set_boot_id(boot);
  *s.mutable_sampled_at() =
      api::ToProtoTime(absl::FromUnixSeconds(1'000'000) + absl::Seconds(at_s));
  tv1::SteeringRuleCounters* r = s.add_steering_rules();
  r->set_rule_id(7);
  r->set_new_flows(flows);
  r->set_bytes(bytes);
  tv1::PortCounters* p = s.add_ports();
  p->set_port_id(1);
  p->set_name("eth1");
  p->set_tx_bytes(tx_bytes);
  return s;
}

class CountersFeedTest : public ::testing::Test {
 protected:
  CountersFeedTest() {
    FeedRouterInfo info;
    info.service_of_rule[7] = "svc";
    info.link_of_port["eth1"] = {"ing-tr", 1'000'000'000};
    feed_.SetRouters({{"ing", info}});
  }
  api::RealClock clock_;
  api::DemandStore demands_{&clock_};
  api::LinkLoadStore link_loads_;
  CountersFeed feed_{&demands_, &link_loads_};
};

TEST_F(CountersFeedTest, TwoSamplesGiveMeasuredDemandAndLinkUtilisation) {
  feed_.OnSample("ing", Sample(1, 0, 100, 100'000, 0));
  EXPECT_TRUE(feed_.Demands().empty());  // one sample gives no rate
  feed_.OnSample("ing", Sample(1, 2, 300, 500'000, 250'000'000));
  const auto d = feed_.Demands().at({"ing", "svc"});
  EXPECT_DOUBLE_EQ(d.requests_per_second, 100);  // 200 new flows in 2 s
  EXPECT_DOUBLE_EQ(d.bytes_per_request, 2000);
  EXPECT_DOUBLE_EQ(feed_.LinkUtilisation().at({"ing", "ing-tr"}), 1.0);  // 1 Gbit/s
  EXPECT_EQ(demands_.size(), 1u);  // recorded as measured demand
  // ... and as the measured load of ing's direction of ing-tr, for the
  // next decision.
  const std::vector<api::LinkLoad> loads = link_loads_.Latest();
  ASSERT_EQ(loads.size(), 1u);
  EXPECT_EQ(loads[0].link_id, "ing-tr");
  EXPECT_EQ(loads[0].from_router_id, "ing");
  EXPECT_DOUBLE_EQ(loads[0].utilization, 1.0);
  EXPECT_EQ(loads[0].measured_at, absl::FromUnixSeconds(1'000'002));
}

TEST_F(CountersFeedTest, ARestartedDataplaneOrARecreatedRuleStartsOver) {
  feed_.OnSample("ing", Sample(1, 0, 1000, 1'000'000, 0));
  feed_.OnSample("ing", Sample(2, 1, 10, 10'000, 0));  // new boot: no rate
  EXPECT_TRUE(feed_.Demands().empty());
  feed_.OnSample("ing", Sample(2, 2, 5, 5'000, 0));  // counters went back: skipped
  EXPECT_DOUBLE_EQ(feed_.Demands().at({"ing", "svc"}).requests_per_second, 0);
  feed_.OnSample("ing", Sample(2, 3, 55, 55'000, 0));
  EXPECT_DOUBLE_EQ(feed_.Demands().at({"ing", "svc"}).requests_per_second, 50);
}

TEST_F(CountersFeedTest, RulesAndRoutersTheFeedDoesNotKnowAreIgnored) {
  feed_.OnSample("other", Sample(1, 0, 1, 1, 0));
  feed_.OnSample("other", Sample(1, 1, 100, 100, 0));
  EXPECT_TRUE(feed_.Demands().empty());
  EXPECT_EQ(demands_.size(), 0u);
}

}  // namespace
}  // namespace cpn::southbound
