// SouthboundClient: programs every dataplane of the model from the
// decisions in force (docs/southbound.md).
//
// A compile thread watches three inputs — the model snapshot, the decision
// loop's published DecisionSet, and the ports each dataplane reported — and
// when any changed: keeps one DataplaneSession per router with a
// dataplane_address (created, replaced when the address changes, stopped
// when the router goes), turns the decisions into steering intents,
// compiles the desired state of every router (controller/srv6) with the
// ports the dataplanes have, and hands each session its router's state.
// Nothing is compiled before the first decision run, so a restarted
// controller never offers an empty state. A compile error keeps the
// previous desired state (and is shown on every session).
//
// Threads: Start/Stop from the owner; Sessions, Annotate, Stats and
// compile_generation from any thread. Sessions never block the compile
// thread, and one failing session never holds back another.
#ifndef CPN_CONTROLLER_SOUTHBOUND_SOUTHBOUND_CLIENT_H_
#define CPN_CONTROLLER_SOUTHBOUND_SOUTHBOUND_CLIENT_H_

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controller/api/decision_loop.h"
#include "controller/api/install_view.h"
#include "controller/api/model_store.h"
#include "controller/api/status_service.h"
#include "controller/southbound/counters_feed.h"
#include "controller/southbound/dataplane_session.h"
#include "controller/southbound/draining_entries.h"
#include "controller/southbound/intents.h"
#include "controller/srv6/compiler.h"

namespace cpn::southbound {

struct SouthboundOptions {
  // This controller's election id; the highest among the controllers
  // connected to a dataplane is its primary.
  uint64_t election_id_high = 0;
  uint64_t election_id_low = 1;
  std::string client_id = "cpn-controller";
  // Compiler options; port_bindings are filled from the dataplanes.
  srv6::CompileOptions compile;
  absl::Duration min_backoff = absl::Milliseconds(20);
  absl::Duration max_backoff = absl::Milliseconds(500);
  absl::Duration rpc_timeout = absl::Seconds(10);
  // After start, installed steering rules and policies without an intent
  // are kept this long (a restarted controller adopts them until its
  // demands are known again).
  absl::Duration adopt_grace = absl::Seconds(10);
  // How often the compile thread looks for new inputs.
  absl::Duration poll_interval = absl::Milliseconds(2);
  // Counter samples for measured demand and link utilisation; zero: none.
  absl::Duration counters_interval = absl::Seconds(1);
  // A policy the decisions stop giving weight stays in its steering rule at
  // weight 0 this long, so that its flows stay (draining_entries.h); the
  // dataplanes' affinity idle timeout (cpn-dataplane's default 60 s).
  absl::Duration drain_time = absl::Seconds(60);
};

// The policy id and segment list a candidate (site, links from the
// ingress) of one (ingress, service) is compiled as.
struct CompiledCandidate {
  uint32_t policy_id = 0;
  std::vector<std::string> segments;
};
// (ingress router id, service id) -> "site|link,link" -> policy.
using CompiledCandidates =
    std::map<std::pair<std::string, std::string>, std::map<std::string, CompiledCandidate>>;

class SouthboundClient : public api::DataplaneSessionSource, public api::InstallView {
 public:
  // Every pointer must outlive the client; `demands` and `link_loads` may
  // be null (no measured demand / link load is recorded).
  SouthboundClient(SouthboundOptions options, const api::ModelStore* model,
                   const api::DecisionLoop* loop, api::DemandStore* demands = nullptr,
                   api::LinkLoadStore* link_loads = nullptr);
  ~SouthboundClient() override;  // Stop()
  SouthboundClient(const SouthboundClient&) = delete;
  SouthboundClient& operator=(const SouthboundClient&) = delete;

  void Start();
  // Stops the compile thread and every session; idempotent.
  void Stop();

  std::vector<cpn::controller::v1::DataplaneSession> Sessions() const override;
  // install_state: INSTALLED when the ingress session is PRIMARY and has
  // written a desired state compiled from decisions at or after the
  // decision's last change; NO_DATAPLANE without a PRIMARY session;
  // FAILED when its last write failed and updates are pending; PENDING
  // otherwise (not compiled yet, not written yet, or written but not
  // acknowledged). policy_id and segments from the last compile.
  void Annotate(std::span<cpn::controller::v1::Decision* const> decisions) const override;
  std::map<std::string, SessionStats> Stats() const;
  // Number of desired states compiled so far.
  uint64_t compile_generation() const;
  // The last compile's error, or empty.
  std::string compile_error() const;
  // Measured demand and link utilisation from the dataplanes' counters.
  const CountersFeed& feed() const { return feed_; }

 private:
  void Run();
  // Creates and replaces sessions; those to stop go to `gone`.
  void SyncSessions(const model::NetworkModel& model,
                    std::vector<std::unique_ptr<DataplaneSession>>* gone)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void OnPorts(const PortsReport& report);
  // False (and compile_error_ set) when compilation failed.
  bool Compile(const model::NetworkModel& model, const IntentsResult& intents);

  const SouthboundOptions options_;
  const api::ModelStore* model_;
  const api::DecisionLoop* loop_;
  const absl::Time keep_unknown_until_;
  CountersFeed feed_;
  // Compile thread only.
  DrainingEntries draining_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, std::unique_ptr<DataplaneSession>> sessions_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, PortsReport> ports_ ABSL_GUARDED_BY(mu_);
  uint64_t ports_version_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  std::string compile_error_ ABSL_GUARDED_BY(mu_);
  // From the last successful compile, for Annotate.
  std::shared_ptr<const CompiledCandidates> compiled_ ABSL_GUARDED_BY(mu_);
  // The desired state of generation reflected_generation_ is that of the
  // decisions of epoch reflected_epoch_ (and of every earlier change).
  uint64_t reflected_epoch_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t reflected_generation_ ABSL_GUARDED_BY(mu_) = 0;

  std::thread thread_;
};

}  // namespace cpn::southbound

#endif  // CPN_CONTROLLER_SOUTHBOUND_SOUTHBOUND_CLIENT_H_
