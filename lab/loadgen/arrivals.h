// The load generator's pure parts: parsing a rate schedule, drawing
// open-loop Poisson arrival times from it, and summarising per-request
// records. No I/O; callable from any thread.
#ifndef CPN_LAB_LOADGEN_ARRIVALS_H_
#define CPN_LAB_LOADGEN_ARRIVALS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lab/scenario/traces.h"

namespace cpn::lab {

// "RPS" (constant) or "T:RPS,T:RPS,..." (steps, times from 0 increasing,
// rates >= 0). INVALID_ARGUMENT names the bad part.
absl::StatusOr<std::vector<RatePoint>> ParseScheduleSpec(const std::string& spec);

// Arrival times (seconds from the start, increasing, < duration_s) of a
// Poisson process whose rate follows `steps` (non-homogeneous: memoryless
// restart at each step boundary). Seeded: same inputs, same times.
std::vector<double> PoissonArrivals(const std::vector<RatePoint>& steps, double duration_s,
                                    uint64_t seed);

// One request as the load generator saw it.
struct RequestRecord {
  uint64_t request_id = 0;
  std::string service;
  uint64_t connection = 0;  // which connection (flow) carried it
  int64_t send_unix_ns = 0;
  int64_t done_unix_ns = 0;
  std::string status = "OK";  // gRPC status code name
  std::string site_id;        // from the response; empty on failure
  double queue_wait_ms = 0;
  double service_time_ms = 0;
  double latency_ms() const { return static_cast<double>(done_unix_ns - send_unix_ns) / 1e6; }
};

struct SiteShare {
  uint64_t count = 0;
  double mean_latency_ms = 0;
};

struct LoadSummary {
  uint64_t sent = 0;
  uint64_t ok = 0;
  std::map<std::string, uint64_t> failures;                            // status -> count
  double mean_ms = 0, p50_ms = 0, p95_ms = 0, p99_ms = 0, max_ms = 0;  // of OK requests
  std::map<std::string, SiteShare> sites;                              // of OK requests
};

LoadSummary Summarise(const std::vector<RequestRecord>& records);

// The one-screen summary.
std::string FormatSummary(const LoadSummary& s, double duration_s);

// CSV with a header line; one row per record, in request_id order.
std::string FormatCsv(std::vector<RequestRecord> records, const std::string& client);

}  // namespace cpn::lab

#endif  // CPN_LAB_LOADGEN_ARRIVALS_H_
