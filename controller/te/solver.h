// The joint site-and-path assignment: minimise Σ_d λ_d·E[T_d] over the
// weights x(d, c) of every demand d on its candidates c = (placement, path),
// x >= 0, Σ_c x(d, c) = 1, with E[T] from cost_model.h. Site and link
// capacity enter through the steep convex continuation of the delay
// functions; the latency bound through up-front rejection.
//
// Method: Frank–Wolfe (conditional gradient) over the product of the
// demands' simplices, in its block-coordinate form (Lacoste-Julien et al.,
// "Block-coordinate Frank-Wolfe", ICML 2013) — the flow-deviation idea of
// Fratta, Gerla and Kleinrock (1973) applied one demand at a time:
//   1. Marginal costs. Every iteration starts with an exact pass: every
//      candidate's marginal cost g(d, c) = ∂F/∂(λ_d x(d, c)), i.e. its own
//      delay plus the load-derivative terms of the site and arcs it shares
//      (A·W_q'(λ) at the site, G·∂(per-byte delay)/∂G on each arc), and
//      the duality gap Σ_d λ_d (Σ_c x g − min_c g). The iterations stop when
//      the gap over the objective is at most `relative_gap`: an upper bound
//      on the relative distance to the optimum.
//   2. A sweep over the demands (in index order, skipping those whose gap
//      is below a fair share of the tolerance): for each, the linear
//      minimisation oracle is its least-marginal candidate; weight moves to
//      it from the demand's costliest used candidate (a pairwise FW step)
//      by the step that minimises the global objective along that
//      direction (a Newton step on the directional derivative, kept when
//      it decreases the objective, else a safeguarded root search). Every
//      step sees the loads all earlier steps left, and updates the
//      marginal costs of the sites and arcs it touched.
//   3. Swap steps: when a demand's best and worst candidates are at
//      different sites, it first tries to trade with a partner demand that
//      uses the best site and can use the worst one (picked from a table of
//      the cheapest such partners built each sweep): both move the same
//      request rate in opposite directions, so site loads stay and only the
//      network terms change. These exchange moves are what a single
//      demand's step cannot make when many demands share a strongly convex
//      site; without them the sweeps crawl (see docs/decisions.md).
// Every step decreases the convex objective, so the method converges to the
// global optimum; each demand moves by what the *system* marginal costs
// say, never to the site that merely looks least loaded.
// SolverMethod::kFlowDeviation keeps the classic global variant (every
// demand at once toward its all-or-nothing target, one line search), for
// comparison: it needs thousands of iterations where the block form needs
// tens.
//
// Data layout: demands, candidates, paths, placements and arcs are dense
// arrays; candidates refer to pooled paths (CSR of arcs), so the per-arc
// marginal sums are computed once per path per iteration and shared by every
// demand and service using the path.
//
// Incremental re-solve: SolveSubset() runs the same iterations restricted to
// some demands (e.g. those with a candidate at a site whose metrics moved),
// the others' weights held fixed but their loads counted, up to
// max_subset_iterations; UpdateMetrics() says which placements and arcs
// changed and re-derives only what depends on them. The subset's duality
// gap is measured against the subset's own cost.
//
// Thread-compatible: one solver per thread. Pure and deterministic.
#ifndef CPN_CONTROLLER_TE_SOLVER_H_
#define CPN_CONTROLLER_TE_SOLVER_H_

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "controller/model/network_model.h"
#include "controller/te/candidates.h"
#include "controller/te/cost_model.h"
#include "controller/te/demand.h"
#include "controller/te/metric_state.h"
#include "controller/te/reasons.h"

namespace cpn::te {

// How iterations move the weights (see the file comment).
enum class SolverMethod : uint8_t {
  // Block-coordinate Frank–Wolfe: per demand, a pairwise step from its
  // costliest used candidate to its least-marginal one (and swap steps),
  // each minimising the objective along its direction, sweeping the
  // demands in order. The default: converges in tens of sweeps where the
  // classic method needs thousands of iterations.
  kBlockCoordinate,
  // Classic flow deviation: every demand moves at once toward its
  // all-or-nothing assignment with one global step (alternating with a
  // global pairwise step when pairwise_steps is set).
  kFlowDeviation,
};

// How a demand's weights are set when its service has no usable metrics
// (DemandMode::kStaticFallback).
enum class FallbackWeights : uint8_t {
  // Over the placements in proportion to their static weights (configured,
  // else servers × service rate), each on its least-latency path.
  kStatic,
  // All on the placement nearest the ingress by propagation delay, on that
  // path: what anycast routing does. A placement that goes down or becomes
  // unreachable passes the demand to the next nearest.
  kNearest,
};

struct SolverOptions {
  SolverMethod method = SolverMethod::kBlockCoordinate;
  FallbackWeights fallback = FallbackWeights::kStatic;
  CostModelOptions cost;
  // Stop when the relative duality gap is at most this.
  double relative_gap = 1e-4;
  // Iteration (sweep) caps of Solve() and SolveSubset(). A subset solve is
  // an incremental epoch's: a few sweeps, the next full epoch finishes.
  int max_iterations = 500;
  int max_subset_iterations = 3;
  // kFlowDeviation: take a global pairwise step every other iteration.
  bool pairwise_steps = true;
  // kBlockCoordinate: also take swap steps (see the file comment).
  bool swap_steps = true;
  // Weights below this share of a demand are dropped after a solve.
  double min_weight = 1e-6;
};

// How a demand's weights are set (see DecisionBasis).
enum class DemandMode : uint8_t {
  kOptimized = 0,       // by the solver
  kStaticFallback = 1,  // fixed (SolverOptions::fallback)
  kUnserved = 2,        // no admissible candidate
};

// How a solver run ended (values as cpn.controller.v1.SolveOutcome).
enum class SolveOutcome : uint8_t {
  kConverged = 1,
  kIterationLimit = 2,
  kFailed = 4,
};

struct SolveStats {
  int iterations = 0;
  int pairwise_iterations = 0;
  // Relative duality gap at the end (over the demands solved).
  double relative_gap = 0;
  // Objective Σ λ·E[T] at the end, requests/s × ms (all demands).
  double objective = 0;
  SolveOutcome outcome = SolveOutcome::kConverged;
  // Demands the run optimised.
  size_t demands = 0;
};

// Loads and their derived delays at one set of weights.
struct Evaluation {
  // By placement: CPN's assigned load (req/s), utilisation with background,
  // M/M/c wait (ms) and marginal cost ∂Ψ/∂A (ms).
  std::vector<double> site_rps;
  std::vector<double> site_utilization;
  std::vector<double> site_wait_ms;
  std::vector<double> site_marginal_ms;
  // By arc: CPN's bytes/s, utilisation with background, queue factor φ(u)
  // and marginal cost per byte/s.
  std::vector<double> arc_bytes_ps;
  std::vector<double> arc_utilization;
  std::vector<double> arc_factor;
  // Queueing of one byte crossing the arc, ms: 8000/C·φ(u).
  std::vector<double> arc_queue_ms_per_byte;
  std::vector<double> arc_marginal;
  // Σ λ·x·(propagation + transfer), the part of the objective linear in
  // the weights.
  double constant_part = 0;
  double objective = 0;

  // Per path, the sums over its arcs (both directions) that Terms and
  // Marginal need, computed on first use: every candidate of every
  // refreshed demand is explained, and a router's demands for different
  // services share its paths. Reset by Evaluate/EvaluateLoads; whoever
  // changes the arc arrays by hand must reset it too.
  struct PathSums {
    double queue_fwd_ms_per_byte = 0, queue_rev_ms_per_byte = 0;
    double marginal_fwd = 0, marginal_rev = 0;
    double max_utilization = -1;
    uint32_t bottleneck_arc = UINT32_MAX;
  };
  mutable std::vector<uint32_t> path_sums_slot;  // 0: not computed; else 1 + index
  mutable std::vector<PathSums> path_sums;
};

class JointSolver {
 public:
  JointSolver() = default;
  JointSolver(const JointSolver&) = default;
  JointSolver& operator=(const JointSolver&) = default;

  // Compiles a problem: candidate incidence, admissibility of every
  // candidate (RejectReason), demand modes and static-fallback weights.
  // The inputs must be valid (ValidateDemands, ValidateCandidates) and
  // `metrics` resolved on `model`. The weights start cold (see Solve).
  absl::Status Load(std::shared_ptr<const model::NetworkModel> model,
                    std::shared_ptr<const std::vector<Demand>> demands,
                    std::shared_ptr<const CandidateSet> candidates, const ResolvedMetrics& metrics,
                    const SolverOptions& options);

  // New metrics for the loaded problem: re-derives the parameters and the
  // admissibility. Appends the placements and arcs whose effective values
  // changed (ascending) when the pointers are not null. Weights on
  // candidates that became inadmissible are dropped (their demand's other
  // weights renormalised, or the demand made cold).
  // `disturbed_demands` (when not null) gets the demands whose weights
  // this changed (a candidate became inadmissible, the mode changed, or
  // the demand lost every weight and starts cold): re-solve them.
  // `reexplain_demands` (when not null) gets the demands whose candidates'
  // rejection reasons or best-effort flag changed: their explanations are
  // stale even when their weights stay.
  void UpdateMetrics(const ResolvedMetrics& metrics, std::vector<uint32_t>* changed_placements,
                     std::vector<uint32_t>* changed_arcs,
                     std::vector<uint32_t>* disturbed_demands = nullptr,
                     std::vector<uint32_t>* reexplain_demands = nullptr);

  // Of `demands` (ascending), those that can gain by moving weight onto
  // one of `placements` (ascending): an admissible candidate there has a
  // lower marginal cost at the current loads than the costliest candidate
  // the demand uses. Demands without weights are kept. What an incremental
  // re-decision re-solves after placements got better: the others would
  // not move (a full solve still finds any other gain).
  std::vector<uint32_t> DemandsGainingAt(std::span<const uint32_t> demands,
                                         std::span<const uint32_t> placements);

  // --- Layout (valid after Load) ------------------------------------------
  const model::NetworkModel& model() const { return *model_; }
  const std::shared_ptr<const model::NetworkModel>& model_ptr() const { return model_; }
  const std::shared_ptr<const std::vector<Demand>>& demands_ptr() const { return demands_; }
  const std::shared_ptr<const CandidateSet>& candidates_ptr() const { return candidates_; }
  const SolverOptions& options() const { return options_; }
  size_t num_demands() const { return lambda_.size(); }
  size_t num_candidates() const { return cand_place_.size(); }
  // Candidates of demand d are [candidate_begin(d), candidate_begin(d + 1)),
  // in the order of CandidateSet::by_demand[d].
  uint32_t candidate_begin(uint32_t d) const { return cand_begin_[d]; }
  uint32_t candidate_end(uint32_t d) const { return cand_begin_[d + 1]; }
  uint32_t candidate_demand(uint32_t c) const { return cand_demand_[c]; }
  model::PlacementIndex candidate_placement(uint32_t c) const {
    return model::PlacementIndex(cand_place_[c]);
  }
  // Pool index of the candidate's path; kNoPath when none.
  uint32_t candidate_path(uint32_t c) const { return cand_path_[c]; }
  DemandMode mode(uint32_t d) const { return static_cast<DemandMode>(mode_[d]); }
  // No candidate was admissible on its own merits; the least bad were kept.
  bool best_effort(uint32_t d) const { return best_effort_[d] != 0; }
  // Why the candidate may not carry weight (kNone: admissible). Soft
  // reasons (latency bound, saturation, link capacity) are cleared for the
  // candidates a best-effort demand keeps.
  RejectReason reject_reason(uint32_t c) const { return static_cast<RejectReason>(reason_[c]); }
  // The same before best-effort re-admission (for explanations).
  RejectReason original_reason(uint32_t c) const {
    return static_cast<RejectReason>(orig_reason_[c]);
  }
  // The arc behind a path or link rejection (kPathDown, kLinkCapacity);
  // invalid otherwise.
  model::ArcIndex reject_arc(uint32_t c) const { return model::ArcIndex(reject_arc_[c]); }
  // Completion time at zero load on the candidate (propagation, transfer,
  // service time; no queueing), ms. What the latency bound is checked on.
  double zero_load_ms(uint32_t c) const;
  double demand_rps(uint32_t d) const { return lambda_[d]; }
  // Effective (at least one packet) bytes per request and response.
  double request_bytes(uint32_t d) const { return breq_[d]; }
  double response_bytes(uint32_t d) const { return bresp_[d]; }
  const EffectivePlacement& placement_metrics(uint32_t p) const { return place_eff_[p]; }
  const EffectiveArc& arc_metrics(uint32_t a) const { return arc_eff_[a]; }
  // Demands with an admissible candidate at placement p (ascending), and on
  // arc a in either direction; built on first use.
  std::span<const uint32_t> demands_at_placement(uint32_t p);
  std::span<const uint32_t> demands_on_arc(uint32_t a);
  // Whether demand d's current weights use placement p / the link of `arc`.
  bool UsesPlacement(uint32_t d, uint32_t p) const;
  bool UsesLink(uint32_t d, uint32_t arc) const;

  // --- Weights --------------------------------------------------------------
  // Sets starting weights, one per candidate. Weights of inadmissible
  // candidates are dropped and each demand's renormalised; a demand whose
  // weights sum to 0 starts cold. Static-fallback demands always take
  // their fixed weights.
  void SetWeights(std::span<const double> weights);
  // Current weights, one per candidate.
  std::span<const double> weights() const { return x_; }

  // Solves every optimised demand, from the current weights; cold demands
  // are first assigned one by one to their least-marginal candidate at the
  // loads so far (a starting point only: the iterations then optimise
  // globally).
  SolveStats Solve();
  // The same for `demands` only (ascending, no duplicates), up to
  // max_subset_iterations; the others keep their weights.
  SolveStats SolveSubset(std::span<const uint32_t> demands);

  // --- Evaluation -----------------------------------------------------------
  // Loads, delays and objective at `weights` (one per candidate).
  void Evaluate(std::span<const double> weights, Evaluation* out) const;
  // The same at the solver's current weights, from its maintained loads
  // (no pass over the candidates).
  void EvaluateCurrent(Evaluation* out) const;
  // Recomputes everything but the loads: from out->site_rps,
  // out->arc_bytes_ps and out->constant_part as given (e.g. updated with
  // AddDemandLoads for the few demands whose weights changed).
  void EvaluateLoads(Evaluation* out) const;
  // Adds sign × demand d's loads at `weights` (one per candidate).
  void AddDemandLoads(uint32_t d, std::span<const double> weights, double sign,
                      std::span<double> site_rps, std::span<double> arc_bytes,
                      double* constant) const;
  // The cost terms of one request on candidate c at `eval`.
  CostTerms Terms(uint32_t c, const Evaluation& eval) const;
  // Marginal cost of candidate c at `eval`, ms per request.
  double Marginal(uint32_t c, const Evaluation& eval) const;
  // Both in one pass over the path.
  CostTerms TermsAndMarginal(uint32_t c, const Evaluation& eval, double* marginal) const;

 private:
  void CompileParameters(const ResolvedMetrics& metrics);
  void CompileAdmissibility(std::span<const uint32_t> demands);
  // Whether a path has an arc out of service or full with background
  // traffic (either direction); cached until arc metrics change.
  struct PathVerdict {
    uint32_t down_arc = UINT32_MAX;
    uint32_t full_arc = UINT32_MAX;
  };
  const PathVerdict& Verdict(uint32_t path);
  void ApplyFallbackWeights(uint32_t d);
  void SanitizeDemand(uint32_t d);
  void RecomputeLoads();
  void AccumulateDemand(uint32_t d, double sign);
  void ColdStart(std::span<const uint32_t> scope);
  SolveStats Run(std::span<const uint32_t> scope, int max_iterations);
  double ObjectiveFromLoads() const;
  // Minimises the objective along the prepared direction over [0, tmax]:
  // a root of its derivative to within tolerance × |h0|.
  double LineSearch(double dk, double h0, double tmax, double tolerance);
  // The same for block and swap steps: one Newton step on the derivative,
  // kept when it decreases the objective, else a safeguarded root search;
  // leaves the touched sites' costs at the returned step in ls_site_
  // (when ls_t_ equals it).
  double NewtonSearch(double dk, double h0, double tmax);
  // One step of demand d; *gap: its duality gap before the step.
  bool BlockStep(uint32_t d, bool allow_swap, double* gap);
  bool SwapStep(uint32_t d, uint32_t best, uint32_t worst, double gbest, double gworst);
  double CandidateMarginal(uint32_t c) const;
  const Evaluation::PathSums& PathSumsAt(uint32_t path, const Evaluation& eval) const;
  uint32_t PairSlot(uint32_t from, uint32_t to) const;
  void BuildPartners(std::span<const uint32_t> scope);
  bool GlobalStep(std::span<const uint32_t> scope, bool pairwise, double* f);
  void BuildReverseIndex();

  std::shared_ptr<const model::NetworkModel> model_;
  std::shared_ptr<const std::vector<Demand>> demands_;
  std::shared_ptr<const CandidateSet> candidates_;
  SolverOptions options_;

  // Demands.
  std::vector<double> lambda_, breq_, bresp_;
  std::vector<uint32_t> cand_begin_;
  std::vector<uint8_t> mode_, best_effort_, cold_;
  // Candidates.
  std::vector<uint32_t> cand_demand_, cand_place_, cand_path_;
  std::vector<double> const_ms_;  // propagation + transfer
  std::vector<uint8_t> reason_, orig_reason_;
  std::vector<uint32_t> reject_arc_;
  // Paths (pool order): arcs in CSR, propagation and bottlenecks.
  std::vector<uint32_t> path_begin_, path_arcs_;
  std::vector<double> path_prop_ms_, path_bottleneck_fwd_, path_bottleneck_rev_;
  std::vector<PathVerdict> path_verdict_;
  std::vector<uint32_t> path_verdict_epoch_;
  uint32_t verdict_epoch_ = 1;
  // Placements.
  std::vector<EffectivePlacement> place_eff_;
  std::vector<MmcQueue> queue_;
  std::vector<uint8_t> service_fallback_;  // by service
  // Arcs.
  std::vector<EffectiveArc> arc_eff_;
  std::vector<double> arc_cap_;
  // Reverse incidence (lazy).
  bool reverse_built_ = false;
  std::vector<uint32_t> place_dem_begin_, place_dem_, arc_dem_begin_, arc_dem_;

  // Solution state.
  std::vector<double> x_;
  std::vector<double> site_rps_;   // A
  std::vector<double> arc_bytes_;  // G
  double const_part_ = 0;          // Σ λ x (propagation + transfer)

  // Scratch.
  std::vector<double> g_, site_marg_, arc_marg_, path_sf_, path_sr_;
  std::vector<double> d_site_, d_arc_, d_path_f_, d_path_r_;
  std::vector<uint32_t> touched_sites_, touched_arcs_, touched_paths_;
  std::vector<uint32_t> scope_paths_, scope_sites_;
  std::vector<uint32_t> path_stamp_, site_stamp_, arc_stamp_;
  uint32_t stamp_ = 0;
  // Add v to a site's (arc's) load change of the current step: the first
  // add since ++stamp_ zeroes it and lists it in touched_sites_ (arcs_).
  void AddSiteDelta(uint32_t p, double v);
  void AddArcDelta(uint32_t a, double v);
  // The same per path: `r` requests/s of demand d onto (or off) the path,
  // its bytes per direction in d_path_f_/d_path_r_ (listed in
  // touched_paths_).
  void AddPathDelta(uint32_t path, uint32_t d, double r);
  std::vector<uint32_t> best_, worst_;
  std::vector<double> dgap_;
  std::vector<uint8_t> in_scope_;
  std::vector<DelayValue> ls_site_;
  // Each placement's cost at the load it was last evaluated at.
  std::vector<DelayValue> site_cache_;
  std::vector<double> site_cache_load_;
  DelayValue SiteCost(uint32_t p);
  std::vector<uint32_t> partner_slots_;
  double ls_t_ = -1;
  // Swap partners: per ordered pair of placements of one service, the
  // demands that lose least by moving weight from the first to the second.
  struct Partner {
    double delta = 0;
    uint32_t demand = UINT32_MAX;
    uint32_t from = 0, to = 0;  // candidates
  };
  static constexpr int kPartners = 4;
  std::vector<uint32_t> place_service_, place_local_, service_places_, pair_base_;
  std::vector<Partner> partners_;
  std::vector<uint32_t> all_demands_;
};

}  // namespace cpn::te

#endif  // CPN_CONTROLLER_TE_SOLVER_H_
