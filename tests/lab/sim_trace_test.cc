// Reading the real traces' formats, from small samples (the full files are
// read by lab_sim_trace_data_test).
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lab/sim/trace_io.h"
#include "lab/sim/traffic_matrix.h"

namespace cpn::lab::sim {
namespace {

using ::testing::HasSubstr;

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

TEST(SimTraces, ParsesAzureVmSeriesWithItsStep) {
  LoadSeries s;
  ASSERT_TRUE(ParseAzureVmSeries("timestamp,cpu_usage,assigned_mem\n0,10,1\n300,30,1\n600,20,1\n",
                                 "vm.csv", &s)
                  .ok());
  EXPECT_DOUBLE_EQ(s.step_s, 300);
  ASSERT_EQ(s.values.size(), 3u);
  EXPECT_NEAR(s.values[0], 0.5, 1e-12);  // mean 20
  EXPECT_NEAR(s.values[1], 1.5, 1e-12);
  // Uneven readings are named with their line.
  const absl::Status st =
      ParseAzureVmSeries("timestamp,cpu_usage\n0,10\n300,30\n900,20\n", "vm.csv", &s);
  EXPECT_NE(st.message().find("vm.csv:4: readings not every 300 s (600 s after"), std::string::npos)
      << st;
}

TEST(SimTraces, EachSiteFollowsItsSeriesFromItsOffset) {
  LoadSeries a{"a", {1, 2, 3}, 10};
  EXPECT_DOUBLE_EQ(SeriesAt(a, 0, 0), 1);
  EXPECT_DOUBLE_EQ(SeriesAt(a, 0, 15), 2);
  EXPECT_DOUBLE_EQ(SeriesAt(a, 2, 15), 1);              // shifted two steps, wraps
  EXPECT_DOUBLE_EQ(SeriesAt(LoadSeries{}, 5, 100), 1);  // no values: constant
}

TEST(SimTraces, TrafficMatrixGivesEachIngressItsNodesMeanSentTraffic) {
  const char* kMatrix =
      "# SNDlib dynamic traffic matrix, converted to wide CSV\n"
      "time,A1->B,A2->B,B->A1,B->B,C->A1\n"
      "t0,1,2,4,100,1\n"
      "t1,3,2,0,100,1\n";
  absl::StatusOr<std::map<std::string, double>> nodes =
      ParseTrafficMatrixSources(kMatrix, "tm.csv");
  ASSERT_TRUE(nodes.ok()) << nodes.status();
  // Means: A1 2, A2 2, B 2 (B->B left out), C 1.
  EXPECT_EQ(*nodes, (std::map<std::string, double>{{"A1", 2}, {"A2", 2}, {"B", 2}, {"C", 1}}));
  absl::StatusOr<std::map<std::string, std::string>> map =
      ParseNodeMap("# two codes, one router\nA1 atlanta\nA2 atlanta  # second\n\n", "m.txt");
  ASSERT_TRUE(map.ok()) << map.status();
  std::vector<std::string> unmatched;
  absl::StatusOr<std::map<std::string, double>> v =
      IngressVolumes(*nodes, *map, {"atlanta", "B", "z"}, &unmatched);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(*v, (std::map<std::string, double>{{"atlanta", 4}, {"B", 2}}));
  EXPECT_EQ(unmatched, std::vector<std::string>{"C"});
  // Nothing lands on a router: NOT_FOUND naming the nodes.
  v = IngressVolumes(*nodes, {}, {"x"}, nullptr);
  EXPECT_EQ(v.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(v.status().message().find("A1, A2, B, C"), std::string::npos) << v.status();
}

TEST(SimTraces, BadTrafficMatrixAndNodeMapLinesAreNamed) {
  auto matrix_error = [](const char* text) {
    return std::string(ParseTrafficMatrixSources(text, "tm.csv").status().message());
  };
  EXPECT_THAT(matrix_error("time,AB\n"), HasSubstr("tm.csv:1: column 2 \"AB\" is not SRC->DST"));
  EXPECT_THAT(matrix_error("time,A->B\nt0,1,2\n"),
              HasSubstr("tm.csv:2: 3 fields, the header has 2"));
  EXPECT_THAT(matrix_error("time,A->B\nt0,-1\n"),
              HasSubstr("tm.csv:2: column 2: \"-1\" is not a volume >= 0"));
  EXPECT_THAT(matrix_error("time,A->B\n"), HasSubstr("no matrix rows"));
  auto map_error = [](const char* text) {
    return std::string(ParseNodeMap(text, "m.txt").status().message());
  };
  EXPECT_THAT(map_error("A x\nA y\n"), HasSubstr("m.txt:2: node \"A\" mapped twice"));
  EXPECT_THAT(map_error("A\n"), HasSubstr("m.txt:1: expected \"CODE router-id\""));
}

}  // namespace
}  // namespace cpn::lab::sim
