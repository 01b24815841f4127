// Reading the workload's real traces from ../shared/data (or any path):
//   - Azure LLM inference trace (AzureLLMInferenceTrace_{conv,code}.csv:
//     TIMESTAMP,ContextTokens,GeneratedTokens): inter-arrival gaps and a
//     per-request compute cost (prefill + decode tokens);
//   - an aggregated data-centre utilisation series (Alibaba 2018 machine
//     usage grouped by 30 s / 300 s: cpu_util_percent for sites, net_in for
//     links).
// Parsing is pure (text in); LoadWorkload reads files. Errors name the file
// and line. Callable from any thread.
#ifndef CPN_LAB_SIM_TRACE_IO_H_
#define CPN_LAB_SIM_TRACE_IO_H_

#include <string>
#include <string_view>

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

struct WorkloadFiles {
  std::string llm_trace;           // empty: Poisson arrivals, exponential service
  std::string utilization_trace;   // empty: constant background
  double utilization_step_s = 30;  // the trace's sampling step
};

// The default files under `data_dir` (../shared/data): the Azure
// conversation trace and the Alibaba 2018 30 s series, each only when it
// exists.
WorkloadFiles DefaultWorkloadFiles(const std::string& data_dir);

// Reads the files (NOT_FOUND naming a missing one).
absl::StatusOr<Workload> LoadWorkload(const WorkloadFiles& files);

}  // namespace cpn::lab::sim

#endif  // CPN_LAB_SIM_TRACE_IO_H_
