// Reading the real traces' formats, from small samples (the full files are
// read by lab_sim_trace_data_test).
#include <numeric>

#include "gtest/gtest.h"
#include "lab/sim/trace_io.h"

namespace cpn::lab::sim {
namespace {

TEST(SimTraces, ParsesAzureLlmSampleToMeanOneGapsAndCosts) {
  Workload w;
  const char* kSample =
      "TIMESTAMP,ContextTokens,GeneratedTokens\n"
      "2023-11-16 18:15:46.0000000,374,44\n"
      "2023-11-16 18:15:47.0000000,396,109\n"
      "2023-11-16 18:15:50.0000000,879,55\n";
  ASSERT_TRUE(ParseAzureLlmTrace(kSample, "sample.csv", &w).ok());
  ASSERT_EQ(w.arrival_gaps.size(), 2u);
  EXPECT_NEAR(w.arrival_gaps[0], 0.5, 1e-9);  // gaps 1 s and 3 s, mean 2
  EXPECT_NEAR(w.arrival_gaps[1], 1.5, 1e-9);
  ASSERT_EQ(w.service_factors.size(), 3u);
  EXPECT_NEAR(std::accumulate(w.service_factors.begin(), w.service_factors.end(), 0.0), 3.0, 1e-9);
  EXPECT_GT(w.service_factors[1], w.service_factors[0]);  // more generated tokens
}

TEST(SimTraces, BadLinesNameFileAndLine) {
  Workload w;
  const absl::Status st = ParseAzureLlmTrace(
      "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 x,1,2\n", "t.csv", &w);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("t.csv:2"), std::string::npos) << st;
  std::vector<double> series;
  const absl::Status st2 =
      ParseUtilizationSeries("a,b\n1,2\n", "u.csv", "cpu_util_percent", &series);
  EXPECT_NE(st2.message().find("u.csv:1: no column \"cpu_util_percent\""), std::string::npos)
      << st2;
}

}  // namespace
}  // namespace cpn::lab::sim
