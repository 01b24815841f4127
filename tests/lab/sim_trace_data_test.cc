// The real traces under ../shared/data (skipped when absent): the Azure LLM
// inference trace and the Alibaba 2018, Google 2019 and Azure v2
// utilisation series load and normalise.
#include <filesystem>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "lab/sim/trace_io.h"

namespace cpn::lab::sim {
namespace {

TEST(SimTracesData, LoadsTheSharedTraces) {
  const WorkloadFiles f = DefaultWorkloadFiles(CPN_SHARED_DATA_DIR);
  if (f.llm_trace.empty() || f.utilization_trace.empty()) {
    GTEST_SKIP() << "traces not under " << CPN_SHARED_DATA_DIR << " (workloads/...)";
  }
  absl::StatusOr<Workload> w = LoadWorkload(f);
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_GT(w->service_factors.size(), 10000u);
  // One site series per data centre trace found, each mean 1.
  size_t expected = 1 + !f.google_trace.empty() + !f.azure_vm_trace.empty();
  ASSERT_EQ(w->site_backgrounds.size(), expected) << w->description;
  for (const LoadSeries& b : w->site_backgrounds) {
    EXPECT_GT(b.values.size(), 1000u) << b.source;
    EXPECT_NEAR(std::accumulate(b.values.begin(), b.values.end(), 0.0) /
                    static_cast<double>(b.values.size()),
                1.0, 1e-9)
        << b.source;
  }
  if (!f.azure_vm_trace.empty()) {
    EXPECT_DOUBLE_EQ(w->site_backgrounds.back().step_s, 300);
  }
  EXPECT_GT(w->link_background.values.size(), 1000u);
  const double mean = std::accumulate(w->service_factors.begin(), w->service_factors.end(), 0.0) /
                      static_cast<double>(w->service_factors.size());
  EXPECT_NEAR(mean, 1.0, 1e-9);
}

TEST(SimTracesData, TheAbileneMatrixMapsOntoEveryAbileneRouter) {
  const std::string tm =
      std::string(CPN_SHARED_DATA_DIR) +
      "/traffic_matrices/sndlib_dynamic/abilene_zhang_5min_20040301-20040307.csv";
  if (!std::filesystem::exists(tm)) GTEST_SKIP() << tm << " not found";
  // The Topology Zoo's Abilene.graphml router ids (slugified labels).
  const std::vector<std::string> routers = {
      "atlanta",     "chicago",  "denver",  "houston",   "indianapolis", "kansas-city",
      "los-angeles", "new-york", "seattle", "sunnyvale", "washington-dc"};
  std::vector<std::string> unmatched;
  absl::StatusOr<std::map<std::string, double>> v =
      LoadIngressVolumes(tm, std::string(CPN_SOURCE_DIR) + "/lab/topologies/abilene.tm-nodes.txt",
                         routers, &unmatched);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(unmatched.empty()) << unmatched.size();
  EXPECT_EQ(v->size(), routers.size());
  for (const auto& [router, volume] : *v) EXPECT_GT(volume, 0) << router;
}

}  // namespace
}  // namespace cpn::lab::sim
