// Decisions: per epoch, the weights of every demand over its (site, path)
// candidates, with the cost terms of every candidate and the reasons behind
// them, and the engine that produces them (resolve metrics → solve → damp →
// evaluate → explain).
//
// A DecisionSet is immutable once built and shared (shared_ptr); per-demand
// decisions are shared between consecutive sets when they did not change,
// so an incremental epoch costs what changed, not the whole set. Indices in
// a set refer to its own model snapshot, demand list and candidate set,
// which it holds.
//
// DecisionEngine is thread-compatible (one per decision loop); it keeps the
// compiled problem and the solver's weights between epochs for warm starts.
// Pure: no I/O, no clocks (time comes in DecisionInputs), deterministic.
#ifndef CPN_CONTROLLER_TE_DECISION_H_
#define CPN_CONTROLLER_TE_DECISION_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "controller/model/network_model.h"
#include "controller/te/candidates.h"
#include "controller/te/cost_model.h"
#include "controller/te/damping.h"
#include "controller/te/demand.h"
#include "controller/te/metric_state.h"
#include "controller/te/reasons.h"
#include "controller/te/solver.h"

namespace cpn::te {

struct DecisionOptions {
  SolverOptions solver;
  StalenessOptions staleness;
  DampingOptions damping;
  // Off: the solver's weights are installed as they are (what-if
  // "steady state", tests of the bare solver).
  bool damping_enabled = true;
  // After damping, when the reversal hold kept some demands from their
  // targets: fix those at their damped weights, re-solve the others
  // (SolveSubset) with the held loads counted, and damp them toward the
  // new targets. The joint optimum under the holds: the demands free to
  // move take up what the held ones cannot do (relieve a site, use a free
  // one), instead of following targets that assumed every demand moves.
  // Only when a held demand sees an overload (a second solve per epoch
  // costs as much as the first).
  bool resolve_around_holds = true;
  // ... and when no demand is free (all refreshed ones held, e.g. a single
  // ingress), the held demands are damped again with the hold released for
  // candidates at this utilisation or above
  // (DampingOptions::reversal_hold_release_utilization): a saturated site
  // sheds at once, as nobody else can relieve it.
  double hold_release_when_none_free = 0.95;
  // A weight moving by more than this counts as a change.
  double change_epsilon = 1e-3;
  // Incremental epochs rebuild the decisions (cost terms) of demands they
  // did not re-solve only when a site or link those demands can use moved
  // by more than this utilisation; full epochs rebuild every decision.
  double terms_refresh_utilization = 0.01;
  // Redecide runs a full epoch instead after this many incremental ones in
  // a row (so the whole solution keeps converging, every explanation is
  // rebuilt and incrementally kept loads are recomputed), and when a change
  // touches more than half of the demands. 0: never incremental.
  int max_incremental_epochs = 20;
};

// Everything one epoch decides on. The same shared pointers across epochs
// tell the engine that the network, the demands and the candidates did not
// change (only metrics and time did), which allows warm and incremental
// solves.
struct DecisionInputs {
  std::shared_ptr<const model::NetworkModel> model;
  std::shared_ptr<const std::vector<Demand>> demands;
  // Parallel to *demands.
  std::shared_ptr<const CandidateSet> candidates;
  std::shared_ptr<const MetricState> metrics;
  absl::Time now = absl::UnixEpoch();
  uint64_t epoch = 0;
};

// An input whose movement drove a change.
struct InputDriver {
  enum class Subject : uint8_t { kNone, kPlacement, kArc, kDemand };
  Subject subject = Subject::kNone;
  // PlacementIndex, ArcIndex or demand index (in the set's snapshot).
  uint32_t index = 0;
  DriverMetric metric = DriverMetric::kUnspecified;
  double old_value = 0;
  double new_value = 0;
};

struct DecisionChange {
  ChangeCause cause = ChangeCause::kUnspecified;
  uint64_t epoch = 0;
  absl::Time at = absl::InfinitePast();
  InputDriver driver;
};

struct CandidateDecision {
  Candidate candidate;
  // Stable id of (site, link sequence): equal across epochs, snapshots and
  // restarts for the same site and links.
  uint64_t path_id = 0;
  // Cost terms of one request at the installed weights.
  CostTerms terms;
  // Marginal cost at the installed weights, ms per request.
  double marginal_ms = 0;
  double weight = 0;           // installed this epoch
  double target_weight = 0;    // the solver's (undamped)
  double previous_weight = 0;  // installed last epoch
  // Last non-zero change of the installed weight and when it was made
  // (damping's memory; InfinitePast: never).
  double last_move = 0;
  absl::Time last_move_at = absl::InfinitePast();
  // Why it carries no weight; kNone when it does (or could).
  RejectReason reason = RejectReason::kNone;
  // The arc behind a path-down or link-capacity reason.
  model::ArcIndex reason_arc;
  // Its loaded completion time exceeds the service's latency bound.
  bool over_latency_bound = false;
};

struct DemandDecision {
  DemandKey key;
  uint32_t demand_index = 0;
  double demand_rps = 0;
  DemandSource source = DemandSource::kConfigured;
  DecisionBasis basis = DecisionBasis::kOptimized;
  // Weighted over the candidates at the installed weights, ms; and this
  // demand's objective term λ·E[T].
  double expected_completion_ms = 0;
  double objective = 0;
  // The same at the solver's target weights.
  double target_expected_completion_ms = 0;
  // Why the weights last moved (by more than change_epsilon); its epoch
  // equals the set's when they moved this epoch.
  DecisionChange last_change;
  DampingOutcome damping_outcome = DampingOutcome::kNew;
  DampingState damping;
  // Every candidate, in the candidate set's order.
  std::vector<CandidateDecision> candidates;
};

struct CapacityViolation {
  enum class Kind : uint8_t { kSite, kArc };
  Kind kind = Kind::kSite;
  // PlacementIndex or ArcIndex.
  uint32_t index = 0;
  // Utilisation at the installed weights (>= 1).
  double utilization = 0;
};

struct DecisionSet {
  uint64_t epoch = 0;
  absl::Time decided_at = absl::InfinitePast();
  std::shared_ptr<const model::NetworkModel> model;
  std::shared_ptr<const std::vector<Demand>> demands;
  std::shared_ptr<const CandidateSet> candidates;
  // Effective metrics the epoch used.
  std::shared_ptr<const ResolvedMetrics> metrics;
  // Parallel to *demands.
  std::vector<std::shared_ptr<const DemandDecision>> decisions;
  // The solver run (for an incremental epoch: over the re-solved demands).
  SolveStats solver;
  bool incremental = false;
  // Σ λ·E[T] at the installed weights and at the solver's target.
  double objective = 0;
  double target_objective = 0;
  // Utilisation (background + CPN) at the installed weights, by
  // PlacementIndex and by ArcIndex.
  std::vector<double> site_utilization;
  std::vector<double> arc_utilization;
  // CPN's own load at the installed weights: requests/s by PlacementIndex,
  // bytes/s by ArcIndex. What sites' reported busy servers and ports'
  // counters include of CPN's traffic (PlacementMetrics::own_rps; the rest
  // of a port's rate is ArcMetrics background).
  std::vector<double> site_steered_rps;
  std::vector<double> arc_steered_bytes_ps;
  // Sites and arcs at or beyond capacity at the installed weights.
  std::vector<CapacityViolation> violations;
  // Demands whose weights changed this epoch (ascending indices).
  std::vector<uint32_t> changed;
  // Demands whose decisions were rebuilt this epoch (the others are shared
  // with the previous set).
  size_t refreshed = 0;

  // The decision of a demand; nullptr when none.
  const DemandDecision* Find(const DemandKey& key) const;

  // Demand index by key (shared by the sets of one demand list).
  std::shared_ptr<const absl::flat_hash_map<DemandKey, uint32_t>> index;
};

// The difference of one demand's decision between two sets, matched by ids.
struct WeightChange {
  std::string site_id;
  uint64_t path_id = 0;
  double old_weight = 0;
  double new_weight = 0;
  double target_weight = 0;
};
struct DecisionDiff {
  enum class Kind : uint8_t { kChanged = 1, kAdded = 2, kRemoved = 3, kUnserved = 4 };
  std::string ingress_router_id;
  std::string service_id;
  Kind kind = Kind::kChanged;
  // Ordered by |new − old|, largest first (then by path id).
  std::vector<WeightChange> weight_changes;
  double old_expected_completion_ms = 0;
  double new_expected_completion_ms = 0;
  DecisionBasis new_basis = DecisionBasis::kOptimized;
};

// The demands whose weights differ by more than `epsilon` between `before`
// and `after` (which may be on different snapshots), plus added, removed
// and newly unserved ones; ordered by (ingress id, service id). Stable:
// the same two sets always give the same list.
std::vector<DecisionDiff> DiffDecisionSets(const DecisionSet& before, const DecisionSet& after,
                                           double epsilon = 1e-3);

// The stable id of a candidate path: FNV-1a over the site id and the link
// ids with their directions.
uint64_t CandidatePathId(const model::NetworkModel& model, const CandidateSet& candidates,
                         const Candidate& candidate);

class DecisionEngine {
 public:
  explicit DecisionEngine(DecisionOptions options = {});

  const DecisionOptions& options() const { return options_; }

  // A full epoch: every demand solved (warm-started from the engine's last
  // solution when the structure is unchanged, else from `previous`'s
  // targets), damped against `previous` (the installed set; null for none).
  // INVALID_ARGUMENT for inconsistent inputs.
  absl::StatusOr<std::shared_ptr<const DecisionSet>> Decide(const DecisionInputs& inputs,
                                                            const DecisionSet* previous);

  // An incremental epoch after metric changes: same model, demands and
  // candidates (pointers) as the engine's last epoch and `previous` the set
  // it produced; otherwise a full Decide. Re-solves only the demands that
  // can gain from the change: for a placement or arc whose inputs only got
  // worse (more load, fewer servers, slower service), the demands using it;
  // otherwise every demand that could use it; for at most
  // solver.max_subset_iterations sweeps, the other demands' weights fixed
  // but their load counted. Rebuilds the decisions of those demands, of
  // demands still moving under the step bound, and of demands at a site or
  // on a link whose utilisation moved by more than
  // terms_refresh_utilization; the others are shared with `previous`.
  // After max_incremental_epochs incremental epochs in a row, or when the
  // change reaches more than half of the demands, runs a full Decide.
  absl::StatusOr<std::shared_ptr<const DecisionSet>> Redecide(const DecisionInputs& inputs,
                                                              const DecisionSet* previous);

  // The solver (for tests and benchmarks).
  const JointSolver& solver() const { return solver_; }

 private:
  absl::Status LoadProblem(const DecisionInputs& inputs, const ResolvedMetrics& metrics,
                           const DecisionSet* previous, bool* same_structure);
  std::shared_ptr<const DecisionSet> Finish(const DecisionInputs& inputs,
                                            std::shared_ptr<const ResolvedMetrics> metrics,
                                            const DecisionSet* previous, const SolveStats& stats,
                                            bool incremental, std::span<const uint32_t> scope);
  void AlignPrevious(const DecisionSet* previous);

  DecisionOptions options_;
  JointSolver solver_;
  bool loaded_ = false;
  std::shared_ptr<const DecisionSet> last_;
  // The previous set aligned to the current candidate layout (within one
  // Decide call).
  const DecisionSet* aligned_from_ = nullptr;
  std::vector<double> prev_weight_, prev_move_, prev_target_;
  std::vector<absl::Time> prev_move_at_;
  std::vector<int32_t> prev_demand_;  // previous set's demand index; -1 none
  std::vector<uint64_t> link_hash_;   // per link of the loaded model
  std::vector<uint64_t> path_ids_;    // per candidate
  std::shared_ptr<const absl::flat_hash_map<DemandKey, uint32_t>> index_;
  // Flat copies of the last set (valid while cache_valid_), so that the
  // next epoch need not walk the per-demand decisions.
  bool cache_valid_ = false;
  bool prev_is_last_ = false;
  bool last_loads_valid_ = false;
  std::vector<double> last_installed_, last_moves_;
  std::vector<absl::Time> last_move_at_;
  std::vector<uint32_t> last_limited_;  // ascending
  std::vector<double> last_site_rps_, last_arc_bytes_;
  double last_constant_ = 0;
  int incremental_run_ = 0;  // incremental epochs since the last full one
};

}  // namespace cpn::te

#endif  // CPN_CONTROLLER_TE_DECISION_H_
