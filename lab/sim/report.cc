#include "lab/sim/report.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_format.h"
#include "lab/sim/policy.h"
#include "lab/sim/svg_chart.h"

namespace cpn::lab::sim {

std::string SummaryCsvHeader() {
  return "topology,scenario,policy,requests,unfinished,mean_ms,p50_ms,p95_ms,p99_ms,excess_mean_ms,"
         "excess_p99_ms,"
         "violation_share,retries,max_site_util,site_time_above_90_s,imbalance_s,max_link_util,"
         "link_overload_s,mean_churn,max_churn,flips,oscillations,moved_live,repicked\n";
}

std::string SummaryCsvRow(const RunResult& r, const Summary& s) {
  return absl::StrFormat(
      "%s,%s,%s,%d,%d,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.5f,%d,%.3f,%.0f,%.0f,%.3f,%.0f,%.5f,%.4f,%d,%"
      "d,%d,%d\n",
      r.topology, r.scenario, r.policy, r.requests, r.unfinished, s.mean_ms, s.p50_ms, s.p95_ms,
      s.p99_ms, s.excess_mean_ms, s.excess_p99_ms, s.violation_share, r.retries, s.max_site_util,
      s.time_above_90_s, s.imbalance_s, r.max_link_util, r.link_overload_s, s.mean_churn,
      s.max_churn, r.flips, r.oscillations, r.moved_live, r.repicked);
}

bool GoalCheck::met() const {
  return has_cpn && p99_ratio <= 0.7 && mean_ratio <= 0.9 && imbalance_s == 0 &&
         oscillations == 0 && moved_live == 0;
}

GoalCheck CheckGoals(const std::vector<RunResult>& runs, const std::string& cpn_name) {
  GoalCheck g;
  g.cpn_policy = cpn_name;
  const RunResult* cpn = nullptr;
  Summary best_p99, best_mean;
  for (const RunResult& r : runs) {
    if (r.policy == cpn_name) cpn = &r;
    if (r.policy.rfind("cpn", 0) == 0 || IsReferencePolicy(r.policy)) continue;
    const Summary s = Summarize(r);
    if (g.best_p99_policy.empty() || s.p99_ms < best_p99.p99_ms) {
      best_p99 = s;
      g.best_p99_policy = r.policy;
    }
    if (g.best_mean_policy.empty() || s.mean_ms < best_mean.mean_ms) {
      best_mean = s;
      g.best_mean_policy = r.policy;
    }
  }
  if (cpn == nullptr || g.best_p99_policy.empty()) return g;
  const Summary s = Summarize(*cpn);
  g.has_cpn = true;
  // One policy's four ratios against the best baselines (CPN's and each
  // reference's).
  auto against = [&](const std::string& policy, const Summary& x) {
    auto ratio = [](double a, double b) { return b > 0 ? a / b : 0; };
    return GoalCheck::Reference{policy, ratio(x.p99_ms, best_p99.p99_ms),
                                ratio(x.mean_ms, best_mean.mean_ms),
                                ratio(x.excess_p99_ms, best_p99.excess_p99_ms),
                                ratio(x.excess_mean_ms, best_mean.excess_mean_ms)};
  };
  const GoalCheck::Reference own = against(cpn_name, s);
  g.p99_ratio = own.p99_ratio;
  g.mean_ratio = own.mean_ratio;
  g.excess_p99_ratio = own.excess_p99_ratio;
  g.excess_mean_ratio = own.excess_mean_ratio;
  g.imbalance_s = s.imbalance_s;
  g.oscillations = cpn->oscillations;
  g.moved_live = cpn->moved_live;
  for (const RunResult& r : runs) {
    if (IsReferencePolicy(r.policy)) g.references.push_back(against(r.policy, Summarize(r)));
  }
  return g;
}

namespace {

std::string UtilCsv(const std::vector<RunResult>& runs) {
  std::string csv = "policy,time_s,site,utilization,queue,focus_weight\n";
  for (const RunResult& r : runs) {
    for (size_t i = 0; i < r.sample_t.size(); ++i) {
      for (size_t j = 0; j < r.site_ids.size(); ++j) {
        csv +=
            absl::StrFormat("%s,%.0f,%s,%.4f,%.0f,%.4f\n", r.policy, r.sample_t[i], r.site_ids[j],
                            r.site_util[i][j], r.site_queue[i][j], r.focus_weights[i][j]);
      }
    }
  }
  return csv;
}

std::string FileSafe(const std::string& s) {
  std::string out;
  for (char c : s) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-') ? c : '_';
  return out;
}

}  // namespace

std::vector<ReportFile> ScenarioReport(const std::vector<RunResult>& runs,
                                       const std::string& description,
                                       const std::string& link_prefix, std::string* section) {
  std::vector<ReportFile> files;
  std::string csv = SummaryCsvHeader();
  for (const RunResult& r : runs) csv += SummaryCsvRow(r, Summarize(r));
  files.push_back({"summary.csv", csv});
  files.push_back({"site_util.csv", UtilCsv(runs)});
  if (runs.empty()) return files;
  const RunResult& first = runs[0];

  // Completion-time CDF on a log axis (policies differ by orders of
  // magnitude), clipped at the largest p99.9.
  std::vector<ChartSeries> cdf;
  double xmax = 0;
  for (const RunResult& r : runs) {
    cdf.push_back(CdfSeries(r.policy, r.completion_ms));
    xmax = std::max(xmax, Percentile(r.completion_ms, 99.9));
  }
  ChartOptions co;
  co.title = absl::StrFormat("Completion time CDF — %s, %s", first.topology, first.scenario);
  co.x_label = "completion time (ms, log scale)";
  co.y_label = "share of requests";
  co.log_x = true;
  co.x_max = xmax;
  co.y_min = 0;
  co.y_max = 1;
  co.y_reference = 0.99;
  files.push_back({"cdf.svg", RenderLineChart(cdf, co)});

  std::string md =
      absl::StrFormat("### %s — %s\n\n%s\n\n", first.topology, first.scenario, description);
  md +=
      "| policy | requests | mean ms | p50 ms | p95 ms | p99 ms | excess mean ms | excess p99 ms | "
      "over bound | max site util | site-s >90% | imbalance s | max link util | churn/epoch | "
      "flips | oscillations | moved live |\n"
      "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const RunResult& r : runs) {
    const Summary s = Summarize(r);
    md += absl::StrFormat(
        "| %s | %d | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.2f%% | %.2f | %.0f | %.0f | %.2f "
        "| %.4f | %d | "
        "%d | %d |\n",
        r.policy, r.requests, s.mean_ms, s.p50_ms, s.p95_ms, s.p99_ms, s.excess_mean_ms,
        s.excess_p99_ms, 100 * s.violation_share, s.max_site_util, s.time_above_90_s, s.imbalance_s,
        r.max_link_util, s.mean_churn, r.flips, r.oscillations, r.moved_live);
  }
  for (const RunResult& r : runs) {
    if (r.policy.rfind("cpn", 0) != 0) continue;
    const GoalCheck g = CheckGoals(runs, r.policy);
    if (!g.has_cpn) continue;
    md += absl::StrFormat(
        "\n%s against the best baseline: p99 %.2fx (%s; goal <= 0.7), mean %.2fx (%s; goal <= "
        "0.9), imbalance %.0f s (goal 0), oscillations %d (goal 0), live flows moved %d (goal "
        "0): **%s**. Over the service time (what steering acts on): p99 %.2fx, mean %.2fx.\n",
        r.policy, g.p99_ratio, g.best_p99_policy, g.mean_ratio, g.best_mean_policy, g.imbalance_s,
        g.oscillations, g.moved_live, g.met() ? "goal met" : "goal not met", g.excess_p99_ratio,
        g.excess_mean_ratio);
    for (const GoalCheck::Reference& ref : g.references) {
      md += absl::StrFormat(
          "The reference %s (every site's exact state at each decision: no network has it) "
          "reaches p99 %.2fx, mean %.2fx of the same baselines; over the service time p99 %.2fx, "
          "mean %.2fx.\n",
          ref.policy, ref.p99_ratio, ref.mean_ratio, ref.excess_p99_ratio, ref.excess_mean_ratio);
    }
  }
  md += absl::StrFormat("\n![completion time CDF](%scdf.svg)\n\n", link_prefix);

  for (const RunResult& r : runs) {
    std::vector<ChartSeries> util, weights;
    const size_t k = std::max<size_t>(
        1, static_cast<size_t>(std::llround(r.util_window_s / std::max(1e-9, r.sample_s))));
    for (size_t j = 0; j < r.site_ids.size(); ++j) {
      ChartSeries su{r.site_ids[j], {}, {}, j >= 10}, sw{r.site_ids[j], {}, {}, j >= 10};
      for (size_t i = 0; i < r.sample_t.size(); ++i) {
        // Utilisation as the summary sees it: the mean over util_window_s.
        double sum = 0;
        bool down = false;
        for (size_t x = i + 1 >= k ? i + 1 - k : 0; x <= i; ++x) {
          down = down || r.site_util[x][j] < 0;
          sum += r.site_util[x][j];
        }
        su.x.push_back(r.sample_t[i]);
        su.y.push_back(down ? std::nan("") : sum / static_cast<double>(std::min(k, i + 1)));
        sw.x.push_back(r.sample_t[i]);
        sw.y.push_back(r.focus_weights[i][j]);
      }
      util.push_back(std::move(su));
      weights.push_back(std::move(sw));
    }
    ChartOptions uo;
    uo.title = absl::StrFormat("Site utilisation — %s (%s)", r.policy, r.scenario);
    uo.x_label = absl::StrFormat("time (s); mean over %.0f s", r.util_window_s);
    uo.y_label = "busy share of servers";
    uo.y_min = 0;
    uo.y_max = 1;
    uo.y_reference = 0.9;
    for (const EventSpan& e : r.events) uo.bands.push_back({e.from_s, e.to_s, e.label});
    ChartOptions wo;
    wo.title =
        absl::StrFormat("Weights of ingress %s — %s (%s)", r.focus_ingress, r.policy, r.scenario);
    wo.x_label = "time (s)";
    wo.y_label = "share of new flows";
    wo.y_min = 0;
    wo.y_max = 1;
    wo.bands = uo.bands;
    const std::string p = FileSafe(r.policy);
    files.push_back({"util_" + p + ".svg", RenderLineChart(util, uo)});
    files.push_back({"weights_" + p + ".svg", RenderLineChart(weights, wo)});
    md +=
        absl::StrFormat("**%s**\n\n![utilisation](%sutil_%s.svg)\n![weights](%sweights_%s.svg)\n\n",
                        r.policy, link_prefix, p, link_prefix, p);
  }
  *section = md;
  return files;
}

}  // namespace cpn::lab::sim
