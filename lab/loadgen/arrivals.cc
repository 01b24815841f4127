#include "lab/loadgen/arrivals.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace cpn::lab {

absl::StatusOr<std::vector<RatePoint>> ParseScheduleSpec(const std::string& spec) {
  std::vector<RatePoint> out;
  double constant = 0;
  if (absl::SimpleAtod(spec, &constant)) {
    if (!(std::isfinite(constant) && constant >= 0))
      return absl::InvalidArgumentError(absl::StrCat("rate \"", spec, "\" must be >= 0"));
    out.push_back({0, constant});
    return out;
  }
  for (absl::string_view part : absl::StrSplit(spec, ',')) {
    std::vector<std::string> tr = absl::StrSplit(part, ':');
    RatePoint p;
    if (tr.size() != 2 || !absl::SimpleAtod(tr[0], &p.at_s) || !absl::SimpleAtod(tr[1], &p.rps) ||
        !std::isfinite(p.at_s) || !std::isfinite(p.rps) || p.rps < 0) {
      return absl::InvalidArgumentError(absl::StrCat("schedule \"", spec, "\": step \"",
                                                     std::string(part),
                                                     "\" is not TIME_S:RPS with RPS >= 0"));
    }
    if ((out.empty() && p.at_s != 0) || (!out.empty() && p.at_s <= out.back().at_s)) {
      return absl::InvalidArgumentError(
          absl::StrCat("schedule \"", spec, "\": times must start at 0 and increase"));
    }
    out.push_back(p);
  }
  return out;
}

std::vector<double> PoissonArrivals(const std::vector<RatePoint>& steps, double duration_s,
                                    uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::exponential_distribution<double> unit(1.0);
  std::vector<double> out;
  for (size_t i = 0; i < steps.size(); ++i) {
    const double from = steps[i].at_s;
    const double to = std::min(duration_s, i + 1 < steps.size() ? steps[i + 1].at_s : duration_s);
    if (steps[i].rps <= 0 || from >= to) continue;
    for (double t = from + unit(rng) / steps[i].rps; t < to; t += unit(rng) / steps[i].rps) {
      out.push_back(t);
    }
  }
  return out;
}

namespace {

double Percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  // Nearest rank.
  const size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

}  // namespace

LoadSummary Summarise(const std::vector<RequestRecord>& records) {
  LoadSummary s;
  std::vector<double> latencies;
  for (const RequestRecord& r : records) {
    ++s.sent;
    if (r.status != "OK") {
      ++s.failures[r.status];
      continue;
    }
    ++s.ok;
    latencies.push_back(r.latency_ms());
    SiteShare& site = s.sites[r.site_id];
    ++site.count;
    site.mean_latency_ms += r.latency_ms();
  }
  for (auto& [id, site] : s.sites) site.mean_latency_ms /= static_cast<double>(site.count);
  std::sort(latencies.begin(), latencies.end());
  if (!latencies.empty()) {
    double sum = 0;
    for (double l : latencies) sum += l;
    s.mean_ms = sum / static_cast<double>(latencies.size());
    s.p50_ms = Percentile(latencies, 0.50);
    s.p95_ms = Percentile(latencies, 0.95);
    s.p99_ms = Percentile(latencies, 0.99);
    s.max_ms = latencies.back();
  }
  return s;
}

std::string FormatSummary(const LoadSummary& s, double duration_s) {
  std::string out =
      absl::StrFormat("requests  %d sent, %d ok, %d failed, %.1f/s over %.1f s\n", s.sent, s.ok,
                      s.sent - s.ok, duration_s > 0 ? s.sent / duration_s : 0.0, duration_s);
  for (const auto& [status, n] : s.failures)
    absl::StrAppendFormat(&out, "  failed  %-20s %d\n", status, n);
  absl::StrAppendFormat(&out, "latency   mean %.2f  p50 %.2f  p95 %.2f  p99 %.2f  max %.2f ms\n",
                        s.mean_ms, s.p50_ms, s.p95_ms, s.p99_ms, s.max_ms);
  absl::StrAppendFormat(&out, "%-40s %10s %7s %12s\n", "site", "requests", "share", "mean_ms");
  for (const auto& [id, site] : s.sites) {
    absl::StrAppendFormat(&out, "%-40s %10d %6.1f%% %12.2f\n", id, site.count,
                          s.ok > 0 ? 100.0 * site.count / s.ok : 0.0, site.mean_latency_ms);
  }
  return out;
}

std::string FormatCsv(std::vector<RequestRecord> records, const std::string& client) {
  std::sort(records.begin(), records.end(), [](const RequestRecord& a, const RequestRecord& b) {
    return a.request_id < b.request_id;
  });
  std::string out =
      "client,request_id,service,connection,send_unix_ns,done_unix_ns,latency_ms,status,site_id,"
      "queue_wait_ms,service_time_ms\n";
  for (const RequestRecord& r : records) {
    absl::StrAppendFormat(&out, "%s,%d,%s,%d,%d,%d,%.3f,%s,%s,%.3f,%.3f\n", client, r.request_id,
                          r.service, r.connection, r.send_unix_ns, r.done_unix_ns, r.latency_ms(),
                          r.status, r.site_id, r.queue_wait_ms, r.service_time_ms);
  }
  return out;
}

}  // namespace cpn::lab
