// The real traces under ../shared/data (skipped when absent): the Azure LLM
// inference trace and the Alibaba 2018 utilisation series load and
// normalise.
#include <numeric>

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
  EXPECT_GT(w->site_background.size(), 1000u);
  const double mean = std::accumulate(w->service_factors.begin(), w->service_factors.end(), 0.0) /
                      static_cast<double>(w->service_factors.size());
  EXPECT_NEAR(mean, 1.0, 1e-9);
}

}  // namespace
}  // namespace cpn::lab::sim
