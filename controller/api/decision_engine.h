// DecisionEngine: the narrow seam between the northbound API and the
// decision code (controller/te). Given a model snapshot, the demands, the
// latest compute metrics, the previous decisions and the time, an engine
// returns a DecisionSet: one decision per demand, with the cost terms of
// every candidate it considered (explanations), its view of every site, and
// a summary of the solver run.
//
// The API never looks inside the optimiser: the decision loop
// (decision_loop.h) gathers inputs and calls Decide() once per epoch; the
// what-if handler calls Evaluate() on modified inputs. DecisionSets are
// expressed in the API's own messages (cpn.controller.v1), so every
// conversion from the optimiser's types lives in the engine adapter.
//
// Threads and lifetime: Decide() is called by the decision loop's thread
// only, one call at a time; an engine may keep state between calls (path
// caches, damping memory). Evaluate() may be called from any thread, also
// concurrently with Decide() and with itself, and must change no state
// that a later Decide() sees.
#ifndef CPN_CONTROLLER_API_DECISION_ENGINE_H_
#define CPN_CONTROLLER_API_DECISION_ENGINE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "controller/api/link_load_store.h"
#include "controller/api/site_report.h"
#include "controller/model/network_model.h"
#include "cpn/controller/v1/decision.pb.h"
#include "cpn/controller/v1/demand.pb.h"
#include "cpn/controller/v1/state.pb.h"
#include "cpn/controller/v1/whatif.pb.h"

namespace cpn::api {

// One decision with what it was made for and every candidate considered.
struct DecisionRecord {
  // The decision. Engines fill candidates (ordered by weight, largest
  // first), objective_value, expected_completion_ms, demand_rps,
  // demand_source and basis; the decision loop fills epoch, decided_at,
  // install_state and last_change (an engine may set last_change.cause and
  // detail, which the loop then keeps).
  cpn::controller::v1::Decision decision;
  // The demand it was made for.
  cpn::controller::v1::Demand demand;
  // Every candidate considered, rejected ones included, ordered by
  // cost.total_ms.
  std::vector<cpn::controller::v1::CandidateExplanation> candidates;
};

// The result of one solver run.
struct DecisionSet {
  // Solver run number and the model generation it used (set by the loop).
  uint64_t epoch = 0;
  uint64_t model_generation = 0;
  absl::Time decided_at = absl::InfinitePast();
  // The run (epoch and solved_at are set by the loop).
  cpn::controller::v1::SolverSummary solver;
  // One record per demand, ordered by (ingress router, service).
  std::vector<DecisionRecord> records;
  // The engine's view of every (site, service): servers, service rate,
  // background and assigned rate, utilisation, expected wait, confidence and
  // freshness; ordered by site then service. The API adds the last report
  // and its age.
  std::vector<cpn::controller::v1::SiteState> site_states;
  // The engine's planned load per link (planned_rate_bps and
  // queueing_delay_ms of each direction); ordered by link id. May be empty.
  std::vector<cpn::controller::v1::LinkState> link_states;
  // Problems for people ("demand x@y unserved").
  std::vector<std::string> warnings;

  // The record of a demand, or null.
  const DecisionRecord* Find(std::string_view ingress_router_id, std::string_view service_id) const;
  // The site state of a (site, service), or null.
  const cpn::controller::v1::SiteState* FindSiteState(std::string_view site_id,
                                                      std::string_view service_id) const;
};

// How far ahead a decision looks.
enum class Horizon {
  // What the next epoch installs, damping included.
  kNextEpoch,
  // The undamped optimum the controller converges to.
  kSteadyState,
};

// Hypothetical background-load change at a site (what-if only).
struct LoadAdjustment {
  std::string site_id;
  // Empty: every service of the site.
  std::string service_id;
  // Exactly one is set: multiply the background arrival rate, or set the
  // background utilisation (ratio of the placement's capacity).
  std::optional<double> load_factor;
  std::optional<double> utilization;
};

// Hypothetical background utilisation of a link, both directions (what-if
// only).
struct LinkLoadAdjustment {
  std::string link_id;
  double utilization = 0;
};

struct DecisionInputs {
  // The model to decide on (the current snapshot, or a modified copy for
  // what-if) and the generation it derives from.
  std::shared_ptr<const model::NetworkModel> model;
  uint64_t model_generation = 0;
  // Demands in effect, ordered by (ingress router, service); every router
  // and service exists in `model`.
  std::vector<cpn::controller::v1::Demand> demands;
  // Latest accepted report per (site, service) and per whole site (empty
  // service_id), ordered by site then service.
  std::vector<SiteReport> metrics;
  // Latest measured load per link direction (dataplane port counters).
  std::vector<LinkLoad> link_loads;
  // The decisions in force (null before the first run).
  std::shared_ptr<const DecisionSet> previous;
  // The time of the decision (metric ages are relative to it).
  absl::Time now;
  // The epoch being decided.
  uint64_t epoch = 0;
  Horizon horizon = Horizon::kNextEpoch;
  // What-if adjustments on top of the metrics; empty for real decisions.
  std::vector<LoadAdjustment> load_adjustments;
  std::vector<LinkLoadAdjustment> link_adjustments;
};

class DecisionEngine {
 public:
  virtual ~DecisionEngine() = default;

  // Algorithm name for SolverSummary and status, e.g. "frank-wolfe".
  virtual std::string name() const = 0;

  // Decides for the decision loop (see the file comment for threads). An
  // error keeps the previous decisions in force; the loop reports it in the
  // solver summary.
  virtual absl::StatusOr<DecisionSet> Decide(const DecisionInputs& inputs) = 0;

  // Decides on hypothetical changes without changing any state. `current`
  // are the inputs of a run started now (previous: the decisions in force);
  // `changed` the same with `request`'s changes applied by the API
  // (whatif_changes.h: topology copy rebuilt, demands and metrics edited,
  // load adjustments listed; horizon set). An engine may decide on
  // `changed`, or apply the raw `request` to `current` its own way.
  virtual absl::StatusOr<DecisionSet> Evaluate(
      const DecisionInputs& current, const DecisionInputs& changed,
      const cpn::controller::v1::WhatIfRequest& request) const = 0;
};

}  // namespace cpn::api

#endif  // CPN_CONTROLLER_API_DECISION_ENGINE_H_
