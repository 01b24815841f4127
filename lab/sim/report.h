// The simulator's report: for one scenario on one network, the runs of
// every policy as CSV tables, SVG charts (completion-time CDF per policy,
// site utilisation over time and the focus ingress's weights over time per
// policy) and a Markdown section that embeds them with the summary table
// and the goal check. Pure: returns file names and contents; the CLI
// writes them.
#ifndef CPN_LAB_SIM_REPORT_H_
#define CPN_LAB_SIM_REPORT_H_

#include <string>
#include <vector>

#include "lab/sim/metrics.h"

namespace cpn::lab::sim {

struct ReportFile {
  std::string name;  // relative to the scenario's directory
  std::string content;
};

// The header and one row of the summary CSV (one row per policy and
// scenario).
std::string SummaryCsvHeader();
std::string SummaryCsvRow(const RunResult& run, const Summary& summary);

// The goal figures of CPN against the best baseline in one scenario.
struct GoalCheck {
  std::string cpn_policy;
  bool has_cpn = false;
  std::string best_p99_policy, best_mean_policy;
  double p99_ratio = 0;       // CPN p99 / best baseline p99 (goal <= 0.7)
  double mean_ratio = 0;      // CPN mean / best baseline mean (goal <= 0.9)
  // The same for the excess over the service time (network, queueing:
  // what steering acts on), against the same baselines; no goal.
  double excess_p99_ratio = 0, excess_mean_ratio = 0;
  double imbalance_s = 0;     // goal 0
  uint64_t oscillations = 0;  // goal 0
  uint64_t moved_live = 0;    // goal 0
  // The references that ran (IsReferencePolicy), against the same
  // best baselines: how low these ratios go for a dispatcher that knows
  // every site's exact state; the goal ratios are out of any steering's
  // reach where even they stay above them.
  struct Reference {
    std::string policy;
    double p99_ratio = 0, mean_ratio = 0, excess_p99_ratio = 0, excess_mean_ratio = 0;
  };
  std::vector<Reference> references;
  bool met() const;
};
// `cpn` against the best of the baselines (the policies whose names do not
// start with "cpn", less the references).
GoalCheck CheckGoals(const std::vector<RunResult>& runs, const std::string& cpn = "cpn");

// Files for one scenario: summary.csv, site_util.csv, cdf.svg,
// util_<policy>.svg, weights_<policy>.svg, and the Markdown section (as
// `section`, image links prefixed with `link_prefix`).
std::vector<ReportFile> ScenarioReport(const std::vector<RunResult>& runs,
                                       const std::string& description,
                                       const std::string& link_prefix, std::string* section);

}  // namespace cpn::lab::sim

#endif  // CPN_LAB_SIM_REPORT_H_
