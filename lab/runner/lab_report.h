// The report of a lab run, from what the run collected: every request
// (cpn-loadgen's CSV rows), the controller's weights over time and the
// scenario's events. Writes CSV files, SVG charts and a Markdown page, and a
// one-screen summary. Pure (the caller writes the files); any thread.
//
// Per client, completion-time percentiles (p50/p95/p99) per time bin by send
// time; per site, the requests it served per second and its utilisation
// (busy server-seconds from each request's service time over servers × bin);
// per demand, the weights over time; events as shaded spans.
#ifndef CPN_LAB_RUNNER_LAB_REPORT_H_
#define CPN_LAB_RUNNER_LAB_REPORT_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lab/runner/timeline.h"

namespace cpn::lab {

// One weight in force: (ingress, service) -> site.
struct WeightSample {
  double t_s = 0;  // seconds since the run started
  std::string ingress, service, site, basis;
  double weight = 0;
};

// A site's metrics as the controller holds them (its last report).
struct SiteMetricSample {
  double t_s = 0;
  std::string site, service, freshness;  // FRESH, STALE, MISSING
  double utilisation = 0, queue_length = 0, arrival_rps = 0;
};

struct RequestRecord {
  std::string client, service, status, site;
  double send_s = 0;      // since the run's start
  double latency_ms = 0;  // completion time
  double service_ms = 0;  // at the site
  double queue_ms = 0;
};

// Rows of a cpn-loadgen CSV (header required), times made relative to
// `start_unix_ns`. INVALID_ARGUMENT "<source>:<line>: ..." on a bad row.
absl::StatusOr<std::vector<RequestRecord>> ParseLoadgenCsv(const std::string& text,
                                                           const std::string& source,
                                                           int64_t start_unix_ns);

// A controller restart as the run saw it, seconds since the start: the
// kill, and when every dataplane was programmed again (< 0: not before the
// end).
struct ControllerRestartRecord {
  double killed_s = 0;
  double programmed_s = -1;
};

struct ReportInput {
  std::string title;  // "four-router, policy cpn"
  double duration_s = 0;
  double bin_s = 1;
  std::vector<RequestRecord> requests;
  std::vector<WeightSample> weights;
  std::vector<SiteMetricSample> site_metrics;
  std::vector<MarkedEvent> events;
  std::map<std::string, int> site_servers;  // servers per site (all services)
  // Summarised as the requests sent from the kill until reprogrammed, and
  // how many failed.
  std::vector<ControllerRestartRecord> controller_restarts;
};

struct Report {
  std::map<std::string, std::string> files;  // file name -> content
  std::string summary;                       // printed at the end of a run
};

Report MakeReport(const ReportInput& input);

// Share of the OK requests of `client` sent in [from_s, to_s) served by
// each site.
std::map<std::string, double> SiteShares(const std::vector<RequestRecord>& requests,
                                         const std::string& client, double from_s, double to_s);

// Nearest-rank percentile (0 < p <= 100) of `values`; 0 when empty.
double Percentile(std::vector<double> values, double p);

}  // namespace cpn::lab

#endif  // CPN_LAB_RUNNER_LAB_REPORT_H_
