// Reading the workload's real traces from ../shared/data (or any path):
//   - Azure LLM inference trace (AzureLLMInferenceTrace_{conv,code}.csv:
//     TIMESTAMP,ContextTokens,GeneratedTokens): inter-arrival gaps and a
//     per-request compute cost (prefill + decode tokens);
//   - aggregated data-centre utilisation series, for the sites' background
//     load: Alibaba 2018 machine usage grouped by 30 s / 300 s
//     (cpu_util_percent; its net_in for links), Google 2019 instance usage
//     grouped by 300 s (avg_cpu) and Azure 2019 (v2) VM CPU readings
//     (timestamp,cpu_usage).
// Parsing is pure (text in); LoadWorkload reads files. Errors name the file
// and line. Callable from any thread.
#ifndef CPN_LAB_SIM_TRACE_IO_H_
#define CPN_LAB_SIM_TRACE_IO_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "lab/sim/workload.h"

namespace cpn::lab::sim {

// Cost of a request in generated-token equivalents: a prompt token costs
// this share of a generated one (prefill is batched, decode is serial).
inline constexpr double kPrefillTokenCost = 0.05;

// Fills arrival_gaps and service_factors from an Azure LLM trace.
absl::Status ParseAzureLlmTrace(std::string_view text, std::string_view source, Workload* w);

// Fills `series` (mean 1) from column `column` of a utilisation CSV with a
// header row.
absl::Status ParseUtilizationSeries(std::string_view text, std::string_view source,
                                    std::string_view column, std::vector<double>* series);

// Reads column `column` of a CSV with a header row, as numbers (not
// normalised). Errors name the file and line.
absl::Status ParseColumn(std::string_view text, std::string_view source, std::string_view column,
                         std::vector<double>* values);

// The Azure 2019 (v2) VM CPU series (timestamp,cpu_usage,...): the values
// normalised to mean 1 and the step from the timestamps, which must be
// evenly spaced.
absl::Status ParseAzureVmSeries(std::string_view text, std::string_view source, LoadSeries* series);

struct WorkloadFiles {
  std::string llm_trace;  // empty: Poisson arrivals, exponential service
  // Alibaba 2018 machine usage: cpu_util_percent for sites, net_in for
  // links; empty: constant link background.
  std::string utilization_trace;
  double utilization_step_s = 30;  // its sampling step
  bool alibaba_sites = true;       // its cpu_util_percent is a site series
  // More site background series (empty: not used): Google 2019 instance
  // usage (avg_cpu, 300 s) and Azure v2 VM CPU readings.
  std::string google_trace;
  double google_step_s = 300;
  std::string azure_vm_trace;
};

// The default files under `data_dir` (../shared/data): the Azure
// conversation trace, the Alibaba 2018 30 s series, the Google 2019 and
// the Azure v2 300 s series, each only when it exists.
WorkloadFiles DefaultWorkloadFiles(const std::string& data_dir);

// Reads the files (NOT_FOUND naming a missing one).
absl::StatusOr<Workload> LoadWorkload(const WorkloadFiles& files);

// Reads a traffic matrix and its node map (empty path: nodes are router
// ids) and returns each router's volume (traffic_matrix.h).
absl::StatusOr<std::map<std::string, double>> LoadIngressVolumes(
    const std::string& matrix, const std::string& node_map,
    const std::vector<std::string>& router_ids, std::vector<std::string>* unmatched);

}  // namespace cpn::lab::sim

#endif  // CPN_LAB_SIM_TRACE_IO_H_
