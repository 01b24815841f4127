#include "lab/runner/lab_report.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lab/sim/svg_chart.h"

namespace cpn::lab {
namespace {

using sim::ChartOptions;
using sim::ChartSeries;

constexpr char kHeader[] =
    "client,request_id,service,connection,send_unix_ns,done_unix_ns,latency_ms,status,site_id,"
    "queue_wait_ms,service_time_ms";

std::vector<ChartOptions::Band> Bands(const std::vector<MarkedEvent>& events, double duration) {
  std::vector<ChartOptions::Band> out;
  for (const MarkedEvent& e : events) {
    out.push_back({e.from_s, std::max(e.to_s, e.from_s + duration / 200), e.label});
  }
  return out;
}

std::string FileSafe(std::string s) {
  for (char& c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
  }
  return s;
}

}  // namespace

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * values.size()));
  return values[std::clamp<size_t>(rank, 1, values.size()) - 1];
}

absl::StatusOr<std::vector<RequestRecord>> ParseLoadgenCsv(const std::string& text,
                                                           const std::string& source,
                                                           int64_t start_unix_ns) {
  std::vector<RequestRecord> out;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    if (line.empty()) continue;
    if (line_no == 1) {
      if (line != kHeader)
        return absl::InvalidArgumentError(absl::StrCat(source, ":1: not a cpn-loadgen CSV header"));
      continue;
    }
    std::vector<std::string> f = absl::StrSplit(line, ',');
    RequestRecord r;
    int64_t send = 0;
    if (f.size() != 11 || !absl::SimpleAtoi(f[4], &send) ||
        !absl::SimpleAtod(f[6], &r.latency_ms) || !absl::SimpleAtod(f[9], &r.queue_ms) ||
        !absl::SimpleAtod(f[10], &r.service_ms)) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ":", line_no, ": expected 11 fields as cpn-loadgen writes them"));
    }
    r.client = f[0];
    r.service = f[2];
    r.status = f[7];
    r.site = f[8];
    r.send_s = static_cast<double>(send - start_unix_ns) / 1e9;
    out.push_back(std::move(r));
  }
  return out;
}

std::map<std::string, double> SiteShares(const std::vector<RequestRecord>& requests,
                                         const std::string& client, double from_s, double to_s) {
  std::map<std::string, double> out;
  double n = 0;
  for (const RequestRecord& r : requests) {
    if (r.client != client || r.status != "OK" || r.send_s < from_s || r.send_s >= to_s) continue;
    out[r.site] += 1;
    n += 1;
  }
  for (auto& [site, v] : out) v /= n;
  return out;
}

Report MakeReport(const ReportInput& in) {
  Report rep;
  const double bin = in.bin_s > 0 ? in.bin_s : 1;
  const int bins = std::max(1, static_cast<int>(std::ceil(in.duration_s / bin)));
  std::set<std::string> clients, sites;
  for (const RequestRecord& r : in.requests) {
    clients.insert(r.client);
    if (!r.site.empty()) sites.insert(r.site);
  }
  for (const auto& [s, n] : in.site_servers) sites.insert(s);
  const auto bands = Bands(in.events, in.duration_s);
  auto bin_of = [&](double t) {
    return std::clamp(static_cast<int>(std::floor(t / bin)), 0, bins - 1);
  };

  std::string md = absl::StrCat("# Lab run: ", in.title, "\n\n");
  absl::StrAppend(&md, "Duration ", in.duration_s, " s, ", in.requests.size(),
                  " requests. Events: ");
  std::vector<std::string> ev;
  for (const MarkedEvent& e : in.events)
    ev.push_back(e.to_s > e.from_s ? absl::StrFormat("%s (%g–%g s)", e.label, e.from_s, e.to_s)
                                   : absl::StrFormat("%s (%g s)", e.label, e.from_s));
  absl::StrAppend(&md, ev.empty() ? "none" : absl::StrJoin(ev, "; "), ".\n\n");

  // Completion-time percentiles per client.
  std::string ts_csv = "client,bin_start_s,requests,failed,p50_ms,p95_ms,p99_ms\n";
  const std::string header =
      absl::StrFormat("%-14s %8s %7s %9s %9s %9s  %s\n", "client", "requests", "failed", "p50_ms",
                      "p95_ms", "p99_ms", "served by");
  std::string summary = header;
  for (const std::string& c : clients) {
    std::vector<std::vector<double>> lat(bins);
    std::vector<int> failed(bins, 0);
    std::vector<double> all;
    int total = 0, total_failed = 0;
    std::map<std::string, int> by_site;
    for (const RequestRecord& r : in.requests) {
      if (r.client != c) continue;
      ++total;
      const int b = bin_of(r.send_s);
      if (r.status != "OK") {
        ++failed[b];
        ++total_failed;
        continue;
      }
      lat[b].push_back(r.latency_ms);
      all.push_back(r.latency_ms);
      ++by_site[r.site];
    }
    ChartSeries p50{"p50", {}, {}}, p95{"p95", {}, {}}, p99{"p99", {}, {}, true};
    for (int b = 0; b < bins; ++b) {
      const double t = (b + 0.5) * bin;
      absl::StrAppendFormat(&ts_csv, "%s,%g,%d,%d,%.3f,%.3f,%.3f\n", c, b * bin,
                            static_cast<int>(lat[b].size()) + failed[b], failed[b],
                            Percentile(lat[b], 50), Percentile(lat[b], 95), Percentile(lat[b], 99));
      if (lat[b].empty()) continue;
      p50.x.push_back(t);
      p50.y.push_back(Percentile(lat[b], 50));
      p95.x.push_back(t);
      p95.y.push_back(Percentile(lat[b], 95));
      p99.x.push_back(t);
      p99.y.push_back(Percentile(lat[b], 99));
    }
    ChartOptions o;
    o.title = absl::StrCat("Completion time, client ", c);
    o.x_label = "time (s), by send time";
    o.y_label = "ms";
    o.x_min = 0;
    o.x_max = in.duration_s;
    o.y_min = 0;
    o.bands = bands;
    const std::string file = absl::StrCat("latency-", FileSafe(c), ".svg");
    rep.files[file] = sim::RenderLineChart({p50, p95, p99}, o);
    absl::StrAppend(&md, "## Client ", c, "\n\n![](", file, ")\n\n");
    std::vector<std::string> shares;
    for (const auto& [s, n] : by_site)
      shares.push_back(
          absl::StrFormat("%s %.0f%%", s, 100.0 * n / std::max<size_t>(1, all.size())));
    const std::string line = absl::StrFormat("%-14s %8d %7d %9.1f %9.1f %9.1f  %s\n", c, total,
                                             total_failed, Percentile(all, 50), Percentile(all, 95),
                                             Percentile(all, 99), absl::StrJoin(shares, ", "));
    absl::StrAppend(&summary, line);
    absl::StrAppend(&md, "```\n", header, line, "```\n\n");
  }

  // Sites: requests served per second and utilisation.
  std::string site_csv = "site,bin_start_s,requests_per_s,utilisation\n";
  std::vector<ChartSeries> served, util;
  for (const std::string& s : sites) {
    std::vector<double> count(bins, 0), busy(bins, 0);
    for (const RequestRecord& r : in.requests) {
      if (r.site != s || r.status != "OK") continue;
      count[bin_of(r.send_s)] += 1;
      // Busy from the end of its queue wait for its service time.
      const double b0 = r.send_s + (r.latency_ms - r.service_ms) / 1000.0;
      const double b1 = b0 + r.service_ms / 1000.0;
      for (int b = bin_of(b0); b <= bin_of(b1); ++b) {
        busy[b] += std::max(0.0, std::min(b1, (b + 1) * bin) - std::max(b0, b * bin));
      }
    }
    const auto it = in.site_servers.find(s);
    const int servers = it == in.site_servers.end() ? 0 : it->second;
    ChartSeries sv{s, {}, {}}, ut{s, {}, {}};
    for (int b = 0; b < bins; ++b) {
      const double u = servers > 0 ? busy[b] / (servers * bin) : 0;
      absl::StrAppendFormat(&site_csv, "%s,%g,%.2f,%.3f\n", s, b * bin, count[b] / bin, u);
      sv.x.push_back((b + 0.5) * bin);
      sv.y.push_back(count[b] / bin);
      ut.x.push_back((b + 0.5) * bin);
      ut.y.push_back(u);
    }
    served.push_back(sv);
    util.push_back(ut);
  }
  ChartOptions so;
  so.title = "Requests served per site (by send time)";
  so.x_label = "time (s)";
  so.y_label = "requests/s";
  so.x_min = 0;
  so.x_max = in.duration_s;
  so.y_min = 0;
  so.bands = bands;
  rep.files["sites-served.svg"] = sim::RenderLineChart(served, so);
  ChartOptions uo = so;
  uo.title = "Site utilisation (busy servers / servers)";
  uo.y_label = "utilisation";
  uo.y_max = 1.05;
  uo.y_reference = 1.0;
  rep.files["sites-utilisation.svg"] = sim::RenderLineChart(util, uo);
  absl::StrAppend(&md, "## Sites\n\n![](sites-served.svg)\n\n![](sites-utilisation.svg)\n\n");

  // The sites' reports as the controller held them (policy cpn only: the
  // baselines' sites do not report).
  std::string m_csv = "t_s,site,service,freshness,utilisation,queue_length,arrival_rps\n";
  std::map<std::string, ChartSeries> reported;
  for (const SiteMetricSample& m : in.site_metrics) {
    absl::StrAppendFormat(&m_csv, "%.3f,%s,%s,%s,%.4f,%.1f,%.2f\n", m.t_s, m.site, m.service,
                          m.freshness, m.utilisation, m.queue_length, m.arrival_rps);
    if (m.freshness == "MISSING") continue;
    ChartSeries& c = reported[absl::StrCat(m.site, " ", m.service)];
    c.name = absl::StrCat(m.site, " ", m.service);
    c.x.push_back(m.t_s);
    c.y.push_back(m.utilisation);
  }
  rep.files["site_metrics.csv"] = m_csv;
  if (!reported.empty()) {
    std::vector<ChartSeries> v;
    for (const auto& [k, c] : reported) v.push_back(c);
    ChartOptions ro = uo;
    ro.title = "Site utilisation as reported to the controller";
    rep.files["sites-reported.svg"] = sim::RenderLineChart(v, ro);
    absl::StrAppend(&md, "![](sites-reported.svg)\n\n");
  }

  // Weights over time, per demand.
  std::string w_csv = "t_s,ingress,service,site,weight,basis\n";
  std::map<std::string, std::map<std::string, ChartSeries>> by_demand;
  for (const WeightSample& w : in.weights) {
    absl::StrAppendFormat(&w_csv, "%.3f,%s,%s,%s,%.4f,%s\n", w.t_s, w.ingress, w.service, w.site,
                          w.weight, w.basis);
    ChartSeries& s = by_demand[absl::StrCat(w.ingress, " ", w.service)][w.site];
    s.name = w.site;
    s.x.push_back(w.t_s);
    s.y.push_back(w.weight);
  }
  if (!by_demand.empty()) absl::StrAppend(&md, "## Weights in force (controller)\n\n");
  for (const auto& [demand, series] : by_demand) {
    std::vector<ChartSeries> v;
    for (const auto& [site, s] : series) v.push_back(s);
    ChartOptions o = so;
    o.title = absl::StrCat("Weights, ", demand);
    o.y_label = "weight";
    o.y_max = 1.05;
    const std::string file = absl::StrCat("weights-", FileSafe(demand), ".svg");
    rep.files[file] = sim::RenderLineChart(v, o);
    absl::StrAppend(&md, "![](", file, ")\n\n");
  }
  absl::StrAppend(&md,
                  "## Files\n\n`requests.csv` (every request), `latency.csv` (percentiles per "
                  "client and bin), `sites.csv` (per site and bin), `weights.csv` (the "
                  "controller's weights, sampled), `site_metrics.csv` (the sites' last reports "
                  "as the controller held them, sampled).\n");

  std::string req_csv =
      "client,service,send_s,latency_ms,status,site,queue_wait_ms,service_time_ms\n";
  for (const RequestRecord& r : in.requests) {
    absl::StrAppendFormat(&req_csv, "%s,%s,%.6f,%.3f,%s,%s,%.3f,%.3f\n", r.client, r.service,
                          r.send_s, r.latency_ms, r.status, r.site, r.queue_ms, r.service_ms);
  }
  rep.files["requests.csv"] = req_csv;
  rep.files["latency.csv"] = ts_csv;
  rep.files["sites.csv"] = site_csv;
  rep.files["weights.csv"] = w_csv;

  // Where new requests went, before and during each spanning event.
  std::string windows;
  for (const MarkedEvent& e : in.events) {
    if (e.to_s <= e.from_s) continue;
    for (const std::string& c : clients) {
      auto fmt = [](const std::map<std::string, double>& m) {
        std::vector<std::string> v;
        for (const auto& [s, x] : m) v.push_back(absl::StrFormat("%s %.0f%%", s, 100 * x));
        return v.empty() ? std::string("-") : absl::StrJoin(v, ", ");
      };
      absl::StrAppendFormat(&windows, "%s, client %s: before %s | during %s | after %s\n", e.label,
                            c, fmt(SiteShares(in.requests, c, 0, e.from_s)),
                            fmt(SiteShares(in.requests, c, e.from_s, e.to_s)),
                            fmt(SiteShares(in.requests, c, e.to_s, in.duration_s + 60)));
    }
  }
  // Requests sent from each controller kill until the dataplanes were
  // programmed again (or the end), and how many failed.
  std::string restarts;
  for (const ControllerRestartRecord& r : in.controller_restarts) {
    const double until = r.programmed_s >= 0 ? r.programmed_s : in.duration_s;
    int sent = 0, failed = 0;
    for (const RequestRecord& q : in.requests) {
      if (q.send_s < r.killed_s || q.send_s >= until) continue;
      ++sent;
      failed += q.status != "OK";
    }
    absl::StrAppendFormat(
        &restarts, "controller restart at %.1f s: %s; requests sent meanwhile %d, failed %d\n",
        r.killed_s,
        r.programmed_s >= 0 ? absl::StrFormat("every dataplane programmed again %.2f s later",
                                              r.programmed_s - r.killed_s)
                            : std::string("dataplanes not programmed again before the end"),
        sent, failed);
  }
  rep.summary = absl::StrCat("Run ", in.title, "\n", summary, windows, restarts);
  if (!windows.empty()) absl::StrAppend(&md, "\n## Where requests went\n\n```\n", windows, "```\n");
  if (!restarts.empty())
    absl::StrAppend(&md, "\n## Controller restarts\n\n```\n", restarts, "```\n");
  rep.files["report.md"] = md;
  return rep;
}

}  // namespace cpn::lab
