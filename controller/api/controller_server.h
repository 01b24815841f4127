// ControllerServer: the northbound side of cpn-controller assembled — model
// store, metrics ingest, demand store, decision loop, watch hub, the
// services and the gRPC server that exposes them. cpn-controller's main()
// and the API tests build the controller through it, so both run the same
// code; only the DecisionEngine (and, in tests, the clock) differ.
//
// Lifecycle: Start() builds everything, binds the listening address and
// starts the decision loop; Shutdown() ends watches, stops accepting and
// cancels RPCs still running after the grace period, then stops the loop.
// The destructor shuts down if needed.
//
// Threads: Start/Shutdown/Wait from the owner's thread; the accessors may be
// used from any thread while the server runs.
#ifndef CPN_CONTROLLER_API_CONTROLLER_SERVER_H_
#define CPN_CONTROLLER_API_CONTROLLER_SERVER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "controller/api/clock.h"
#include "controller/api/controller_service.h"
#include "controller/api/decision_engine.h"
#include "controller/api/decision_loop.h"
#include "controller/api/decision_watch.h"
#include "controller/api/decisions_service.h"
#include "controller/api/demand_service.h"
#include "controller/api/demand_store.h"
#include "controller/api/inventory_service.h"
#include "controller/api/link_load_store.h"
#include "controller/api/metrics_ingest.h"
#include "controller/api/model_store.h"
#include "controller/api/state_service.h"
#include "controller/api/status_service.h"
#include "cpn/topology/v1/topology.pb.h"
#include "grpcpp/server.h"

namespace cpn::api {

class ControllerServer;

struct ControllerServerOptions {
  // "host:port" to listen on; port 0 picks a free port (see port()).
  std::string listen_address = "[::]:50060";
  DecisionLoopOptions loop;
  MetricsIngestOptions metrics;
  // Most WatchDecisions and ReportMetrics streams open at once.
  int max_watchers = 64;
  int max_metric_streams = 256;
  std::string controller_id = "cpn-controller";
  std::string software_version = "0.1.0";
  // An accepted metric report triggers a decision run at once (at most one
  // per this interval; the periodic epoch runs anyway), so that load moves
  // reach the dataplanes within milliseconds, not an epoch. Zero: never.
  absl::Duration metrics_trigger_interval = absl::Milliseconds(10);
  // More gRPC services on the northbound port (TelemetryService), built
  // from the assembled controller before it starts serving; they live as
  // long as the server.
  std::function<std::vector<std::unique_ptr<grpc::Service>>(ControllerServer&)> extra_services;
};

class ControllerServer {
 public:
  // Builds the controller with `initial` as the model (INVALID_ARGUMENT when
  // it does not validate) and starts serving (UNAVAILABLE when the address
  // cannot be bound). `clock` (null: the real clock) and `sessions` (may be
  // null) must outlive the server.
  static absl::StatusOr<std::unique_ptr<ControllerServer>> Start(
      ControllerServerOptions options, cpn::topology::v1::Topology initial,
      std::unique_ptr<DecisionEngine> engine, const Clock* clock = nullptr,
      const DataplaneSessionSource* sessions = nullptr);

  ~ControllerServer();
  ControllerServer(const ControllerServer&) = delete;
  ControllerServer& operator=(const ControllerServer&) = delete;

  // The port bound, and "host:port" to reach it from this machine.
  int port() const { return port_; }
  std::string address() const;

  // Stops serving; RPCs still running after `grace` are cancelled.
  // Idempotent.
  void Shutdown(absl::Duration grace = absl::Seconds(2));
  // Blocks until Shutdown() has completed.
  void Wait();

  // Attaches the southbound client built over model() and loop() (see
  // cpn-controller's main); GetStatus lists its sessions. Detach (null)
  // before destroying the client.
  void SetDataplaneSessions(const DataplaneSessionSource* sessions) {
    status_service_.SetSessionSource(sessions);
  }
  // Attaches what the southbound client installed of the decisions
  // (install_state, policy ids, segments); null detaches, before the view
  // is destroyed.
  void SetInstallView(const InstallView* view) { decisions_service_.SetInstallView(view); }

  ModelStore& model() { return *model_; }
  DecisionWatchHub& hub() { return hub_; }
  DemandStore& demands() { return demands_; }
  MetricsIngest& metrics() { return metrics_; }
  LinkLoadStore& link_loads() { return link_loads_; }
  DecisionLoop& loop() { return loop_; }

 private:
  ControllerServer(ControllerServerOptions options, std::unique_ptr<ModelStore> model,
                   std::unique_ptr<DecisionEngine> engine, const Clock* clock,
                   const DataplaneSessionSource* sessions);

  const ControllerServerOptions options_;
  RealClock real_clock_;
  const Clock* clock_;
  std::unique_ptr<ModelStore> model_;
  std::unique_ptr<DecisionEngine> engine_;
  DemandStore demands_;
  MetricsIngest metrics_;
  LinkLoadStore link_loads_;
  DecisionWatchHub hub_;
  DecisionLoop loop_;
  InventoryService inventory_service_;
  StateService state_service_;
  DemandService demand_service_;
  DecisionsService decisions_service_;
  StatusService status_service_;
  ControllerServiceImpl grpc_service_;
  std::vector<std::unique_ptr<grpc::Service>> extra_services_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::atomic<int64_t> last_metrics_trigger_ns_{0};
  bool shut_down_ = false;
};

}  // namespace cpn::api

#endif  // CPN_CONTROLLER_API_CONTROLLER_SERVER_H_
