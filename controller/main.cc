// cpn-controller: the CPN controller process (docs/controller.md). Loads an
// optional topology, serves the northbound ControllerService, and runs the
// decision loop with the joint optimiser (controller/te) until SIGTERM or
// SIGINT, then shuts down cleanly. The work is done by
// controller/api/controller_server.h; this file reads flags and signals.
#include <signal.h>

#include <boost/program_options.hpp>
#include <cstdlib>
#include <iostream>
#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "controller/api/controller_server.h"
#include "controller/api/te_engine.h"
#include "controller/model/ip_address.h"
#include "common/telemetry/metrics_http_server.h"
#include "controller/southbound/southbound_client.h"
#include "controller/telemetry/controller_metrics.h"
#include "controller/telemetry/decision_events.h"
#include "controller/telemetry/event_log.h"
#include "controller/telemetry/event_recorder.h"
#include "controller/telemetry/telemetry_service.h"
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
  uint64_t election_id = 1;
  std::vector<std::string> site_gateway_macs;
  double adopt_grace_s = 10;
  double drain_s = 60;
  bool emulate_links = false;
  std::string fallback_weights = "static";
  double metrics_smoothing_s = 2;
  int metrics_trigger_ms = 10;
  std::string metrics_listen;
  std::string event_log;
  int event_log_max_mb = 64;
  int event_log_files = 5;
  int max_subscriptions = 64;
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
  engine.decision.solver.fallback = flags.fallback_weights == "nearest"
                                        ? cpn::te::FallbackWeights::kNearest
                                        : cpn::te::FallbackWeights::kStatic;
  engine.decision.staleness.fresh_age = options.metrics.fresh_age;
  engine.decision.staleness.max_age = options.metrics.max_age;
  engine.smooth_metrics = flags.metrics_smoothing_s > 0;
  if (engine.smooth_metrics)
    engine.smoothing.time_constant = absl::Seconds(flags.metrics_smoothing_s);

  // SIGTERM and SIGINT are taken by sigwait() below; block them before any
  // thread starts so that every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  options.metrics_trigger_interval = absl::Milliseconds(flags.metrics_trigger_ms);

  // Telemetry (docs/telemetry.md): the event log, the recorder that feeds
  // it and the Subscribe streams, and TelemetryService on the API port.
  std::unique_ptr<cpn::controller_telemetry::EventLog> event_log;
  if (!flags.event_log.empty()) {
    cpn::controller_telemetry::EventLogOptions lo;
    lo.path = flags.event_log;
    lo.max_file_bytes = static_cast<uint64_t>(flags.event_log_max_mb) << 20;
    lo.keep_files = flags.event_log_files;
    absl::StatusOr<std::unique_ptr<cpn::controller_telemetry::EventLog>> l =
        cpn::controller_telemetry::EventLog::Open(lo);
    if (!l.ok()) {
      std::cerr << "cpn-controller: --event-log: " << l.status().message() << "\n";
      return 2;
    }
    event_log = *std::move(l);
  }
  cpn::controller_telemetry::EventRecorder events(flags.controller_id, event_log.get());
  // Set once the southbound client exists; read by telemetry threads.
  std::atomic<const cpn::southbound::SouthboundClient*> southbound_ptr{nullptr};
  options.extra_services = [&](cpn::api::ControllerServer& s) {
    s.hub().SetSink(cpn::controller_telemetry::DecisionEventSink(&events));
    cpn::controller_telemetry::TelemetrySubscriptions subscriptions(
        &s.loop(), &s.hub(), &events, [&southbound_ptr] {
          const cpn::southbound::SouthboundClient* sb = southbound_ptr.load();
          return sb != nullptr ? sb->feed().LatestSamples()
                               : std::vector<cpn::telemetry::v1::DataplaneCounters>{};
        });
    std::vector<std::unique_ptr<grpc::Service>> services;
    services.push_back(std::make_unique<cpn::controller_telemetry::TelemetryServiceImpl>(
        std::move(subscriptions), flags.max_subscriptions));
    return services;
  };

  absl::StatusOr<std::unique_ptr<cpn::api::ControllerServer>> server =
      cpn::api::ControllerServer::Start(options, std::move(topology),
                                        std::make_unique<cpn::api::TeDecisionEngine>(engine));
  if (!server.ok()) {
    std::cerr << "cpn-controller: " << server.status().message() << "\n";
    return server.status().code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  // The southbound client programs every router with a dataplane_address
  // (docs/southbound.md).
  cpn::southbound::SouthboundOptions sb;
  sb.election_id_low = flags.election_id;
  sb.client_id = flags.controller_id;
  sb.adopt_grace = absl::Seconds(flags.adopt_grace_s);
  sb.drain_time = absl::Seconds(flags.drain_s);
  sb.compile.emulate_links = flags.emulate_links;
  for (const std::string& kv : flags.site_gateway_macs) {
    const size_t eq = kv.find('=');
    absl::StatusOr<cpn::model::MacAddress> mac =
        cpn::model::MacAddress::Parse(eq == std::string::npos ? "" : kv.substr(eq + 1));
    if (eq == std::string::npos || !mac.ok()) {
      std::cerr << "cpn-controller: --site-gateway-mac \"" << kv << "\": expected SITE=MAC\n";
      return 2;
    }
    sb.compile.site_gateway_macs[kv.substr(0, eq)] = *mac;
  }
  cpn::southbound::SouthboundClient southbound(sb, &(*server)->model(), &(*server)->loop(),
                                               &(*server)->demands(), &(*server)->link_loads());
  southbound.Start();
  (*server)->SetDataplaneSessions(&southbound);
  (*server)->SetInstallView(&southbound);
  southbound_ptr.store(&southbound);

  // Prometheus /metrics: the decisions in force and the sessions, per scrape.
  std::unique_ptr<cpn::telemetry::MetricsHttpServer> metrics_http;
  if (!flags.metrics_listen.empty()) {
    cpn::api::ControllerServer* srv = server->get();
    absl::StatusOr<std::unique_ptr<cpn::telemetry::MetricsHttpServer>> m =
        cpn::telemetry::MetricsHttpServer::Start(flags.metrics_listen, [&flags, srv, &southbound] {
          std::shared_ptr<const cpn::api::DecisionSet> set = srv->loop().Current();
          cpn::controller_telemetry::ControllerMetricsInput in;
          in.controller_id = flags.controller_id;
          in.decisions = set.get();
          for (const cpn::api::DecisionRecord& r : set->records) {
            in.changed_decisions += r.decision.last_change().epoch() == set->epoch ? 1 : 0;
          }
          in.sessions = southbound.Sessions();
          for (const auto& [router, st] : southbound.Stats()) {
            in.write_stats[router] = {st.writes, absl::ToDoubleSeconds(st.write_time),
                                      absl::ToDoubleSeconds(st.apply_time)};
          }
          in.now = absl::Now();
          absl::StatusOr<std::string> text = cpn::controller_telemetry::RenderControllerMetrics(in);
          return text.ok() ? *text : absl::StrCat("# ", text.status().message(), "\n");
        });
    if (!m.ok()) {
      std::cerr << "cpn-controller: --metrics-listen: " << m.status().message() << "\n";
      (*server)->Shutdown(absl::ZeroDuration());
      (*server)->SetDataplaneSessions(nullptr);
      (*server)->SetInstallView(nullptr);
      southbound_ptr.store(nullptr);
      southbound.Stop();
      return 2;
    }
    metrics_http = *std::move(m);
    std::cout << "cpn-controller: metrics on http://" << metrics_http->address() << "/metrics\n";
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
  metrics_http.reset();
  events.Close();  // ends Subscribe streams on the events path
  (*server)->Shutdown(absl::Seconds(2));
  (*server)->SetDataplaneSessions(nullptr);
  (*server)->SetInstallView(nullptr);
  southbound_ptr.store(nullptr);
  // Ends every dataplane stream: each dataplane elects the next controller
  // (a backup) at once and keeps forwarding on what it has.
  southbound.Stop();
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
      "no-damping", po::bool_switch(&f.no_damping), "install the solver's weights without damping")(
      "election-id", po::value(&f.election_id)->default_value(f.election_id),
      "dataplane arbitration: the highest id among connected controllers is primary (> 0)")(
      "site-gateway-mac", po::value(&f.site_gateway_macs)->composing(),
      "SITE=MAC: the MAC of a site's gateway (installs its neighbor); repeatable")(
      "adopt-grace-s", po::value(&f.adopt_grace_s)->default_value(f.adopt_grace_s),
      "after start, keep installed steering rules without a decision this long, seconds")(
      "drain-s", po::value(&f.drain_s)->default_value(f.drain_s),
      "a site path the decisions stop using stays in its steering rule at weight 0 this long, "
      "so its flows stay (the dataplanes' affinity idle timeout), seconds")(
      "emulate-links", po::bool_switch(&f.emulate_links),
      "program each link port's emulation (delay, rate) from the model; for lab dataplanes "
      "started with --lab-emulation")(
      "fallback-weights", po::value(&f.fallback_weights)->default_value(f.fallback_weights),
      "weights of a service without usable metrics: static (sites' static weights) or "
      "nearest (all on the nearest live site, as anycast)")(
      "metrics-smoothing-s",
      po::value(&f.metrics_smoothing_s)->default_value(f.metrics_smoothing_s),
      "time constant of the filter over site reports, seconds (0: use reports as they are)")(
      "metrics-trigger-ms", po::value(&f.metrics_trigger_ms)->default_value(f.metrics_trigger_ms),
      "an accepted metric report triggers a decision at once, at most one per this many ms "
      "(0: only the periodic epoch)")(
      "metrics-listen", po::value(&f.metrics_listen),
      "serve Prometheus /metrics on HOST:PORT (port 0 picks one)")(
      "event-log", po::value(&f.event_log), "append the JSON-lines event log to this file")(
      "event-log-max-mb", po::value(&f.event_log_max_mb)->default_value(f.event_log_max_mb),
      "rotate the event log at this size, MiB")(
      "event-log-files", po::value(&f.event_log_files)->default_value(f.event_log_files),
      "event log files kept, the current one included")(
      "max-subscriptions", po::value(&f.max_subscriptions)->default_value(f.max_subscriptions),
      "most TelemetryService Subscribe streams open at once");
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
      f.metrics_burst < 1 || f.max_watchers < 1 || f.election_id == 0 || f.adopt_grace_s < 0 || f.drain_s < 0 ||
      f.metrics_smoothing_s < 0 || f.metrics_trigger_ms < 0 || f.event_log_max_mb < 1 ||
      f.event_log_files < 1 || f.max_subscriptions < 1) {
    std::cerr << "cpn-controller: --epoch-ms, --k-paths, --metrics-burst, --max-watchers, "
                 "--event-log-max-mb, --event-log-files and --max-subscriptions must be >= 1, "
                 "--max-step in (0, 1], --election-id > 0, --adopt-grace-s, --drain-s, "
                 "--metrics-smoothing-s and --metrics-trigger-ms >= 0\n";
    return 2;
  }
  if (f.fallback_weights != "static" && f.fallback_weights != "nearest") {
    std::cerr << "cpn-controller: --fallback-weights \"" << f.fallback_weights
              << "\": expected static or nearest\n";
    return 2;
  }
  return Run(f);
}
