#include "lab/sim/trace_io.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "lab/sim/line_error.h"
#include "lab/sim/traffic_matrix.h"

namespace cpn::lab::sim {
namespace {

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> out;
  for (absl::string_view l : absl::StrSplit(absl::string_view(text.data(), text.size()), '\n')) {
    out.emplace_back(l.data(), l.size());
  }
  return out;
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

absl::Status ParseColumn(std::string_view text, std::string_view source, std::string_view column,
                         std::vector<double>* values) {
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
  values->clear();
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
    values->push_back(v);
  }
  return absl::OkStatus();
}

absl::Status ParseUtilizationSeries(std::string_view text, std::string_view source,
                                    std::string_view column, std::vector<double>* series) {
  std::vector<double> values;
  if (absl::Status st = ParseColumn(text, source, column, &values); !st.ok()) return st;
  *series = NormalizeToMeanOne(values);
  if (series->empty()) return LineError(source, 2, "no positive values");
  return absl::OkStatus();
}

absl::Status ParseAzureVmSeries(std::string_view text, std::string_view source,
                                LoadSeries* series) {
  std::vector<double> times;
  if (absl::Status st = ParseColumn(text, source, "timestamp", &times); !st.ok()) return st;
  if (times.size() < 2) return LineError(source, 2, "fewer than 2 readings");
  const double step = times[1] - times[0];
  if (!(step > 0)) return LineError(source, 3, "timestamps do not increase");
  for (size_t i = 2; i < times.size(); ++i) {
    // Line numbers: header is line 1, reading i is line i + 2.
    if (std::abs(times[i] - times[i - 1] - step) > 1e-6 * step) {
      return LineError(source, i + 2,
                       absl::StrFormat("readings not every %g s (%g s after the previous one)",
                                       step, times[i] - times[i - 1]));
    }
  }
  series->step_s = step;
  return ParseUtilizationSeries(text, source, "cpu_usage", &series->values);
}

WorkloadFiles DefaultWorkloadFiles(const std::string& data_dir) {
  WorkloadFiles f;
  const std::string llm =
      data_dir + "/workloads/azure_public_dataset/data/AzureLLMInferenceTrace_conv.csv";
  const std::string traces = data_dir + "/workloads/datacenter_traces_aggregated/";
  const std::string util = traces + "alibaba2018/machine_usage_days_1_to_8_grouped_30_seconds.csv";
  const std::string google = traces + "google2019/instance_usage_grouped_300_seconds_month.csv";
  const std::string azure = traces + "azure_v2/vm_cpu_readings_month_aggregated_cpu_mem.csv";
  if (std::filesystem::exists(llm)) f.llm_trace = llm;
  if (std::filesystem::exists(util)) f.utilization_trace = util;
  if (std::filesystem::exists(google)) f.google_trace = google;
  if (std::filesystem::exists(azure)) f.azure_vm_trace = azure;
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
  auto name = [](const std::string& path) {
    return std::filesystem::path(path).filename().string();
  };
  if (!files.utilization_trace.empty()) {
    absl::StatusOr<std::string> text = ReadAll(files.utilization_trace);
    if (!text.ok()) return text.status();
    if (files.alibaba_sites) {
      LoadSeries& site = w.site_backgrounds.emplace_back();
      site.source =
          absl::StrFormat("Alibaba 2018 cpu_util_percent (%s)", name(files.utilization_trace));
      site.step_s = files.utilization_step_s;
      if (absl::Status st = ParseUtilizationSeries(*text, files.utilization_trace,
                                                   "cpu_util_percent", &site.values);
          !st.ok()) {
        return st;
      }
    }
    w.link_background.source =
        absl::StrFormat("Alibaba 2018 net_in (%s)", name(files.utilization_trace));
    w.link_background.step_s = files.utilization_step_s;
    if (absl::Status st = ParseUtilizationSeries(*text, files.utilization_trace, "net_in",
                                                 &w.link_background.values);
        !st.ok()) {
      return st;
    }
  }
  if (!files.google_trace.empty()) {
    absl::StatusOr<std::string> text = ReadAll(files.google_trace);
    if (!text.ok()) return text.status();
    LoadSeries& site = w.site_backgrounds.emplace_back();
    site.source = absl::StrFormat("Google 2019 avg_cpu (%s)", name(files.google_trace));
    site.step_s = files.google_step_s;
    if (absl::Status st =
            ParseUtilizationSeries(*text, files.google_trace, "avg_cpu", &site.values);
        !st.ok()) {
      return st;
    }
  }
  if (!files.azure_vm_trace.empty()) {
    absl::StatusOr<std::string> text = ReadAll(files.azure_vm_trace);
    if (!text.ok()) return text.status();
    LoadSeries& site = w.site_backgrounds.emplace_back();
    site.source = absl::StrFormat("Azure v2 cpu_usage (%s)", name(files.azure_vm_trace));
    if (absl::Status st = ParseAzureVmSeries(*text, files.azure_vm_trace, &site); !st.ok()) {
      return st;
    }
  }
  if (w.site_backgrounds.empty()) {
    parts.push_back("constant site background");
  } else {
    std::vector<std::string> sources;
    for (const LoadSeries& b : w.site_backgrounds) sources.push_back(b.source);
    parts.push_back(absl::StrFormat(
        "site background from %s (site i follows series i mod %d, each site shifted)",
        absl::StrJoin(sources, ", "), w.site_backgrounds.size()));
  }
  parts.push_back(w.link_background.values.empty()
                      ? "constant link background"
                      : absl::StrCat("link background from ", w.link_background.source));
  w.description = absl::StrJoin(parts, "; ");
  return w;
}

absl::StatusOr<std::map<std::string, double>> LoadIngressVolumes(
    const std::string& matrix, const std::string& node_map,
    const std::vector<std::string>& router_ids, std::vector<std::string>* unmatched) {
  absl::StatusOr<std::string> text = ReadAll(matrix);
  if (!text.ok()) return text.status();
  absl::StatusOr<std::map<std::string, double>> nodes = ParseTrafficMatrixSources(*text, matrix);
  if (!nodes.ok()) return nodes.status();
  std::map<std::string, std::string> map;
  if (!node_map.empty()) {
    absl::StatusOr<std::string> m = ReadAll(node_map);
    if (!m.ok()) return m.status();
    absl::StatusOr<std::map<std::string, std::string>> parsed = ParseNodeMap(*m, node_map);
    if (!parsed.ok()) return parsed.status();
    map = *std::move(parsed);
  }
  return IngressVolumes(*nodes, map, router_ids, unmatched);
}

}  // namespace cpn::lab::sim
