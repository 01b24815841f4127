// The site's gRPC server in-process on a real socket: answers carry the
// site, queue wait and service time; c servers, FIFO; wrong services and a
// full queue are refused; metric reports are built from its load.
#include "lab/site/site_server.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lab/loadgen/load_client.h"
#include "lab/site/metric_agent.h"

namespace cpn::lab {
namespace {

std::unique_ptr<SiteServer> StartSite(int servers, double service_ms, size_t max_queue = 1000) {
  cpn::lab::v1::ServiceTimeModel model;
  model.mutable_deterministic()->set_time_ms(service_ms);
  auto sampler = ServiceTimeSampler::Create(model, {}, 1);
  EXPECT_TRUE(sampler.ok());
  SiteServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.site_id = "site-a";
  options.service_id = "echo";
  options.servers = servers;
  options.max_queue = max_queue;
  auto site = SiteServer::Start(options, *std::move(sampler));
  EXPECT_TRUE(site.ok()) << site.status();
  return site.ok() ? *std::move(site) : nullptr;
}

LoadOptions ClientTo(const SiteServer& site) {
  LoadOptions o;
  o.target = "127.0.0.1:" + std::to_string(site.port());
  o.services = {"echo"};
  o.response_bytes = 100;
  o.connections = 4;
  return o;
}

TEST(SiteServer, TwoServersServeFourRequestsInTwoRounds) {
  auto site = StartSite(2, 200);
  ASSERT_NE(site, nullptr);
  // Four requests 10 ms apart: two start at once, two wait for a server.
  std::vector<RequestRecord> records = RunLoad(ClientTo(*site), {0.0, 0.01, 0.02, 0.03});
  ASSERT_EQ(records.size(), 4u);
  std::sort(records.begin(), records.end(), [](const RequestRecord& a, const RequestRecord& b) {
    return a.request_id < b.request_id;
  });
  for (const RequestRecord& r : records) {
    ASSERT_EQ(r.status, "OK") << r.request_id;
    EXPECT_EQ(r.site_id, "site-a");
    EXPECT_EQ(r.service_time_ms, 200);
    EXPECT_GE(r.latency_ms(), r.queue_wait_ms + r.service_time_ms - 1);
  }
  EXPECT_LT(records[0].queue_wait_ms, 20);
  EXPECT_LT(records[1].queue_wait_ms, 20);
  // FIFO: the 3rd takes the first free server, the 4th the second.
  EXPECT_NEAR(records[2].queue_wait_ms, 180, 30);
  EXPECT_NEAR(records[3].queue_wait_ms, 180, 30);
  const LoadWindow w = site->TakeWindow();
  EXPECT_EQ(w.arrivals, 4u);
  EXPECT_EQ(w.completions, 4u);
  EXPECT_EQ(w.mean_service_ms, 200);
}

TEST(SiteServer, AQueuedCallWhoseDeadlinePassedIsNotServed) {
  // One server, 200 ms each; three calls with a 250 ms deadline: the 1st is
  // served (0-200 ms), the 2nd starts in time (200 ms) and is served though
  // its client gives up at 260 ms, the 3rd's turn comes at 400 ms, past its
  // deadline: it is dropped and the server goes idle.
  auto site = StartSite(1, 200);
  ASSERT_NE(site, nullptr);
  LoadOptions o = ClientTo(*site);
  o.timeout = absl::Milliseconds(250);
  std::vector<RequestRecord> records = RunLoad(o, {0.0, 0.01, 0.02});
  ASSERT_EQ(records.size(), 3u);
  std::sort(records.begin(), records.end(), [](const RequestRecord& a, const RequestRecord& b) {
    return a.request_id < b.request_id;
  });
  EXPECT_EQ(records[0].status, "OK");
  EXPECT_EQ(records[1].status, "DEADLINE_EXCEEDED");
  EXPECT_EQ(records[2].status, "DEADLINE_EXCEEDED");
  absl::SleepFor(absl::Milliseconds(400));  // past the 2nd's end
  const LoadWindow w = site->TakeWindow();
  EXPECT_EQ(w.arrivals, 3u);
  EXPECT_EQ(w.completions, 2u);
  EXPECT_EQ(w.abandoned, 1u);
  EXPECT_EQ(w.busy_now, 0);
  EXPECT_EQ(w.queue_now, 0u);
}

TEST(SiteServer, RefusesOtherServicesAndAFullQueue) {
  auto site = StartSite(1, 300, /*max_queue=*/1);
  ASSERT_NE(site, nullptr);
  LoadOptions o = ClientTo(*site);
  o.services = {"video"};
  std::vector<RequestRecord> wrong = RunLoad(o, {0.0});
  ASSERT_EQ(wrong.size(), 1u);
  EXPECT_EQ(wrong[0].status, "INVALID_ARGUMENT");

  o.services = {"echo"};
  o.response_bytes = 5u << 20;  // above gRPC's message limit
  std::vector<RequestRecord> huge = RunLoad(o, {0.0});
  ASSERT_EQ(huge.size(), 1u);
  EXPECT_EQ(huge[0].status, "INVALID_ARGUMENT");

  std::vector<RequestRecord> r = RunLoad(ClientTo(*site), {0.0, 0.02, 0.04});
  std::map<std::string, int> by_status;
  for (const auto& x : r) ++by_status[x.status];
  EXPECT_EQ(by_status["OK"], 2);  // one served, one queued
  EXPECT_EQ(by_status["RESOURCE_EXHAUSTED"], 1);
}

TEST(SiteServer, ShutdownAnswersCallsInFlight) {
  auto site = StartSite(1, 10000);
  ASSERT_NE(site, nullptr);
  LoadOptions o = ClientTo(*site);
  std::vector<RequestRecord> records;
  std::thread client([&] { records = RunLoad(o, {0.0, 0.0}); });
  absl::SleepFor(absl::Milliseconds(300));
  site->Shutdown();
  client.join();
  ASSERT_EQ(records.size(), 2u);
  for (const auto& r : records) EXPECT_EQ(r.status, "UNAVAILABLE");
}

TEST(MetricAgent, ReportCarriesTheSiteLoad) {
  MetricAgentOptions o;
  o.site_id = "site-a";
  o.service_id = "echo";
  o.servers = 4;
  LoadWindow w;
  w.window_s = 2;
  w.arrivals = 300;
  w.mean_busy = 3;
  w.queue_now = 5;
  w.mean_service_ms = 10;
  w.mean_sojourn_ms = 25;
  w.recent_service_ms = 20;
  w.recent_completions = 40;
  w.recent_span_s = 3;
  const auto r = BuildReport(o, w, absl::FromUnixSeconds(100), 9);
  EXPECT_EQ(r.site_id(), "site-a");
  EXPECT_EQ(r.service_id(), "echo");
  EXPECT_EQ(r.sequence(), 9u);
  EXPECT_EQ(r.reporter_id(), "cpn-site/site-a");
  EXPECT_EQ(r.measured_at().seconds(), 100);
  std::map<int, double> v;
  for (const auto& m : r.l0()) v[m.type()] = m.value();
  namespace c = cpn::compute::v1;
  EXPECT_EQ(v[c::METRIC_TYPE_SERVER_UTILIZATION], 0.75);
  EXPECT_EQ(v[c::METRIC_TYPE_BUSY_SERVERS], 3);
  EXPECT_EQ(v[c::METRIC_TYPE_AVAILABLE_SERVERS], 4);
  EXPECT_EQ(v[c::METRIC_TYPE_QUEUE_LENGTH], 5);
  EXPECT_EQ(v[c::METRIC_TYPE_ARRIVAL_RATE], 150);
  // The service rate comes from the recent completions (20 ms: 50/s per
  // server) over their span, not from this window's mean service time.
  EXPECT_EQ(v[c::METRIC_TYPE_SERVICE_RATE], 50);
  for (const auto& m : r.l0()) {
    if (m.type() == c::METRIC_TYPE_SERVICE_RATE) {
      EXPECT_EQ(m.window().seconds(), 3);
    }
  }
  EXPECT_EQ(v[c::METRIC_TYPE_PROCESSING_DELAY], 25);

  // Too few completions yet: no service rate (the controller keeps the
  // configured one); the window's processing delay is still reported.
  w.recent_completions = o.min_service_samples - 1;
  const auto early = BuildReport(o, w, absl::FromUnixSeconds(100), 10);
  for (const auto& m : early.l0()) EXPECT_NE(m.type(), c::METRIC_TYPE_SERVICE_RATE);
  bool delay = false;
  for (const auto& m : early.l0()) delay |= m.type() == c::METRIC_TYPE_PROCESSING_DELAY;
  EXPECT_TRUE(delay);
}

}  // namespace
}  // namespace cpn::lab
