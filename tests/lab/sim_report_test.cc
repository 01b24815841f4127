// The report's pieces: SVG charts a browser can show, CSV rows that line
// up with the header, the goal check, the command line's errors and files.
#include <filesystem>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lab/sim/metrics.h"
#include "lab/sim/report.h"
#include "lab/sim/svg_chart.h"
#include "lab/sim_command.h"

namespace cpn::lab::sim {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(SvgChart, DrawsAxesLegendAndOnePolylinePerSeries) {
  ChartOptions o;
  o.title = "t <1>";
  o.x_label = "time (s)";
  const std::string svg = RenderLineChart(
      {{"cpn", {0, 1, 2}, {0, 0.5, 1}, false}, {"nearest", {0, 2}, {1, 0}, true}}, o);
  EXPECT_THAT(svg, HasSubstr("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_THAT(svg, HasSubstr("t &lt;1&gt;"));
  EXPECT_THAT(svg, HasSubstr(">cpn</text>"));
  EXPECT_THAT(svg, HasSubstr(">nearest</text>"));
  size_t lines = 0;
  for (size_t p = svg.find("<polyline"); p != std::string::npos; p = svg.find("<polyline", p + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 2u);
  EXPECT_THAT(svg, HasSubstr("</svg>"));
}

TEST(SvgChart, TicksAreRoundAndCdfEndsAtOne) {
  EXPECT_THAT(NiceTicks(0, 10, 5), ElementsAre(0, 2, 4, 6, 8, 10));
  EXPECT_THAT(NiceTicks(0, 1, 4), ElementsAre(0, 0.25, 0.5, 0.75, 1));
  EXPECT_THAT(LogTicks(100, 1000), ElementsAre(100, 200, 500, 1000));
  EXPECT_THAT(LogTicks(100, 1e6), ElementsAre(100, 1000, 1e4, 1e5, 1e6));
  const ChartSeries cdf = CdfSeries("x", {3, 1, 2});
  EXPECT_THAT(cdf.x, ElementsAre(1, 2, 3));
  EXPECT_DOUBLE_EQ(cdf.y.back(), 1.0);
}

TEST(SimMetrics, PercentilesFlipsAndOscillations) {
  EXPECT_DOUBLE_EQ(Percentile({4, 1, 3, 2, 5}, 50), 3);
  EXPECT_DOUBLE_EQ(Percentile({1, 2}, 100), 2);
  WeightTracker t(10);
  t.Observe(0, {1, 0}, true);
  t.Observe(1, {0, 1}, true);         // a move
  t.Observe(2, {1, 0}, true);         // straight back: an oscillation (two weights)
  t.Observe(30, {0, 1}, true);        // back again, 28 s later: flips only
  t.Observe(31, {0.02, 0.98}, true);  // small reversal: a flip only
  EXPECT_EQ(t.oscillations(), 2u);
  EXPECT_EQ(t.flips(), 6u);
}

TEST(SimReport, CsvRowsMatchHeaderAndGoalCheckPicksBestBaseline) {
  RunResult cpn, base;
  cpn.policy = "cpn";
  base.policy = "nearest";
  cpn.completion_ms = {100, 200, 300};
  base.completion_ms = {200, 400, 600};
  cpn.excess_ms = {10, 20, 30};
  base.excess_ms = {40, 80, 120};
  const std::string header = SummaryCsvHeader();
  const std::string row = SummaryCsvRow(cpn, Summarize(cpn));
  EXPECT_EQ(std::count(header.begin(), header.end(), ','), std::count(row.begin(), row.end(), ','));
  RunResult variant = cpn;
  variant.policy = "cpn-busy";  // a CPN variant is no baseline
  RunResult ideal = cpn;        // nor is a reference, however good
  ideal.policy = "ideal";
  ideal.completion_ms = {50, 100, 150};
  ideal.excess_ms = {1, 2, 3};
  const GoalCheck g = CheckGoals({cpn, variant, base, ideal});
  EXPECT_TRUE(g.has_cpn);
  EXPECT_EQ(g.best_p99_policy, "nearest");
  EXPECT_EQ(g.best_mean_policy, "nearest");
  EXPECT_NEAR(g.mean_ratio, 0.5, 1e-9);
  EXPECT_NEAR(g.excess_mean_ratio, 0.25, 1e-9);
  EXPECT_NEAR(g.excess_p99_ratio, 0.25, 1e-9);
  EXPECT_TRUE(g.met());
  // The reference is reported against the same baseline.
  ASSERT_EQ(g.references.size(), 1u);
  EXPECT_EQ(g.references[0].policy, "ideal");
  EXPECT_NEAR(g.references[0].mean_ratio, 0.25, 1e-9);
  EXPECT_NEAR(g.references[0].excess_mean_ratio, 0.025, 1e-9);
  EXPECT_TRUE(CheckGoals({cpn, base}).references.empty());
}

TEST(SimCommand, BadUsageExitsTwoAndBadFilesExitOne) {
  std::ostringstream out, err;
  EXPECT_EQ(
      RunSimCommand({"--topology", "lab/topologies/chinanet-edwc.txtpb", "--scenario", "stampede"},
                    out, err),
      2);
  EXPECT_THAT(err.str(), HasSubstr("unknown scenario \"stampede\""));
  EXPECT_EQ(RunSimCommand({"--scenario", "steady"}, out, err), 2);
  EXPECT_THAT(err.str(), HasSubstr("missing --topology"));
  std::ostringstream err2;
  EXPECT_EQ(RunSimCommand({"--topology", "no/such.txtpb"}, out, err2), 1);
  EXPECT_THAT(err2.str(), HasSubstr("no/such.txtpb"));
  std::ostringstream err3;
  EXPECT_EQ(RunSimCommand({"--topology", "lab/topologies/chinanet-edwc.txtpb", "--site-background",
                           "alibaba,mars"},
                          out, err3),
            2);
  EXPECT_THAT(err3.str(), HasSubstr("--site-background: unknown series \"mars\""));
  std::ostringstream err4;
  EXPECT_EQ(RunSimCommand({"--topology", "lab/topologies/chinanet-edwc.txtpb", "--synthetic",
                           "--traffic-matrix", "no/such.csv"},
                          out, err4),
            1);
  EXPECT_THAT(err4.str(), HasSubstr("--traffic-matrix: cannot read no/such.csv"));
}

TEST(SimCommand, WritesReportCsvAndCharts) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "sim-report";
  std::filesystem::remove_all(dir);
  std::ostringstream out, err;
  ASSERT_EQ(RunSimCommand({"--topology", "lab/topologies/chinanet-edwc.txtpb", "--scenario",
                           "flash-crowd", "--policies", "cpn,least-loaded", "--duration-s", "60",
                           "--synthetic", "--out", dir.string()},
                          out, err),
            0)
      << err.str();
  EXPECT_THAT(out.str(), HasSubstr("goal: cpn p99"));
  for (const char* f :
       {"report.md", "summary.csv", "flash-crowd/cdf.svg", "flash-crowd/util_cpn.svg",
        "flash-crowd/weights_least-loaded.svg", "flash-crowd/site_util.csv"}) {
    EXPECT_TRUE(std::filesystem::exists(dir / f)) << f;
  }
}

}  // namespace
}  // namespace cpn::lab::sim
