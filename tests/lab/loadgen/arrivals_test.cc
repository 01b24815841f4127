// The load generator's pure parts: schedules, Poisson arrivals, the
// summary and the CSV.
#include "lab/loadgen/arrivals.h"

#include <cmath>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cpn::lab {
namespace {

using ::testing::HasSubstr;

TEST(Schedule, ParsesConstantAndSteps) {
  auto c = ParseScheduleSpec("25");
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->size(), 1u);
  EXPECT_EQ((*c)[0].rps, 25);
  auto s = ParseScheduleSpec("0:10,5:40,7.5:0");
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->size(), 3u);
  EXPECT_EQ((*s)[2].at_s, 7.5);
  EXPECT_THAT(ParseScheduleSpec("-3").status().message(), HasSubstr("must be >= 0"));
  EXPECT_THAT(ParseScheduleSpec("0:1,x").status().message(),
              HasSubstr("step \"x\" is not TIME_S:RPS"));
  EXPECT_THAT(ParseScheduleSpec("0:1,0:2").status().message(),
              HasSubstr("start at 0 and increase"));
  EXPECT_THAT(ParseScheduleSpec("0:-1").status().message(), HasSubstr("RPS >= 0"));
}

TEST(Arrivals, PoissonCountsFollowTheSchedule) {
  // 200/s for 10 s, then 50/s for 10 s, then nothing.
  const std::vector<RatePoint> steps = {{0, 200}, {10, 50}, {20, 0}};
  const std::vector<double> t = PoissonArrivals(steps, 30, 11);
  int first = 0, second = 0, third = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    if (i > 0) {
      ASSERT_GT(t[i], t[i - 1]);
    }
    (t[i] < 10 ? first : t[i] < 20 ? second : third)++;
  }
  EXPECT_NEAR(first, 2000, 5 * std::sqrt(2000));
  EXPECT_NEAR(second, 500, 5 * std::sqrt(500));
  EXPECT_EQ(third, 0);
  EXPECT_EQ(PoissonArrivals(steps, 30, 11), t);  // seeded
  EXPECT_NE(PoissonArrivals(steps, 30, 12), t);
  // Inter-arrival times are exponential: their coefficient of variation is 1.
  double sum = 0, sq = 0;
  int n = 0;
  for (size_t i = 1; i < t.size() && t[i] < 10; ++i, ++n) {
    const double g = t[i] - t[i - 1];
    sum += g;
    sq += g * g;
  }
  const double mean = sum / n, cv = std::sqrt(sq / n - mean * mean) / mean;
  EXPECT_NEAR(cv, 1.0, 0.1);
  // The run's end cuts the schedule.
  for (double x : PoissonArrivals({{0, 100}}, 2, 1)) EXPECT_LT(x, 2);
}

RequestRecord Record(uint64_t id, double latency_ms, const std::string& site,
                     const std::string& status = "OK") {
  RequestRecord r;
  r.request_id = id;
  r.service = "echo";
  r.connection = 1 + id / 10;
  r.send_unix_ns = 1'000'000'000;
  r.done_unix_ns = r.send_unix_ns + static_cast<int64_t>(latency_ms * 1e6);
  r.status = status;
  r.site_id = status == "OK" ? site : "";
  return r;
}

TEST(Summary, PercentilesAndSiteShares) {
  std::vector<RequestRecord> records;
  for (int i = 1; i <= 100; ++i) records.push_back(Record(i, i, i <= 75 ? "a" : "b"));
  records.push_back(Record(101, 5, "", "DEADLINE_EXCEEDED"));
  const LoadSummary s = Summarise(records);
  EXPECT_EQ(s.sent, 101u);
  EXPECT_EQ(s.ok, 100u);
  EXPECT_EQ(s.failures.at("DEADLINE_EXCEEDED"), 1u);
  EXPECT_NEAR(s.mean_ms, 50.5, 1e-6);
  EXPECT_NEAR(s.p50_ms, 50, 1e-6);
  EXPECT_NEAR(s.p95_ms, 95, 1e-6);
  EXPECT_NEAR(s.p99_ms, 99, 1e-6);
  EXPECT_NEAR(s.max_ms, 100, 1e-6);
  EXPECT_EQ(s.sites.at("a").count, 75u);
  EXPECT_NEAR(s.sites.at("b").mean_latency_ms, 88, 1e-6);
  const std::string text = FormatSummary(s, 10);
  EXPECT_THAT(text, HasSubstr("101 sent, 100 ok, 1 failed"));
  EXPECT_THAT(text, HasSubstr("DEADLINE_EXCEEDED"));
  EXPECT_THAT(text, ::testing::ContainsRegex("a +75 +75.0%"));
  EXPECT_THAT(text, ::testing::ContainsRegex("b +25 +25.0%"));
}

TEST(Csv, OneRowPerRequestInIdOrder) {
  const std::string csv =
      FormatCsv({Record(2, 3.5, "b"), Record(1, 1.25, "a", "UNAVAILABLE")}, "c1");
  EXPECT_EQ(
      csv,
      "client,request_id,service,connection,send_unix_ns,done_unix_ns,latency_ms,status,site_id,"
      "queue_wait_ms,service_time_ms\n"
      "c1,1,echo,1,1000000000,1001250000,1.250,UNAVAILABLE,,0.000,0.000\n"
      "c1,2,echo,1,1000000000,1003500000,3.500,OK,b,0.000,0.000\n");
}

}  // namespace
}  // namespace cpn::lab
