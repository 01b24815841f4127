// cpn-site: an emulated compute site (docs/lab.md). Serves
// cpn.lab.v1.SiteService on a real socket with c servers, a FIFO queue and
// service times drawn from a model, and reports its load to cpn-controller
// as a CATS metric agent would, until SIGTERM or SIGINT. The settings come
// from flags, or from a scenario's site (--scenario); flags given override
// the scenario. This file reads flags and signals; the work is in
// site_server.h and metric_agent.h.
#include <signal.h>

#include <boost/program_options.hpp>
#include <iostream>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lab/scenario/scenario_file.h"
#include "lab/scenario/traces.h"
#include "lab/site/metric_agent.h"
#include "lab/site/service_time.h"
#include "lab/site/site_server.h"

namespace {

namespace po = boost::program_options;

// Whether the user gave the flag (a default value does not count).
bool Given(const po::variables_map& vm, const char* name) {
  return vm.count(name) > 0 && !vm[name].defaulted();
}

struct Flags {
  std::string scenario;
  std::string listen = "[::]:0";
  std::string site;
  std::string service;
  int servers = 1;
  std::string service_time = "exponential:100";
  std::string controller;
  int report_interval_ms = 500;
  int metric_delay_ms = 0;
  uint64_t seed = 1;
  int max_queue = 100000;
};

// Fills the flags the user did not give from the scenario's site.
absl::Status FromScenario(const po::variables_map& vm, Flags& f,
                          cpn::lab::v1::ServiceTimeModel& model, std::string& trace_base) {
  absl::StatusOr<cpn::lab::ResolvedScenario> s = cpn::lab::LoadScenarioFile(f.scenario);
  if (!s.ok()) return s.status();
  for (const auto& site : s->scenario.sites()) {
    if (site.id() != f.site) continue;
    for (const auto& svc : site.services()) {
      if (!f.service.empty() && svc.service_id() != f.service) continue;
      f.service = svc.service_id();
      if (!Given(vm, "servers")) f.servers = static_cast<int>(svc.servers());
      if (!Given(vm, "service-time")) {
        model = svc.service_time();
        trace_base = f.scenario;
      }
      if (!Given(vm, "report-interval-ms") && site.metrics().interval_ms() != 0)
        f.report_interval_ms = static_cast<int>(site.metrics().interval_ms());
      if (!Given(vm, "metric-delay-ms"))
        f.metric_delay_ms = static_cast<int>(site.metrics().delay_ms());
      if (!Given(vm, "seed")) f.seed = s->scenario.seed();
      return absl::OkStatus();
    }
    return absl::InvalidArgumentError(
        absl::StrCat(f.scenario, ": site \"", f.site, "\" does not serve \"", f.service, "\""));
  }
  return absl::InvalidArgumentError(absl::StrCat(f.scenario, ": no site \"", f.site, "\""));
}

int Run(const po::variables_map& vm, Flags f) {
  cpn::lab::v1::ServiceTimeModel model;
  std::string trace_base;  // the scenario a trace path is relative to
  if (!f.scenario.empty()) {
    absl::Status s = FromScenario(vm, f, model, trace_base);
    if (!s.ok()) {
      std::cerr << "cpn-site: --scenario: " << s.message() << "\n";
      return 2;
    }
  }
  if (f.scenario.empty() || Given(vm, "service-time")) {
    absl::StatusOr<cpn::lab::v1::ServiceTimeModel> m =
        cpn::lab::ParseServiceTimeSpec(f.service_time);
    if (!m.ok()) {
      std::cerr << "cpn-site: --service-time: " << m.status().message() << "\n";
      return 2;
    }
    model = *m;
  }
  std::vector<double> trace;
  if (model.has_trace()) {
    const std::string path = trace_base.empty()
                                 ? model.trace().path()
                                 : cpn::lab::ScenarioRelativePath(trace_base, model.trace().path());
    absl::StatusOr<std::string> text = cpn::lab::ReadTextFile(path);
    absl::StatusOr<std::vector<double>> times =
        text.ok() ? cpn::lab::ParseServiceTimeTrace(*text, path) : text.status();
    if (!times.ok()) {
      std::cerr << "cpn-site: service-time trace: " << times.status().message() << "\n";
      return 2;
    }
    trace = *std::move(times);
  }
  absl::StatusOr<cpn::lab::ServiceTimeSampler> sampler = cpn::lab::ServiceTimeSampler::Create(
      model, std::move(trace), cpn::lab::DeriveSeed(f.seed, f.site, f.service));
  if (!sampler.ok()) {
    std::cerr << "cpn-site: " << sampler.status().message() << "\n";
    return 2;
  }
  const std::string description = sampler->Describe();

  sigset_t signals;  // taken by sigwait() below; blocked before any thread starts
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  cpn::lab::SiteServerOptions options;
  options.listen_address = f.listen;
  options.site_id = f.site;
  options.service_id = f.service;
  options.servers = f.servers;
  options.max_queue = static_cast<size_t>(f.max_queue);
  options.metric_delay_ms = static_cast<uint32_t>(f.metric_delay_ms);
  absl::StatusOr<std::unique_ptr<cpn::lab::SiteServer>> server =
      cpn::lab::SiteServer::Start(options, *std::move(sampler));
  if (!server.ok()) {
    std::cerr << "cpn-site: " << server.status().message() << "\n";
    return 1;
  }
  std::cout << "cpn-site: site \"" << f.site << "\" service \"" << f.service << "\": " << f.servers
            << " servers, service time " << description << "\n";
  std::cout << "cpn-site: listening on " << f.listen << " (port " << (*server)->port() << ")"
            << std::endl;

  std::unique_ptr<cpn::lab::MetricAgent> agent;
  if (!f.controller.empty()) {
    cpn::lab::MetricAgentOptions a;
    a.controller_address = f.controller;
    a.site_id = f.site;
    a.service_id = f.service;
    a.servers = f.servers;
    a.interval = absl::Milliseconds(f.report_interval_ms);
    cpn::lab::SiteServer* s = server->get();
    agent = std::make_unique<cpn::lab::MetricAgent>(
        a, [s] { return s->TakeWindow(); }, [s] { return s->metric_delay_ms(); });
    agent->Start();
    std::cout << "cpn-site: reporting to " << f.controller << " every " << f.report_interval_ms
              << " ms, delay " << f.metric_delay_ms << " ms" << std::endl;
  }

  int sig = 0;
  sigwait(&signals, &sig);
  std::cout << "cpn-site: " << (sig == SIGTERM ? "SIGTERM" : "SIGINT") << ", shutting down"
            << std::endl;
  if (agent != nullptr) {
    agent->Stop();
    std::cout << "cpn-site: reports sent " << agent->sent() << ", accepted " << agent->accepted()
              << ", rejected " << agent->rejected() << "\n";
  }
  (*server)->Shutdown();
  server->reset();
  std::cout << "cpn-site: stopped" << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Flags f;
  po::options_description desc(
      "cpn-site: an emulated compute site (c servers, FIFO queue, service-time model) that\n"
      "reports its load to cpn-controller\n\nOptions");
  desc.add_options()("help,h", "print this help")(
      "scenario", po::value(&f.scenario),
      "scenario file: take servers, service time, reporting and seed from its --site")(
      "listen", po::value(&f.listen)->default_value(f.listen),
      "host:port to serve cpn.lab.v1.SiteService on; port 0 picks a free port (printed)")(
      "site", po::value(&f.site), "site id (required)")("service", po::value(&f.service),
                                                        "service id (required without --scenario)")(
      "servers", po::value(&f.servers)->default_value(f.servers), "parallel servers c, >= 1")(
      "service-time", po::value(&f.service_time)->default_value(f.service_time),
      "exponential:MEAN_MS, deterministic:MS, lognormal:MEAN_MS,SIGMA or trace:FILE")(
      "controller", po::value(&f.controller),
      "cpn-controller host:port to report metrics to (none: no reports)")(
      "report-interval-ms", po::value(&f.report_interval_ms)->default_value(f.report_interval_ms),
      "time between metric reports, ms (>= 10)")(
      "metric-delay-ms", po::value(&f.metric_delay_ms)->default_value(f.metric_delay_ms),
      "extra delay of each report, ms")("seed", po::value(&f.seed)->default_value(f.seed),
                                        "random seed of the service times")(
      "max-queue", po::value(&f.max_queue)->default_value(f.max_queue),
      "requests waiting at most; more are refused (RESOURCE_EXHAUSTED)");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "cpn-site: " << e.what() << "\n" << desc << "\n";
    return 2;
  }
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return 0;
  }
  if (f.site.empty() || (f.scenario.empty() && f.service.empty())) {
    std::cerr << "cpn-site: --site is required, and --service without --scenario\n";
    return 2;
  }
  if (f.servers < 1 || f.report_interval_ms < 10 || f.metric_delay_ms < 0 || f.max_queue < 0) {
    std::cerr << "cpn-site: --servers must be >= 1, --report-interval-ms >= 10, --metric-delay-ms "
                 "and --max-queue >= 0\n";
    return 2;
  }
  return Run(vm, f);
}
