// cpn-controller: the CPN controller process (docs/controller.md). Loads an
// optional topology, serves the northbound ControllerService, and runs the
// decision loop with the joint optimiser (controller/te) until SIGTERM or
// SIGINT, then shuts down cleanly. The work is done by
// controller/api/controller_server.h; this file reads flags and signals.
#include <signal.h>

#include <boost/program_options.hpp>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "controller/api/controller_server.h"
#include "controller/api/te_engine.h"
#include "controller/topology/topology_file.h"

namespace {

namespace po = boost::program_options;

struct Flags {
  std::string listen = "[::]:50060";
  std::string topology;
  std::string overlay;
  std::string sites_csv;
  bool default_service = false;
  int epoch_ms = 100;
  std::string controller_id = "cpn-controller";
  double metrics_fresh_s = 2;
  double metrics_max_age_s = 30;
  int metrics_skew_ms = 2000;
  int metrics_min_interval_ms = 100;
  int metrics_burst = 5;
  int max_watchers = 64;
  int k_paths = 4;
  double max_step = 0.1;
  bool no_damping = false;
};

int Run(const Flags& flags) {
  cpn::topology::v1::Topology topology;
  if (!flags.topology.empty()) {
    cpn::topology::LoadOptions load;
    load.overlay_path = flags.overlay;
    load.sites_csv_path = flags.sites_csv;
    load.add_default_service = flags.default_service;
    absl::StatusOr<cpn::topology::v1::Topology> t =
        cpn::topology::LoadTopologyFile(flags.topology, load);
    if (!t.ok()) {
      std::cerr << "cpn-controller: --topology: " << t.status().message() << "\n";
      return 2;
    }
    topology = *std::move(t);
  }

  cpn::api::ControllerServerOptions options;
  options.listen_address = flags.listen;
  options.controller_id = flags.controller_id;
  options.loop.epoch_interval = absl::Milliseconds(flags.epoch_ms);
  options.metrics.fresh_age = absl::Seconds(flags.metrics_fresh_s);
  options.metrics.max_age = absl::Seconds(flags.metrics_max_age_s);
  options.metrics.max_future_skew = absl::Milliseconds(flags.metrics_skew_ms);
  options.metrics.min_interval = absl::Milliseconds(flags.metrics_min_interval_ms);
  options.metrics.burst = flags.metrics_burst;
  options.max_watchers = flags.max_watchers;

  cpn::api::TeEngineOptions engine;
  engine.paths.k = flags.k_paths;
  engine.decision.damping.max_step = flags.max_step;
  engine.decision.damping_enabled = !flags.no_damping;
  engine.decision.staleness.fresh_age = options.metrics.fresh_age;
  engine.decision.staleness.max_age = options.metrics.max_age;

  // SIGTERM and SIGINT are taken by sigwait() below; block them before any
  // thread starts so that every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  absl::StatusOr<std::unique_ptr<cpn::api::ControllerServer>> server =
      cpn::api::ControllerServer::Start(options, std::move(topology),
                                        std::make_unique<cpn::api::TeDecisionEngine>(engine));
  if (!server.ok()) {
    std::cerr << "cpn-controller: " << server.status().message() << "\n";
    return server.status().code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  std::shared_ptr<const cpn::api::ModelSnapshot> snap = (*server)->model().Current();
  std::cout << "cpn-controller: model \"" << snap->model->name()
            << "\": " << snap->model->num_routers() << " routers, " << snap->model->num_links()
            << " links, " << snap->model->sites().size() << " sites, "
            << snap->model->services().size() << " services\n";
  std::cout << "cpn-controller: listening on " << (*server)->address() << " (port "
            << (*server)->port() << "), epoch " << flags.epoch_ms << " ms" << std::endl;

  int sig = 0;
  sigwait(&signals, &sig);
  std::cout << "cpn-controller: " << (sig == SIGTERM ? "SIGTERM" : "SIGINT") << ", shutting down"
            << std::endl;
  (*server)->Shutdown(absl::Seconds(2));
  server->reset();
  std::cout << "cpn-controller: stopped" << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Flags f;
  po::options_description desc(
      "cpn-controller: the CPN controller (northbound gRPC API, decision loop)\n\nOptions");
  desc.add_options()("help,h", "print this help")(
      "listen", po::value(&f.listen)->default_value(f.listen),
      "host:port to serve the northbound API on; port 0 picks a free port")(
      "topology", po::value(&f.topology),
      "topology file to load at start (.txtpb, or .graphml with --overlay/--sites-csv)")(
      "overlay", po::value(&f.overlay), "GraphML import overlay (with --topology FILE.graphml)")(
      "sites-csv", po::value(&f.sites_csv), "site list CSV to attach to the topology")(
      "default-service", po::bool_switch(&f.default_service),
      "add the default llm-inference service when the topology has none")(
      "epoch-ms", po::value(&f.epoch_ms)->default_value(f.epoch_ms),
      "time between periodic decisions, milliseconds (> 0)")(
      "controller-id", po::value(&f.controller_id)->default_value(f.controller_id),
      "this controller's identity (status, dataplane arbitration)")(
      "metrics-fresh-s", po::value(&f.metrics_fresh_s)->default_value(f.metrics_fresh_s),
      "metrics younger than this are used as reported, seconds")(
      "metrics-max-age-s", po::value(&f.metrics_max_age_s)->default_value(f.metrics_max_age_s),
      "older metrics are rejected on arrival and ignored when kept, seconds")(
      "metrics-skew-ms", po::value(&f.metrics_skew_ms)->default_value(f.metrics_skew_ms),
      "how far a report's measured_at may be ahead of this clock, milliseconds")(
      "metrics-min-interval-ms",
      po::value(&f.metrics_min_interval_ms)->default_value(f.metrics_min_interval_ms),
      "sustained reporting interval per (site, service), milliseconds (0: no limit)")(
      "metrics-burst", po::value(&f.metrics_burst)->default_value(f.metrics_burst),
      "reports per (site, service) accepted in a burst")(
      "max-watchers", po::value(&f.max_watchers)->default_value(f.max_watchers),
      "most WatchDecisions streams open at once")("k-paths",
                                                  po::value(&f.k_paths)->default_value(f.k_paths),
                                                  "candidate paths per (ingress, site router)")(
      "max-step", po::value(&f.max_step)->default_value(f.max_step),
      "damping: largest weight change per epoch, 0..1")(
      "no-damping", po::bool_switch(&f.no_damping), "install the solver's weights without damping");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "cpn-controller: " << e.what() << "\n" << desc << "\n";
    return 2;
  }
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return 0;
  }
  if (f.epoch_ms <= 0 || f.k_paths < 1 || !(f.max_step > 0 && f.max_step <= 1) ||
      f.metrics_burst < 1 || f.max_watchers < 1) {
    std::cerr << "cpn-controller: --epoch-ms, --k-paths, --metrics-burst and --max-watchers must "
                 "be >= 1, --max-step in (0, 1]\n";
    return 2;
  }
  return Run(f);
}
