#include "lab/sim/trace_io.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"

namespace cpn::lab::sim {
namespace {

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> out;
  for (absl::string_view l : absl::StrSplit(absl::string_view(text.data(), text.size()), '\n')) {
    out.emplace_back(l.data(), l.size());
  }
  return out;
}

absl::Status LineError(std::string_view source, size_t line, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrFormat("%s:%d: %s", std::string(source), line, what));
}

// "2023-11-16 18:15:46.6805900" -> seconds since the epoch.
bool ParseTimestamp(std::string_view s, double* out) {
  int y, mo, d, h, mi;
  double sec;
  const std::string str(s);
  if (std::sscanf(str.c_str(), "%d-%d-%d %d:%d:%lf", &y, &mo, &d, &h, &mi, &sec) != 6) return false;
  const absl::CivilSecond cs(y, mo, d, h, mi, 0);
  *out = static_cast<double>(absl::ToUnixSeconds(absl::FromCivil(cs, absl::UTCTimeZone()))) + sec;
  return true;
}

absl::StatusOr<std::string> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrFormat("cannot read %s", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

absl::Status ParseAzureLlmTrace(std::string_view text, std::string_view source, Workload* w) {
  const std::vector<std::string_view> lines = Lines(text);
  std::vector<double> times, costs;
  for (size_t i = 1; i < lines.size(); ++i) {  // line 1 is the header
    absl::string_view l(lines[i].data(), lines[i].size());
    l = absl::StripAsciiWhitespace(l);
    if (l.empty()) continue;
    std::vector<absl::string_view> f = absl::StrSplit(l, ',');
    double t, ctx, gen;
    if (f.size() < 3 || !ParseTimestamp(std::string_view(f[0].data(), f[0].size()), &t) ||
        !absl::SimpleAtod(f[1], &ctx) || !absl::SimpleAtod(f[2], &gen) || ctx < 0 || gen < 0) {
      return LineError(source, i + 1, "expected TIMESTAMP,ContextTokens,GeneratedTokens");
    }
    times.push_back(t);
    costs.push_back(kPrefillTokenCost * ctx + gen + 1);
  }
  if (times.size() < 2) return LineError(source, lines.size(), "fewer than 2 requests");
  std::vector<double> gaps;
  for (size_t i = 1; i < times.size(); ++i) {
    if (times[i] < times[i - 1]) return LineError(source, i + 2, "timestamps go backwards");
    gaps.push_back(times[i] - times[i - 1]);
  }
  w->arrival_gaps = NormalizeToMeanOne(gaps);
  w->service_factors = NormalizeToMeanOne(costs);
  if (w->arrival_gaps.empty()) return LineError(source, 1, "all requests at the same time");
  return absl::OkStatus();
}

absl::Status ParseUtilizationSeries(std::string_view text, std::string_view source,
                                    std::string_view column, std::vector<double>* series) {
  const std::vector<std::string_view> lines = Lines(text);
  if (lines.empty()) return LineError(source, 1, "empty file");
  std::vector<absl::string_view> header = absl::StrSplit(
      absl::StripAsciiWhitespace(absl::string_view(lines[0].data(), lines[0].size())), ',');
  int col = -1;
  for (size_t i = 0; i < header.size(); ++i) {
    if (std::string_view(header[i].data(), header[i].size()) == column) col = static_cast<int>(i);
  }
  if (col < 0)
    return LineError(source, 1, absl::StrFormat("no column \"%s\"", std::string(column)));
  std::vector<double> values;
  for (size_t i = 1; i < lines.size(); ++i) {
    absl::string_view l =
        absl::StripAsciiWhitespace(absl::string_view(lines[i].data(), lines[i].size()));
    if (l.empty()) continue;
    std::vector<absl::string_view> f = absl::StrSplit(l, ',');
    double v;
    if (static_cast<int>(f.size()) <= col || !absl::SimpleAtod(f[col], &v)) {
      return LineError(source, i + 1,
                       absl::StrFormat("no number in column \"%s\"", std::string(column)));
    }
    values.push_back(v);
  }
  *series = NormalizeToMeanOne(values);
  if (series->empty()) return LineError(source, 2, "no positive values");
  return absl::OkStatus();
}

WorkloadFiles DefaultWorkloadFiles(const std::string& data_dir) {
  WorkloadFiles f;
  const std::string llm =
      data_dir + "/workloads/azure_public_dataset/data/AzureLLMInferenceTrace_conv.csv";
  const std::string util = data_dir +
                           "/workloads/datacenter_traces_aggregated/alibaba2018/"
                           "machine_usage_days_1_to_8_grouped_30_seconds.csv";
  if (std::filesystem::exists(llm)) f.llm_trace = llm;
  if (std::filesystem::exists(util)) f.utilization_trace = util;
  return f;
}

absl::StatusOr<Workload> LoadWorkload(const WorkloadFiles& files) {
  Workload w;
  std::vector<std::string> parts;
  if (!files.llm_trace.empty()) {
    absl::StatusOr<std::string> text = ReadAll(files.llm_trace);
    if (!text.ok()) return text.status();
    if (absl::Status st = ParseAzureLlmTrace(*text, files.llm_trace, &w); !st.ok()) return st;
    parts.push_back(absl::StrFormat("arrivals and compute cost from %s (%d requests)",
                                    std::filesystem::path(files.llm_trace).filename().string(),
                                    w.service_factors.size()));
  } else {
    parts.push_back("Poisson arrivals, exponential service");
  }
  if (!files.utilization_trace.empty()) {
    absl::StatusOr<std::string> text = ReadAll(files.utilization_trace);
    if (!text.ok()) return text.status();
    if (absl::Status st = ParseUtilizationSeries(*text, files.utilization_trace, "cpu_util_percent",
                                                 &w.site_background);
        !st.ok()) {
      return st;
    }
    if (absl::Status st =
            ParseUtilizationSeries(*text, files.utilization_trace, "net_in", &w.link_background);
        !st.ok()) {
      return st;
    }
    w.background_step_s = files.utilization_step_s;
    parts.push_back(
        absl::StrFormat("site (cpu) and link (net_in) background from %s",
                        std::filesystem::path(files.utilization_trace).filename().string()));
  } else {
    parts.push_back("constant background");
  }
  w.description = parts[0] + "; " + parts[1];
  return w;
}

}  // namespace cpn::lab::sim
