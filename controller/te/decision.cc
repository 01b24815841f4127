#include "controller/te/decision.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "common/status_macros.h"

namespace cpn::te {

namespace {

constexpr uint64_t kFnvOffset = 14695981039346656037ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;

uint64_t Fnv(uint64_t h, std::string_view s) {
  for (unsigned char ch : s) {
    h ^= ch;
    h *= kFnvPrime;
  }
  return h;
}

uint64_t Mix(uint64_t h, uint64_t v) {
  for (int i = 0; i < 8; ++i) {
    h ^= (v >> (8 * i)) & 0xff;
    h *= kFnvPrime;
  }
  return h;
}

std::vector<uint64_t> LinkHashes(const model::NetworkModel& model) {
  std::vector<uint64_t> out(model.num_links());
  for (size_t l = 0; l < out.size(); ++l) out[l] = Fnv(kFnvOffset, model.links()[l].id);
  return out;
}

uint64_t PathIdWith(const model::NetworkModel& model, const CandidateSet& set, const Candidate& c,
                    std::span<const uint64_t> link_hash) {
  const model::Placement& pl = model.placement(c.placement);
  uint64_t h = Fnv(kFnvOffset, model.site(pl.site).id);
  h = Mix(h, 0x5EB0A11Dull);
  if (c.path == kNoPath) return Mix(h, 0xFFFFFFFFFFFFFFFFull);
  for (model::ArcIndex a : set.paths[c.path].arcs) {
    h = Mix(h, link_hash[model::LinkOf(a).value()] ^ static_cast<uint64_t>(a.value() & 1u));
  }
  return h;
}

bool IsDead(RejectReason r) { return r == RejectReason::kSiteDown || r == RejectReason::kPathDown; }

struct StringKey {
  std::string router;
  std::string service;
  bool operator==(const StringKey&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const StringKey& k) {
    return H::combine(std::move(h), k.router, k.service);
  }
};

StringKey KeyOf(const model::NetworkModel& m, const Demand& d) {
  return StringKey{m.router(d.ingress).id, m.service(d.service).id};
}

// How much an input moved, and the driver describing it.
struct Move {
  double score = 0;
  InputDriver driver;
  ChangeCause cause = ChangeCause::kUnspecified;
};

double AgeSeconds(const EffectivePlacement& e) {
  return e.age == absl::InfiniteDuration() ? std::numeric_limits<double>::infinity()
                                           : absl::ToDoubleSeconds(e.age);
}

Move PlacementMove(uint32_t p, const EffectivePlacement& o, const EffectivePlacement& n) {
  Move m;
  m.driver.subject = InputDriver::Subject::kPlacement;
  m.driver.index = p;
  if (o.up != n.up) {
    m.score = 1000;
    m.driver.metric = DriverMetric::kSiteUp;
    m.driver.old_value = o.up;
    m.driver.new_value = n.up;
    m.cause = ChangeCause::kTopology;
    return m;
  }
  if ((o.freshness == Freshness::kMissing) != (n.freshness == Freshness::kMissing)) {
    m.score = 100;
    m.driver.metric = DriverMetric::kSiteMetricsAge;
    m.driver.old_value = AgeSeconds(o);
    m.driver.new_value = AgeSeconds(n);
    m.cause = n.freshness == Freshness::kMissing ? ChangeCause::kMetricsStale
                                                 : ChangeCause::kMetricsRecovered;
    return m;
  }
  m.cause = ChangeCause::kSiteMetrics;
  const double cap = std::max(n.capacity_rps(), 1e-9);
  const double s_bg = std::abs(n.background_rps - o.background_rps) / cap;
  const double s_srv =
      std::abs(double(n.servers) - double(o.servers)) / std::max(1.0, double(o.servers));
  const double s_st =
      std::abs(n.service_time_ms - o.service_time_ms) / std::max(1e-9, o.service_time_ms);
  if (s_bg >= s_srv && s_bg >= s_st) {
    m.score = s_bg;
    m.driver.metric = DriverMetric::kSiteBackgroundRate;
    m.driver.old_value = o.background_rps;
    m.driver.new_value = n.background_rps;
  } else if (s_srv >= s_st) {
    m.score = s_srv;
    m.driver.metric = DriverMetric::kSiteAvailableServers;
    m.driver.old_value = o.servers;
    m.driver.new_value = n.servers;
  } else {
    m.score = s_st;
    m.driver.metric = DriverMetric::kSiteServiceRate;
    m.driver.old_value = 1000.0 / o.service_time_ms;
    m.driver.new_value = 1000.0 / n.service_time_ms;
  }
  if (n.freshness != o.freshness && m.score == 0) {
    m.score = 1e-6;
    m.driver.metric = DriverMetric::kSiteMetricsAge;
    m.driver.old_value = AgeSeconds(o);
    m.driver.new_value = AgeSeconds(n);
    m.cause = n.freshness == Freshness::kFresh ? ChangeCause::kMetricsRecovered
                                               : ChangeCause::kMetricsStale;
  }
  return m;
}

Move ArcMove(uint32_t a, const EffectiveArc& o, const EffectiveArc& n) {
  Move m;
  m.driver.subject = InputDriver::Subject::kArc;
  m.driver.index = a;
  if (o.in_service != n.in_service) {
    m.score = 1000;
    m.driver.metric = DriverMetric::kLinkUp;
    m.driver.old_value = o.in_service;
    m.driver.new_value = n.in_service;
    m.cause = ChangeCause::kTopology;
    return m;
  }
  m.score = std::abs(n.background_utilization - o.background_utilization);
  m.driver.metric = DriverMetric::kLinkUtilization;
  m.driver.old_value = o.background_utilization;
  m.driver.new_value = n.background_utilization;
  m.cause = ChangeCause::kLinkLoad;
  return m;
}

// A candidate's damping memory after this epoch: this epoch's move and its
// time when the weight moved, else the last one kept. A new demand's first
// weights are a start, not a move.
struct LastMove {
  double move;
  absl::Time at;
};
LastMove NextLastMove(DampingOutcome outcome, double move, double prev_move, absl::Time prev_at,
                      absl::Time now) {
  if (outcome == DampingOutcome::kNew) return {0.0, absl::InfinitePast()};
  if (std::abs(move) > 1e-12) return {move, now};
  return {prev_move, prev_at};
}

}  // namespace

const DemandDecision* DecisionSet::Find(const DemandKey& key) const {
  if (!index) return nullptr;
  auto it = index->find(key);
  if (it == index->end()) return nullptr;
  return decisions[it->second].get();
}

uint64_t CandidatePathId(const model::NetworkModel& model, const CandidateSet& candidates,
                         const Candidate& candidate) {
  const std::vector<uint64_t> hashes = LinkHashes(model);
  return PathIdWith(model, candidates, candidate, hashes);
}

DecisionEngine::DecisionEngine(DecisionOptions options) : options_(std::move(options)) {}

void DecisionEngine::AlignPrevious(const DecisionSet* previous) {
  const size_t nd = solver_.num_demands(), nc = solver_.num_candidates();
  if (previous != nullptr && previous == last_.get() && cache_valid_ &&
      last_installed_.size() == nc && previous->demands == solver_.demands_ptr() &&
      previous->candidates == solver_.candidates_ptr()) {
    // The engine's own last set: its flat vectors, without touching the
    // per-demand decisions.
    prev_weight_.swap(last_installed_);
    prev_move_.swap(last_moves_);
    prev_move_at_.swap(last_move_at_);
    prev_target_.clear();  // only needed to warm-start another engine's set
    cache_valid_ = false;
    if (!prev_is_last_ || prev_demand_.size() != nd) {
      prev_demand_.resize(nd);
      for (uint32_t d = 0; d < nd; ++d) prev_demand_[d] = static_cast<int32_t>(d);
    }
    prev_is_last_ = true;
    return;
  }
  prev_weight_.assign(nc, 0);
  prev_move_.assign(nc, 0);
  prev_move_at_.assign(nc, absl::InfinitePast());
  prev_target_.assign(nc, 0);
  prev_demand_.assign(nd, -1);
  prev_is_last_ = false;
  if (previous == nullptr) return;
  auto copy = [&](const DemandDecision& pd, size_t i, uint32_t c) {
    const CandidateDecision& pc = pd.candidates[i];
    prev_weight_[c] = pc.weight;
    prev_move_[c] = pc.last_move;
    prev_move_at_[c] = pc.last_move_at;
    prev_target_[c] = pc.target_weight;
  };
  if (previous->demands == solver_.demands_ptr() &&
      previous->candidates == solver_.candidates_ptr()) {
    for (uint32_t d = 0; d < nd; ++d) {
      const DemandDecision& pd = *previous->decisions[d];
      prev_demand_[d] = static_cast<int32_t>(d);
      for (size_t i = 0; i < pd.candidates.size(); ++i) {
        copy(pd, i, solver_.candidate_begin(d) + static_cast<uint32_t>(i));
      }
    }
    return;
  }
  // Different demands or candidates: match demands by ids and candidates by
  // path id.
  absl::flat_hash_map<StringKey, uint32_t> by_key;
  by_key.reserve(previous->demands->size());
  for (size_t d = 0; d < previous->demands->size(); ++d) {
    by_key.emplace(KeyOf(*previous->model, (*previous->demands)[d]), static_cast<uint32_t>(d));
  }
  const model::NetworkModel& m = solver_.model();
  for (uint32_t d = 0; d < nd; ++d) {
    auto it = by_key.find(KeyOf(m, (*solver_.demands_ptr())[d]));
    if (it == by_key.end()) continue;
    const DemandDecision& pd = *previous->decisions[it->second];
    prev_demand_[d] = static_cast<int32_t>(it->second);
    for (uint32_t c = solver_.candidate_begin(d); c < solver_.candidate_end(d); ++c) {
      for (size_t i = 0; i < pd.candidates.size(); ++i) {
        if (pd.candidates[i].path_id == path_ids_[c]) {
          copy(pd, i, c);
          break;
        }
      }
    }
  }
}

absl::Status DecisionEngine::LoadProblem(const DecisionInputs& in, const ResolvedMetrics& metrics,
                                         const DecisionSet* previous, bool* same_structure) {
  *same_structure = loaded_ && solver_.model_ptr() == in.model &&
                    solver_.demands_ptr() == in.demands &&
                    solver_.candidates_ptr() == in.candidates;
  if (*same_structure) {
    solver_.UpdateMetrics(metrics, nullptr, nullptr);
    if (previous != nullptr && previous != last_.get()) {
      AlignPrevious(previous);
      aligned_from_ = previous;
      solver_.SetWeights(prev_target_);
    }
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(ValidateDemands(*in.model, *in.demands));
  RETURN_IF_ERROR(ValidateCandidates(*in.model, *in.demands, *in.candidates));
  loaded_ = false;
  last_.reset();
  cache_valid_ = false;
  last_loads_valid_ = false;
  RETURN_IF_ERROR(solver_.Load(in.model, in.demands, in.candidates, metrics, options_.solver));
  link_hash_ = LinkHashes(*in.model);
  path_ids_.resize(solver_.num_candidates());
  for (uint32_t d = 0; d < solver_.num_demands(); ++d) {
    const std::vector<Candidate>& list = in.candidates->by_demand[d];
    for (size_t i = 0; i < list.size(); ++i) {
      path_ids_[solver_.candidate_begin(d) + i] =
          PathIdWith(*in.model, *in.candidates, list[i], link_hash_);
    }
  }
  auto index = std::make_shared<absl::flat_hash_map<DemandKey, uint32_t>>();
  index->reserve(in.demands->size());
  for (size_t d = 0; d < in.demands->size(); ++d) {
    index->emplace((*in.demands)[d].key(), static_cast<uint32_t>(d));
  }
  index_ = std::move(index);
  loaded_ = true;
  if (previous != nullptr) {
    AlignPrevious(previous);
    aligned_from_ = previous;
    solver_.SetWeights(prev_target_);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const DecisionSet>> DecisionEngine::Decide(
    const DecisionInputs& in, const DecisionSet* previous) {
  if (!in.model || !in.demands || !in.candidates || !in.metrics) {
    return absl::InvalidArgumentError(
        "decision inputs: model, demands, candidates and metrics "
        "must all be set");
  }
  RETURN_IF_ERROR(ValidateMetricState(*in.model, *in.metrics));
  auto metrics = std::make_shared<const ResolvedMetrics>(
      ResolveMetrics(*in.model, *in.metrics, in.now, options_.staleness));
  bool same = false;
  aligned_from_ = nullptr;
  RETURN_IF_ERROR(LoadProblem(in, *metrics, previous, &same));
  if (previous == nullptr || aligned_from_ != previous) AlignPrevious(previous);
  aligned_from_ = nullptr;
  const SolveStats stats = solver_.Solve();
  std::vector<uint32_t> all(solver_.num_demands());
  for (uint32_t d = 0; d < all.size(); ++d) all[d] = d;
  last_ = Finish(in, std::move(metrics), previous, stats, false, all);
  incremental_run_ = 0;
  return last_;
}

absl::StatusOr<std::shared_ptr<const DecisionSet>> DecisionEngine::Redecide(
    const DecisionInputs& in, const DecisionSet* previous) {
  const bool same = loaded_ && previous != nullptr && previous == last_.get() &&
                    solver_.model_ptr() == in.model && solver_.demands_ptr() == in.demands &&
                    solver_.candidates_ptr() == in.candidates && in.metrics != nullptr;
  if (!same || incremental_run_ >= options_.max_incremental_epochs) {
    return Decide(in, previous);
  }
  RETURN_IF_ERROR(ValidateMetricState(*in.model, *in.metrics));
  auto metrics = std::make_shared<const ResolvedMetrics>(
      ResolveMetrics(*in.model, *in.metrics, in.now, options_.staleness));
  std::vector<uint32_t> places, arcs, disturbed, reexplain;
  solver_.UpdateMetrics(*metrics, &places, &arcs, &disturbed, &reexplain);
  // The demands to re-solve. When an input only got worse (more load,
  // fewer servers, slower service), only the demands using it can gain by
  // moving; otherwise the demands that could use it and find it cheaper,
  // at the margin, than a candidate they use.
  std::vector<uint8_t> mark(solver_.num_demands(), 0);
  const ResolvedMetrics* old = previous->metrics.get();
  std::vector<uint32_t> better;
  std::vector<uint8_t> could_gain(solver_.num_demands(), 0);
  for (uint32_t p : places) {
    const EffectivePlacement& o = old->placements[p];
    const EffectivePlacement& n = metrics->placements[p];
    const uint32_t sv = in.model->placements()[p].service.value();
    const bool worse = o.up == n.up && n.servers <= o.servers &&
                       n.service_time_ms >= o.service_time_ms &&
                       n.background_rps >= o.background_rps &&
                       old->service_fallback[sv] == metrics->service_fallback[sv];
    if (worse) {
      for (uint32_t d : solver_.demands_at_placement(p)) {
        if (solver_.UsesPlacement(d, p)) mark[d] = 1;
      }
    } else {
      better.push_back(p);
      for (uint32_t d : solver_.demands_at_placement(p)) could_gain[d] = 1;
    }
  }
  if (!better.empty()) {
    std::vector<uint32_t> candidates_to_gain;
    for (uint32_t d = 0; d < could_gain.size(); ++d) {
      if (could_gain[d]) candidates_to_gain.push_back(d);
    }
    for (uint32_t d : solver_.DemandsGainingAt(candidates_to_gain, better)) mark[d] = 1;
  }
  for (uint32_t d : disturbed) mark[d] = 1;
  for (uint32_t a : arcs) {
    const EffectiveArc& o = old->arcs[a];
    const EffectiveArc& n = metrics->arcs[a];
    const bool worse =
        o.in_service == n.in_service && n.background_utilization >= o.background_utilization;
    for (uint32_t d : solver_.demands_on_arc(a)) {
      if (!worse || solver_.UsesLink(d, a)) mark[d] = 1;
    }
  }
  std::vector<uint32_t> scope;
  for (uint32_t d = 0; d < mark.size(); ++d) {
    if (mark[d]) scope.push_back(d);
  }
  if (2 * scope.size() > solver_.num_demands()) {
    // Most demands are touched: a full solve is no dearer and converges.
    const SolveStats stats = solver_.Solve();
    std::vector<uint32_t> all(solver_.num_demands());
    for (uint32_t d = 0; d < all.size(); ++d) all[d] = d;
    AlignPrevious(previous);
    last_ = Finish(in, std::move(metrics), previous, stats, false, all);
    incremental_run_ = 0;
    return last_;
  }
  // Rebuilt below: the re-solved demands whose target moved or differs
  // from what is installed (damping gets another look now that an input
  // moved), and those whose explanations went stale (Finish adds the ones
  // whose terms moved).
  std::vector<double> before;
  for (uint32_t d : scope) {
    const auto w = solver_.weights().subspan(solver_.candidate_begin(d),
                                             solver_.candidate_end(d) - solver_.candidate_begin(d));
    before.insert(before.end(), w.begin(), w.end());
  }
  SolveStats stats;
  if (!scope.empty()) stats = solver_.SolveSubset(scope);
  std::vector<uint8_t> rebuild(solver_.num_demands(), 0);
  for (uint32_t d : reexplain) rebuild[d] = 1;
  for (uint32_t d : disturbed) rebuild[d] = 1;
  size_t k = 0;
  for (uint32_t d : scope) {
    const uint32_t b = solver_.candidate_begin(d);
    const std::vector<CandidateDecision>& installed = previous->decisions[d]->candidates;
    for (uint32_t c = b; c < solver_.candidate_end(d); ++c, ++k) {
      const double x = solver_.weights()[c];
      if (before[k] != x || c - b >= installed.size() || installed[c - b].weight != x) {
        rebuild[d] = 1;
      }
    }
  }
  std::vector<uint32_t> rebuilt;
  for (uint32_t d = 0; d < rebuild.size(); ++d) {
    if (rebuild[d]) rebuilt.push_back(d);
  }
  AlignPrevious(previous);
  last_ = Finish(in, std::move(metrics), previous, stats, true, rebuilt);
  ++incremental_run_;
  return last_;
}

std::shared_ptr<const DecisionSet> DecisionEngine::Finish(
    const DecisionInputs& in, std::shared_ptr<const ResolvedMetrics> metrics,
    const DecisionSet* previous, const SolveStats& stats, bool incremental,
    std::span<const uint32_t> scope) {
  const JointSolver& s = solver_;
  const model::NetworkModel& m = s.model();
  const size_t nd = s.num_demands();
  const std::span<const double> target = s.weights();

  auto out = std::make_shared<DecisionSet>();
  out->epoch = in.epoch;
  out->decided_at = in.now;
  out->model = in.model;
  out->demands = in.demands;
  out->candidates = in.candidates;
  out->metrics = metrics;
  out->solver = stats;
  out->incremental = incremental;
  out->index = index_;

  // Demands to (re)build: all for a full epoch; for an incremental one the
  // re-solved ones, those still moving under damping or changed last
  // epoch, and those at a placement whose load changes.
  std::vector<uint8_t> refresh(nd, incremental ? 0 : 1);
  for (uint32_t d : scope) refresh[d] = 1;
  const bool same_layout = previous != nullptr && previous->demands == in.demands &&
                           previous->candidates == in.candidates;
  if (incremental && same_layout) {
    for (uint32_t d : previous->changed) refresh[d] = 1;
    // Demands still on their way to the target (step-limited) continue;
    // those held by hysteresis or suppression are revisited when their
    // inputs move (below) or in the next full epoch.
    if (prev_is_last_) {
      for (uint32_t d : last_limited_) refresh[d] = 1;
    } else {
      for (uint32_t d = 0; d < nd; ++d) {
        if (previous->decisions[d]->damping_outcome == DampingOutcome::kLimited) refresh[d] = 1;
      }
    }
  }

  // Installed weights: previous ones, then damped moves for refreshed
  // demands.
  std::vector<double> w(prev_weight_.begin(), prev_weight_.end());
  std::vector<DampingResult> damp(nd);
  for (DampingResult& r : damp) r.outcome = DampingOutcome::kUnchanged;
  std::vector<uint8_t> damped_any(nd, 0);
  std::vector<uint8_t> overloaded(nd, 0);  // At the previous weights (damp_one).
  Evaluation e_prev, e_target;
  const bool need_prev = options_.damping_enabled && previous != nullptr;
  // Loads at the previous (installed) weights: kept from the last epoch in
  // an incremental epoch, recomputed exactly in a full one.
  if (incremental && prev_is_last_ && last_loads_valid_) {
    e_prev.site_rps = last_site_rps_;
    e_prev.arc_bytes_ps = last_arc_bytes_;
    e_prev.constant_part = last_constant_;
    s.EvaluateLoads(&e_prev);
  } else {
    s.Evaluate(prev_weight_, &e_prev);
  }
  s.EvaluateCurrent(&e_target);
  std::vector<uint8_t> dead;
  std::vector<double> mp, mt, util;
  auto damp_one = [&](uint32_t d, const DampingOptions& damping) {
    const uint32_t b = s.candidate_begin(d), e = s.candidate_end(d), n = e - b;
    std::span<double> wd(w.data() + b, n);
    if (!need_prev || prev_demand_[d] < 0) {
      std::copy(target.begin() + b, target.begin() + e, wd.begin());
      double prev_sum = 0;
      for (uint32_t c = b; c < e; ++c) prev_sum += prev_weight_[c];
      damp[d].outcome = prev_sum > 0 ? DampingOutcome::kReached : DampingOutcome::kNew;
      return;
    }
    dead.assign(n, 0);
    util.assign(n, 0);
    mp.assign(n, 0);
    mt.assign(n, 0);
    double expected = 0;
    bool overload = false;
    bool failover = false;
    for (uint32_t c = b; c < e; ++c) {
      failover |=
          prev_weight_[c] > 0 && (IsDead(s.reject_reason(c)) || s.mode(d) == DemandMode::kUnserved);
    }
    for (uint32_t c = b; c < e; ++c) {
      const uint32_t i = c - b;
      dead[i] = IsDead(s.reject_reason(c)) || s.mode(d) == DemandMode::kUnserved;
      if (dead[i]) continue;
      // Only weights that move enter the gain (all of them after failover).
      if (failover || prev_weight_[c] != target[c]) {
        mp[i] = s.Marginal(c, e_prev);
        mt[i] = s.Marginal(c, e_target);
      }
      if (prev_weight_[c] > 0) {
        const CostTerms t = s.Terms(c, e_prev);
        util[i] = std::max(t.site_utilization, t.max_link_utilization);
        expected += prev_weight_[c] * (t.total_ms - t.service_ms);
        overload |= util[i] >= 1.0;
      }
    }
    // The candidates the move adds weight to count in the overload relief
    // (damping.h) only when there is an overload.
    for (uint32_t c = b; overload && c < e; ++c) {
      const uint32_t i = c - b;
      if (dead[i] || prev_weight_[c] > 0 || !(target[c] > 0)) continue;
      const CostTerms t = s.Terms(c, e_prev);
      util[i] = std::max(t.site_utilization, t.max_link_utilization);
    }
    DampingInput di;
    di.previous = std::span<const double>(prev_weight_.data() + b, n);
    di.target = target.subspan(b, n);
    di.last_move = std::span<const double>(prev_move_.data() + b, n);
    di.last_move_at = std::span<const absl::Time>(prev_move_at_.data() + b, n);
    di.dead = dead;
    di.marginal_previous = mp;
    di.marginal_target = mt;
    di.expected_ms = expected;
    di.overload = overload;
    di.utilization = util;
    di.state = previous->decisions[prev_demand_[d]]->damping;
    di.now = in.now;
    if (s.mode(d) == DemandMode::kUnserved) {
      std::fill(wd.begin(), wd.end(), 0.0);
      damp[d].outcome = DampingOutcome::kReached;
      return;
    }
    damp[d] = Damp(damping, di, wd);
    damped_any[d] = 1;
    overloaded[d] = overload;
  };
  for (uint32_t d = 0; d < nd; ++d) {
    if (refresh[d]) damp_one(d, options_.damping);
  }
  // Re-solve around the holds (DecisionOptions::resolve_around_holds): the
  // demands the reversal hold kept from their targets are fixed at their
  // damped weights, the others re-solved with those loads and damped
  // again toward their new targets. Only when a held demand sees an
  // overload: a hold elsewhere leaves a small detour, not worth a second
  // solve (it doubled an incremental epoch: 6 -> 12 ms, Synthetic bench).
  if (options_.resolve_around_holds && need_prev) {
    // Damps demand d again from its installed weights.
    auto redamp = [&](uint32_t d, const DampingOptions& damping) {
      std::copy(prev_weight_.begin() + s.candidate_begin(d),
                prev_weight_.begin() + s.candidate_end(d), w.begin() + s.candidate_begin(d));
      damp_one(d, damping);
    };
    std::vector<uint32_t> free_demands;
    bool any_held = false;
    for (uint32_t d = 0; d < nd; ++d) {
      if (!refresh[d] || !damped_any[d]) continue;
      if (damp[d].held) {
        any_held |= overloaded[d] != 0;
      } else if (s.mode(d) == DemandMode::kOptimized) {
        free_demands.push_back(d);
      }
    }
    if (any_held && free_demands.empty()) {
      // Nobody free to take up what the held demands cannot shed (e.g. one
      // ingress): a saturated site must not stay so for the whole hold, so
      // the held demands are damped again with the hold released at
      // saturation (DecisionOptions::hold_release_when_none_free).
      DampingOptions released = options_.damping;
      released.reversal_hold_release_utilization = options_.hold_release_when_none_free;
      for (uint32_t d = 0; d < nd; ++d) {
        if (damped_any[d] && damp[d].held) redamp(d, released);
      }
    } else if (any_held) {
      std::vector<double> full(target.begin(), target.end());
      for (uint32_t d = 0; d < nd; ++d) {
        if (damped_any[d] && damp[d].held) {
          std::copy(w.begin() + s.candidate_begin(d), w.begin() + s.candidate_end(d),
                    full.begin() + s.candidate_begin(d));
        }
      }
      solver_.SetWeights(full);
      solver_.SolveSubset(free_demands);
      s.EvaluateCurrent(&e_target);
      for (uint32_t d : free_demands) redamp(d, options_.damping);
    }
  }

  // Loads at the installed weights: the previous loads plus the moves of
  // the demands that moved.
  Evaluation e_inst_storage;
  const Evaluation* e_inst = &e_inst_storage;
  e_inst_storage.site_rps = e_prev.site_rps;
  e_inst_storage.arc_bytes_ps = e_prev.arc_bytes_ps;
  e_inst_storage.constant_part = e_prev.constant_part;
  for (uint32_t d = 0; d < nd; ++d) {
    if (!refresh[d]) continue;
    bool moved = false;
    for (uint32_t c = s.candidate_begin(d); c < s.candidate_end(d) && !moved; ++c) {
      moved = w[c] != prev_weight_[c];
    }
    if (!moved) continue;
    s.AddDemandLoads(d, prev_weight_, -1.0, e_inst_storage.site_rps, e_inst_storage.arc_bytes_ps,
                     &e_inst_storage.constant_part);
    s.AddDemandLoads(d, w, 1.0, e_inst_storage.site_rps, e_inst_storage.arc_bytes_ps,
                     &e_inst_storage.constant_part);
  }
  for (double& v : e_inst_storage.site_rps) v = std::max(v, 0.0);
  for (double& v : e_inst_storage.arc_bytes_ps) v = std::max(v, 0.0);
  s.EvaluateLoads(&e_inst_storage);
  out->objective = e_inst->objective;
  out->refreshed = 0;
  out->target_objective = e_target.objective;

  out->site_utilization = e_inst->site_utilization;
  out->arc_utilization = e_inst->arc_utilization;
  out->site_steered_rps = e_inst->site_rps;
  out->arc_steered_bytes_ps = e_inst->arc_bytes_ps;
  // Refresh also the demands whose terms moved: at a placement or on an arc
  // whose utilisation moved by more than terms_refresh_utilization since
  // the previous set (their weights stay). Every demand is refreshed at
  // each full epoch.
  if (incremental && same_layout) {
    const double kTermsRefresh = options_.terms_refresh_utilization;
    for (size_t p = 0; p < out->site_utilization.size(); ++p) {
      if (std::abs(out->site_utilization[p] - previous->site_utilization[p]) > kTermsRefresh) {
        for (uint32_t d : solver_.demands_at_placement(static_cast<uint32_t>(p))) refresh[d] = 1;
      }
    }
    for (size_t a = 0; a < out->arc_utilization.size(); ++a) {
      if (std::abs(out->arc_utilization[a] - previous->arc_utilization[a]) > kTermsRefresh) {
        for (uint32_t d : solver_.demands_on_arc(static_cast<uint32_t>(a))) refresh[d] = 1;
      }
    }
  }

  // Input moves since the previous set (same snapshot only).
  const bool same_model = previous != nullptr && previous->model == in.model && previous->metrics;
  std::vector<Move> place_move, arc_move;
  Move global;
  if (same_model) {
    place_move.resize(m.placements().size());
    for (uint32_t p = 0; p < place_move.size(); ++p) {
      place_move[p] = PlacementMove(p, previous->metrics->placements[p], metrics->placements[p]);
      if (place_move[p].score > global.score) global = place_move[p];
    }
    arc_move.resize(m.num_arcs());
    for (uint32_t a = 0; a < arc_move.size(); ++a) {
      arc_move[a] = ArcMove(a, previous->metrics->arcs[a], metrics->arcs[a]);
      if (arc_move[a].score > global.score) global = arc_move[a];
    }
  }

  out->decisions.resize(nd);
  const double eps = options_.change_epsilon;
  for (uint32_t d = 0; d < nd; ++d) {
    if (!refresh[d] && same_layout) {
      out->decisions[d] = previous->decisions[d];
      continue;
    }
    ++out->refreshed;
    const Demand& dem = (*in.demands)[d];
    const uint32_t b = s.candidate_begin(d), e = s.candidate_end(d);
    auto dd = std::make_shared<DemandDecision>();
    dd->key = dem.key();
    dd->demand_index = d;
    dd->demand_rps = dem.requests_per_second;
    dd->source = dem.source;
    dd->damping_outcome = damp[d].outcome;
    dd->damping = damped_any[d] ? damp[d].state
                  : prev_demand_[d] >= 0 && previous != nullptr
                      ? previous->decisions[prev_demand_[d]]->damping
                      : DampingState{};
    const double bound = m.service(dem.service).latency_bound_ms;
    double expected = 0, expected_target = 0, max_change = 0, max_target_gap = 0;
    dd->candidates.resize(e - b);
    for (uint32_t c = b; c < e; ++c) {
      CandidateDecision& cd = dd->candidates[c - b];
      cd.candidate = in.candidates->by_demand[d][c - b];
      cd.path_id = path_ids_[c];
      cd.terms = s.TermsAndMarginal(c, *e_inst, &cd.marginal_ms);
      cd.weight = w[c];
      cd.target_weight = target[c];
      cd.previous_weight = prev_weight_[c];
      const double move = w[c] - prev_weight_[c];
      const LastMove last =
          NextLastMove(damp[d].outcome, move, prev_move_[c], prev_move_at_[c], in.now);
      cd.last_move = last.move;
      cd.last_move_at = last.at;
      max_change = std::max(max_change, std::abs(move));
      max_target_gap = std::max(max_target_gap, std::abs(w[c] - target[c]));
      expected += w[c] * cd.terms.total_ms;

      cd.reason = s.reject_reason(c);
      cd.reason_arc = s.reject_arc(c);
      if (cd.reason == RejectReason::kNone && w[c] <= 0) {
        if (target[c] > 0) {
          cd.reason = RejectReason::kDamped;
        } else if (cd.terms.site_utilization >= options_.solver.cost.max_site_utilization) {
          cd.reason = RejectReason::kSiteSaturated;
        } else {
          cd.reason = RejectReason::kNotOptimal;
        }
      }
      cd.over_latency_bound =
          bound > 0 && cd.candidate.path != kNoPath && cd.terms.total_ms > bound;
    }
    for (uint32_t c = b; c < e; ++c) {
      if (target[c] > 0) expected_target += target[c] * s.Terms(c, e_target).total_ms;
    }
    dd->expected_completion_ms = expected;
    dd->objective = dem.requests_per_second * expected;
    dd->target_expected_completion_ms = expected_target;

    // Basis.
    switch (s.mode(d)) {
      case DemandMode::kUnserved:
        dd->basis = DecisionBasis::kUnserved;
        break;
      case DemandMode::kStaticFallback:
        dd->basis = DecisionBasis::kStaticFallback;
        break;
      case DemandMode::kOptimized:
        if (damp[d].failover_share > 0) {
          dd->basis = DecisionBasis::kFailover;
        } else if (s.best_effort(d)) {
          dd->basis = DecisionBasis::kBestEffort;
        } else if (max_target_gap > eps) {
          dd->basis = DecisionBasis::kDamped;
        } else {
          dd->basis = DecisionBasis::kOptimized;
        }
        break;
    }

    // Why it changed.
    const DemandDecision* pd = previous != nullptr && prev_demand_[d] >= 0
                                   ? previous->decisions[prev_demand_[d]].get()
                                   : nullptr;
    const bool changed = pd == nullptr || max_change > eps;
    if (!changed) {
      dd->last_change = pd->last_change;
    } else {
      out->changed.push_back(d);
      DecisionChange& ch = dd->last_change;
      ch.epoch = in.epoch;
      ch.at = in.now;
      if (pd == nullptr) {
        ch.cause = ChangeCause::kInitial;
      } else if (damp[d].failover_share > 0) {
        ch.cause = ChangeCause::kFailover;
        for (uint32_t c = b; c < e; ++c) {
          if (prev_weight_[c] > 0 && IsDead(s.reject_reason(c))) {
            const uint32_t p = s.candidate_placement(c).value();
            if (s.reject_reason(c) == RejectReason::kSiteDown) {
              ch.driver =
                  InputDriver{InputDriver::Subject::kPlacement, p, DriverMetric::kSiteUp, 1, 0};
            } else if (s.reject_arc(c).valid()) {
              ch.driver = InputDriver{InputDriver::Subject::kArc, s.reject_arc(c).value(),
                                      DriverMetric::kLinkUp, 1, 0};
            }
            break;
          }
        }
      } else if (!same_model) {
        ch.cause = ChangeCause::kTopology;
      } else {
        Move best;
        const double rate_old = pd->demand_rps, rate_new = dem.requests_per_second;
        if (rate_old != rate_new) {
          best.score = std::abs(rate_new - rate_old) / std::max(rate_old, 1e-9);
          best.driver = InputDriver{InputDriver::Subject::kDemand, d, DriverMetric::kDemandRate,
                                    rate_old, rate_new};
          best.cause = ChangeCause::kDemand;
        }
        for (uint32_t c = b; c < e; ++c) {
          const Move& pm = place_move[s.candidate_placement(c).value()];
          if (pm.score > best.score) best = pm;
          const uint32_t path = s.candidate_path(c);
          if (path == kNoPath) continue;
          for (model::ArcIndex a : in.candidates->paths[path].arcs) {
            for (uint32_t x : {a.value(), a.value() ^ 1u}) {
              if (arc_move[x].score > best.score) best = arc_move[x];
            }
          }
        }
        if (best.score > 0) {
          ch.cause = best.cause;
          ch.driver = best.driver;
        } else if (pd->basis == DecisionBasis::kDamped) {
          ch.cause = ChangeCause::kConverging;
        } else if (global.score > 0) {
          // Moved through shared capacity by another input.
          ch.cause = global.cause;
          ch.driver = global.driver;
        } else {
          ch.cause = ChangeCause::kConverging;
        }
      }
    }
    out->decisions[d] = std::move(dd);
  }

  // Keep the flat state for the next epoch (moves change only for the
  // refreshed demands: updated in place).
  for (uint32_t d = 0; d < nd; ++d) {
    if (!refresh[d]) continue;
    for (uint32_t c = s.candidate_begin(d); c < s.candidate_end(d); ++c) {
      const LastMove last = NextLastMove(damp[d].outcome, w[c] - prev_weight_[c], prev_move_[c],
                                         prev_move_at_[c], in.now);
      prev_move_[c] = last.move;
      prev_move_at_[c] = last.at;
    }
  }
  last_moves_.swap(prev_move_);
  last_move_at_.swap(prev_move_at_);
  last_installed_.swap(w);
  // Demands still moving under the step bound.
  std::vector<uint32_t> limited;
  for (uint32_t d = 0; d < nd; ++d) {
    if (refresh[d] ? damp[d].outcome == DampingOutcome::kLimited
                   : std::binary_search(last_limited_.begin(), last_limited_.end(), d)) {
      limited.push_back(d);
    }
  }
  last_limited_.swap(limited);
  last_site_rps_ = e_inst->site_rps;
  last_arc_bytes_ = e_inst->arc_bytes_ps;
  last_constant_ = e_inst->constant_part;
  last_loads_valid_ = true;
  cache_valid_ = true;

  // Capacity violations at the installed weights.
  for (size_t p = 0; p < m.placements().size(); ++p) {
    if (e_inst->site_rps[p] > 0 && e_inst->site_utilization[p] >= 1.0) {
      out->violations.push_back(CapacityViolation{
          CapacityViolation::Kind::kSite, static_cast<uint32_t>(p), e_inst->site_utilization[p]});
    }
  }
  for (size_t a = 0; a < m.num_arcs(); ++a) {
    if (e_inst->arc_bytes_ps[a] > 0 && e_inst->arc_utilization[a] >= 1.0) {
      out->violations.push_back(CapacityViolation{
          CapacityViolation::Kind::kArc, static_cast<uint32_t>(a), e_inst->arc_utilization[a]});
    }
  }
  return out;
}

std::vector<DecisionDiff> DiffDecisionSets(const DecisionSet& before, const DecisionSet& after,
                                           double epsilon) {
  struct Entry {
    StringKey key;
    const DemandDecision* before = nullptr;
    const DemandDecision* after = nullptr;
  };
  absl::flat_hash_map<StringKey, size_t> pos;
  std::vector<Entry> entries;
  for (const auto& dd : before.decisions) {
    StringKey k = KeyOf(*before.model, (*before.demands)[dd->demand_index]);
    pos.emplace(k, entries.size());
    entries.push_back(Entry{std::move(k), dd.get(), nullptr});
  }
  for (const auto& dd : after.decisions) {
    StringKey k = KeyOf(*after.model, (*after.demands)[dd->demand_index]);
    auto it = pos.find(k);
    if (it == pos.end()) {
      pos.emplace(k, entries.size());
      entries.push_back(Entry{std::move(k), nullptr, dd.get()});
    } else {
      entries[it->second].after = dd.get();
    }
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.key.router, a.key.service) < std::tie(b.key.router, b.key.service);
  });

  auto site_id = [](const DecisionSet& set, const CandidateDecision& c) {
    return set.model->site(set.model->placement(c.candidate.placement).site).id;
  };
  std::vector<DecisionDiff> out;
  for (const Entry& en : entries) {
    DecisionDiff diff;
    diff.ingress_router_id = en.key.router;
    diff.service_id = en.key.service;
    if (en.before) diff.old_expected_completion_ms = en.before->expected_completion_ms;
    if (en.after) {
      diff.new_expected_completion_ms = en.after->expected_completion_ms;
      diff.new_basis = en.after->basis;
    }
    // Weight changes by path id.
    absl::flat_hash_map<uint64_t, size_t> by_id;
    auto change_for = [&](const std::string& site, uint64_t id) -> WeightChange& {
      auto [it, inserted] = by_id.emplace(id, diff.weight_changes.size());
      if (inserted) diff.weight_changes.push_back(WeightChange{site, id, 0, 0, 0});
      return diff.weight_changes[it->second];
    };
    if (en.before) {
      for (const CandidateDecision& c : en.before->candidates) {
        if (c.weight > 0) change_for(site_id(before, c), c.path_id).old_weight = c.weight;
      }
    }
    if (en.after) {
      for (const CandidateDecision& c : en.after->candidates) {
        if (c.weight > 0 || c.target_weight > 0 || by_id.contains(c.path_id)) {
          WeightChange& wc = change_for(site_id(after, c), c.path_id);
          wc.new_weight = c.weight;
          wc.target_weight = c.target_weight;
        }
      }
    }
    double max_delta = 0;
    for (const WeightChange& wc : diff.weight_changes) {
      max_delta = std::max(max_delta, std::abs(wc.new_weight - wc.old_weight));
    }
    if (!en.before) {
      diff.kind = DecisionDiff::Kind::kAdded;
    } else if (!en.after) {
      diff.kind = DecisionDiff::Kind::kRemoved;
    } else if (en.after->basis == DecisionBasis::kUnserved &&
               en.before->basis != DecisionBasis::kUnserved) {
      diff.kind = DecisionDiff::Kind::kUnserved;
    } else if (max_delta > epsilon) {
      diff.kind = DecisionDiff::Kind::kChanged;
    } else {
      continue;
    }
    std::erase_if(diff.weight_changes, [&](const WeightChange& wc) {
      return std::abs(wc.new_weight - wc.old_weight) <= epsilon &&
             diff.kind == DecisionDiff::Kind::kChanged;
    });
    std::sort(diff.weight_changes.begin(), diff.weight_changes.end(),
              [](const WeightChange& a, const WeightChange& b) {
                const double da = std::abs(a.new_weight - a.old_weight);
                const double db = std::abs(b.new_weight - b.old_weight);
                if (da != db) return da > db;
                return a.path_id < b.path_id;
              });
    out.push_back(std::move(diff));
  }
  return out;
}

}  // namespace cpn::te
