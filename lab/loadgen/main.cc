// cpn-loadgen: open-loop request generator for the lab (docs/lab.md).
// Sends cpn.lab.v1.SiteService.Serve requests to a target (the service's
// anycast address) at Poisson arrival times following a rate schedule,
// records each request (send and completion time, serving site, status),
// writes them as CSV and prints a one-screen summary. The schedule comes
// from flags or from a scenario's client (--scenario, --client), with the
// scenario's load surges folded in. This file reads flags; the work is in
// arrivals.h and load_client.h.
#include <boost/program_options.hpp>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lab/loadgen/arrivals.h"
#include "lab/loadgen/load_client.h"
#include "lab/scenario/client_schedule.h"
#include "lab/scenario/scenario_file.h"
#include "lab/scenario/traces.h"

namespace {

namespace po = boost::program_options;

// Whether the user gave the flag (a default value does not count).
bool Given(const po::variables_map& vm, const char* name) {
  return vm.count(name) > 0 && !vm[name].defaulted();
}

struct Flags {
  std::string target;
  std::string scenario;
  std::string client = "client";
  std::string rate;
  std::string schedule;
  std::string rate_trace;
  double duration_s = 10;
  std::string services;
  int request_bytes = 0;
  int response_bytes = 0;
  int connections = 8;
  int requests_per_connection = 100;
  int timeout_ms = 30000;
  uint64_t seed = 1;
  std::string out;
};

absl::StatusOr<std::vector<cpn::lab::RatePoint>> TraceFile(const std::string& path) {
  absl::StatusOr<std::string> text = cpn::lab::ReadTextFile(path);
  if (!text.ok()) return text.status();
  return cpn::lab::ParseRateTrace(*text, path);
}

// Schedule, services, duration and seed from the scenario's client (flags
// given explicitly win).
absl::StatusOr<std::vector<cpn::lab::RatePoint>> FromScenario(const po::variables_map& vm,
                                                              Flags& f) {
  absl::StatusOr<cpn::lab::ResolvedScenario> s = cpn::lab::LoadScenarioFile(f.scenario);
  if (!s.ok()) return s.status();
  for (const auto& c : s->scenario.clients()) {
    if (c.id() != f.client) continue;
    std::vector<cpn::lab::RatePoint> trace;
    if (c.rate().has_trace()) {
      absl::StatusOr<std::vector<cpn::lab::RatePoint>> t =
          TraceFile(cpn::lab::ScenarioRelativePath(f.scenario, c.rate().trace().path()));
      if (!t.ok()) return t.status();
      trace = *t;
    }
    if (!Given(vm, "duration-s")) f.duration_s = s->scenario.duration_s();
    if (!Given(vm, "seed")) f.seed = cpn::lab::DeriveSeed(s->scenario.seed(), "client", c.id());
    if (!Given(vm, "services")) f.services = absl::StrJoin(c.services(), ",");
    if (!Given(vm, "request-bytes") && c.request_bytes() > 0)
      f.request_bytes = static_cast<int>(c.request_bytes());
    for (const auto& svc : s->topology.services()) {
      if (c.services_size() > 0 && svc.id() == c.services(0)) {
        if (!Given(vm, "request-bytes") && c.request_bytes() == 0)
          f.request_bytes = static_cast<int>(svc.mean_request_bytes());
        if (!Given(vm, "response-bytes"))
          f.response_bytes = static_cast<int>(svc.mean_response_bytes());
      }
    }
    return cpn::lab::ClientSchedule(s->scenario, c, trace);
  }
  return absl::InvalidArgumentError(absl::StrCat(f.scenario, ": no client \"", f.client, "\""));
}

int Run(const po::variables_map& vm, Flags f) {
  absl::StatusOr<std::vector<cpn::lab::RatePoint>> steps;
  const int given =
      (f.rate.empty() ? 0 : 1) + (f.schedule.empty() ? 0 : 1) + (f.rate_trace.empty() ? 0 : 1);
  if (given > 1 || (given == 0 && f.scenario.empty())) {
    std::cerr << "cpn-loadgen: give one of --rate, --schedule, --rate-trace, or --scenario with "
                 "--client\n";
    return 2;
  }
  if (!f.scenario.empty() && given == 0) {
    steps = FromScenario(vm, f);
  } else if (!f.rate_trace.empty()) {
    steps = TraceFile(f.rate_trace);
  } else {
    steps = cpn::lab::ParseScheduleSpec(f.rate.empty() ? f.schedule : f.rate);
  }
  if (!steps.ok()) {
    std::cerr << "cpn-loadgen: " << steps.status().message() << "\n";
    return 2;
  }
  if (!(f.duration_s > 0)) {
    std::cerr << "cpn-loadgen: --duration-s must be > 0\n";
    return 2;
  }
  cpn::lab::LoadOptions options;
  options.target = f.target;
  if (!f.services.empty()) options.services = absl::StrSplit(f.services, ',');
  options.request_bytes = static_cast<uint32_t>(f.request_bytes);
  options.response_bytes = static_cast<uint32_t>(f.response_bytes);
  options.connections = f.connections;
  options.requests_per_connection = f.requests_per_connection;
  options.timeout = absl::Milliseconds(f.timeout_ms);
  options.seed = f.seed;

  const std::vector<double> arrivals = cpn::lab::PoissonArrivals(*steps, f.duration_s, f.seed);
  std::cout << "cpn-loadgen: " << arrivals.size() << " requests to " << f.target << " over "
            << f.duration_s << " s, schedule " << cpn::lab::FormatSchedule(*steps) << " rps, "
            << f.connections << " connections renewed every " << f.requests_per_connection
            << " requests" << std::endl;
  std::vector<cpn::lab::RequestRecord> records = cpn::lab::RunLoad(options, arrivals);
  const cpn::lab::LoadSummary summary = cpn::lab::Summarise(records);
  if (!f.out.empty()) {
    std::ofstream out(f.out);
    out << cpn::lab::FormatCsv(records, f.client);
    if (!out.good()) {
      std::cerr << "cpn-loadgen: --out " << f.out << ": cannot write\n";
      return 1;
    }
  }
  std::cout << cpn::lab::FormatSummary(summary, f.duration_s);
  if (!f.out.empty())
    std::cout << "cpn-loadgen: wrote " << records.size() << " records to " << f.out << "\n";
  return summary.sent > 0 && summary.ok == 0 ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  Flags f;
  po::options_description desc(
      "cpn-loadgen: open-loop Poisson requests to a service address; per-request CSV and a "
      "summary\n\n"
      "Options");
  desc.add_options()("help,h", "print this help")("target", po::value(&f.target),
                                                  "host:port to send to (required)")(
      "scenario", po::value(&f.scenario),
      "scenario file: schedule, services, duration, seed of --client")(
      "client", po::value(&f.client)->default_value(f.client), "client id (scenario; CSV label)")(
      "rate", po::value(&f.rate), "constant rate, requests per second")(
      "schedule", po::value(&f.schedule), "piecewise rate TIME_S:RPS,... starting at 0")(
      "rate-trace", po::value(&f.rate_trace), "file of time_s,rps lines")(
      "duration-s", po::value(&f.duration_s)->default_value(f.duration_s),
      "length of the run, seconds")("services", po::value(&f.services),
                                    "service ids, comma-separated; each request picks one")(
      "request-bytes", po::value(&f.request_bytes)->default_value(f.request_bytes),
      "request payload, bytes")("response-bytes",
                                po::value(&f.response_bytes)->default_value(f.response_bytes),
                                "response payload asked for, bytes")(
      "connections", po::value(&f.connections)->default_value(f.connections),
      "channels (TCP connections, flows) used round-robin")(
      "requests-per-connection",
      po::value(&f.requests_per_connection)->default_value(f.requests_per_connection),
      "requests before a channel is replaced by a new connection (0: never)")(
      "timeout-ms", po::value(&f.timeout_ms)->default_value(f.timeout_ms),
      "per-request deadline, ms")("seed", po::value(&f.seed)->default_value(f.seed),
                                  "random seed of the arrivals")("out", po::value(&f.out),
                                                                 "CSV file of per-request records");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "cpn-loadgen: " << e.what() << "\n" << desc << "\n";
    return 2;
  }
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return 0;
  }
  if (f.target.empty() || f.connections < 1 || f.requests_per_connection < 0 || f.timeout_ms < 1 ||
      f.request_bytes < 0 || f.response_bytes < 0) {
    std::cerr << "cpn-loadgen: --target is required; --connections and --timeout-ms must be >= 1, "
                 "byte counts and --requests-per-connection >= 0\n";
    return 2;
  }
  return Run(vm, f);
}
