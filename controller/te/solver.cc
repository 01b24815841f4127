// JointSolver: loading a problem (compiled parameters, admissibility, static
// fallback weights), metric updates and the load bookkeeping every step uses.
// The iterations are in solver_steps.cc, evaluation in solver_evaluate.cc.
#include "controller/te/solver.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>


namespace cpn::te {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr uint32_t kNone32 = std::numeric_limits<uint32_t>::max();

// The parts of the effective metrics the model uses (age alone moving with
// the clock is not a change).
bool SamePlacementInputs(const EffectivePlacement& a, const EffectivePlacement& b) {
  return a.up == b.up && a.servers == b.servers && a.service_time_ms == b.service_time_ms &&
         a.background_rps == b.background_rps && a.freshness == b.freshness;
}
bool SameArcInputs(const EffectiveArc& a, const EffectiveArc& b) {
  return a.in_service == b.in_service && a.background_utilization == b.background_utilization &&
         a.freshness == b.freshness;
}

}  // namespace

absl::Status JointSolver::Load(std::shared_ptr<const model::NetworkModel> model,
                               std::shared_ptr<const std::vector<Demand>> demands,
                               std::shared_ptr<const CandidateSet> candidates,
                               const ResolvedMetrics& metrics, const SolverOptions& options) {
  if (!model || !demands || !candidates) {
    return absl::InvalidArgumentError("solver: null model, demands or candidates");
  }
  if (candidates->by_demand.size() != demands->size()) {
    return absl::InvalidArgumentError("solver: candidates do not match the demands");
  }
  if (metrics.placements.size() != model->placements().size() ||
      metrics.arcs.size() != model->num_arcs() ||
      metrics.service_fallback.size() != model->services().size()) {
    return absl::InvalidArgumentError("solver: metrics were not resolved on this model");
  }
  if (!(options.cost.mean_packet_bytes > 0) || !(options.cost.max_link_utilization > 0) ||
      !(options.cost.max_link_utilization < 1) || !(options.cost.max_site_utilization > 0) ||
      !(options.cost.max_site_utilization < 1)) {
    return absl::InvalidArgumentError(
        "solver: mean_packet_bytes must be > 0 and max utilisations in (0, 1)");
  }
  model_ = std::move(model);
  demands_ = std::move(demands);
  candidates_ = std::move(candidates);
  options_ = options;
  reverse_built_ = false;

  const model::NetworkModel& m = *model_;
  const size_t nd = demands_->size();
  const double packet = options_.cost.mean_packet_bytes;
  lambda_.resize(nd);
  breq_.resize(nd);
  bresp_.resize(nd);
  cand_begin_.assign(nd + 1, 0);
  for (size_t d = 0; d < nd; ++d) {
    const Demand& dem = (*demands_)[d];
    lambda_[d] = dem.requests_per_second;
    breq_[d] = std::max(RequestBytes(m, dem), packet);
    bresp_[d] = std::max(ResponseBytes(m, dem), packet);
    cand_begin_[d + 1] = cand_begin_[d] + static_cast<uint32_t>(candidates_->by_demand[d].size());
  }
  mode_.assign(nd, 0);
  best_effort_.assign(nd, 0);
  cold_.assign(nd, 1);

  // Paths.
  const std::vector<Path>& paths = candidates_->paths;
  const std::span<const uint64_t> cap = m.arc_capacity_bps();
  path_begin_.assign(paths.size() + 1, 0);
  path_arcs_.clear();
  path_prop_ms_.resize(paths.size());
  path_bottleneck_fwd_.resize(paths.size());
  path_bottleneck_rev_.resize(paths.size());
  for (size_t p = 0; p < paths.size(); ++p) {
    uint64_t fwd = UINT64_MAX, rev = UINT64_MAX, delay = 0;
    for (model::ArcIndex a : paths[p].arcs) {
      path_arcs_.push_back(a.value());
      fwd = std::min(fwd, cap[a.value()]);
      rev = std::min(rev, cap[model::ReverseOf(a).value()]);
      delay += m.arc_delay_us()[a.value()];
    }
    path_begin_[p + 1] = static_cast<uint32_t>(path_arcs_.size());
    path_prop_ms_[p] = delay / 1000.0;
    path_bottleneck_fwd_[p] = static_cast<double>(fwd);
    path_bottleneck_rev_[p] = static_cast<double>(rev);
  }

  // Candidates.
  const size_t nc = cand_begin_[nd];
  cand_demand_.resize(nc);
  cand_place_.resize(nc);
  cand_path_.resize(nc);
  const_ms_.assign(nc, 0);
  for (size_t d = 0; d < nd; ++d) {
    const std::vector<Candidate>& list = candidates_->by_demand[d];
    for (size_t i = 0; i < list.size(); ++i) {
      const uint32_t c = cand_begin_[d] + static_cast<uint32_t>(i);
      cand_demand_[c] = static_cast<uint32_t>(d);
      cand_place_[c] = list[i].placement.value();
      cand_path_[c] = list[i].path;
      if (list[i].path != kNoPath) {
        const uint32_t p = list[i].path;
        const uint64_t fwd = path_bottleneck_fwd_[p] >= static_cast<double>(UINT64_MAX)
                                 ? UINT64_MAX
                                 : static_cast<uint64_t>(path_bottleneck_fwd_[p]);
        const uint64_t rev = path_bottleneck_rev_[p] >= static_cast<double>(UINT64_MAX)
                                 ? UINT64_MAX
                                 : static_cast<uint64_t>(path_bottleneck_rev_[p]);
        const_ms_[c] =
            2 * path_prop_ms_[p] + TransferMs(breq_[d], fwd) + TransferMs(bresp_[d], rev);
      }
    }
  }
  arc_cap_.resize(m.num_arcs());
  for (size_t a = 0; a < m.num_arcs(); ++a) arc_cap_[a] = static_cast<double>(cap[a]);

  x_.assign(nc, 0);
  g_.assign(nc, 0);
  site_rps_.assign(m.placements().size(), 0);
  arc_bytes_.assign(m.num_arcs(), 0);
  site_marg_.assign(m.placements().size(), 0);
  arc_marg_.assign(m.num_arcs(), 0);
  d_site_.assign(m.placements().size(), 0);
  d_arc_.assign(m.num_arcs(), 0);
  path_sf_.assign(paths.size(), 0);
  path_sr_.assign(paths.size(), 0);
  d_path_f_.assign(paths.size(), 0);
  d_path_r_.assign(paths.size(), 0);
  path_stamp_.assign(paths.size(), 0);
  site_stamp_.assign(m.placements().size(), 0);
  arc_stamp_.assign(m.num_arcs(), 0);
  stamp_ = 0;
  all_demands_.resize(nd);
  for (size_t d = 0; d < nd; ++d) all_demands_[d] = static_cast<uint32_t>(d);

  // Placement pairs of each service, for the swap partners table.
  {
    const size_t np = m.placements().size(), ns = m.services().size();
    place_service_.assign(np, 0);
    place_local_.assign(np, 0);
    service_places_.assign(ns, 0);
    pair_base_.assign(ns + 1, 0);
    for (size_t p = 0; p < np; ++p) {
      const uint32_t sv = m.placements()[p].service.value();
      place_service_[p] = sv;
      place_local_[p] = service_places_[sv]++;
    }
    for (size_t sv = 0; sv < ns; ++sv) {
      pair_base_[sv + 1] = pair_base_[sv] + service_places_[sv] * service_places_[sv];
    }
    partners_.assign(static_cast<size_t>(pair_base_[ns]) * kPartners, Partner{});
    partner_slots_.clear();
  }
  reason_.assign(nc, 0);
  orig_reason_.assign(nc, 0);
  reject_arc_.assign(nc, kNone32);
  service_fallback_ = metrics.service_fallback;
  queue_.clear();
  path_verdict_.assign(paths.size(), PathVerdict{});
  path_verdict_epoch_.assign(paths.size(), 0);
  verdict_epoch_ = 1;
  CompileParameters(metrics);
  CompileAdmissibility(all_demands_);
  for (size_t d = 0; d < nd; ++d) {
    if (mode_[d] == static_cast<uint8_t>(DemandMode::kStaticFallback)) {
      ApplyFallbackWeights(static_cast<uint32_t>(d));
    }
  }
  RecomputeLoads();
  return absl::OkStatus();
}

void JointSolver::CompileParameters(const ResolvedMetrics& metrics) {
  const bool all = queue_.size() != metrics.placements.size();
  queue_.resize(metrics.placements.size());
  for (size_t p = 0; p < metrics.placements.size(); ++p) {
    // Queues depend on servers and service time only.
    const EffectivePlacement& e = metrics.placements[p];
    if (!all && place_eff_[p].up == e.up && place_eff_[p].servers == e.servers &&
        place_eff_[p].service_time_ms == e.service_time_ms) {
      continue;
    }
    if (e.up && e.servers > 0 && e.service_time_ms > 0) {
      queue_[p] = MmcQueue(e.servers, e.service_time_ms, options_.cost.max_site_utilization);
    } else {
      queue_[p] = MmcQueue();
    }
  }
  place_eff_ = metrics.placements;
  arc_eff_ = metrics.arcs;
  site_cache_.assign(place_eff_.size(), DelayValue{});
  site_cache_load_.assign(place_eff_.size(), -1.0);
  service_fallback_ = metrics.service_fallback;
}

double JointSolver::zero_load_ms(uint32_t c) const {
  if (cand_path_[c] == kNoPath) return kInf;
  return const_ms_[c] + place_eff_[cand_place_[c]].service_time_ms;
}

const JointSolver::PathVerdict& JointSolver::Verdict(uint32_t path) {
  if (path_verdict_epoch_[path] == verdict_epoch_) return path_verdict_[path];
  PathVerdict v;
  for (uint32_t i = path_begin_[path]; i < path_begin_[path + 1]; ++i) {
    const uint32_t a = path_arcs_[i];
    if (v.down_arc == kNone32 && (!arc_eff_[a].in_service || !arc_eff_[a ^ 1u].in_service)) {
      v.down_arc = a;
    }
    if (v.full_arc == kNone32) {
      if (arc_eff_[a].background_utilization >= 1.0) {
        v.full_arc = a;
      } else if (arc_eff_[a ^ 1u].background_utilization >= 1.0) {
        v.full_arc = a ^ 1u;
      }
    }
  }
  path_verdict_epoch_[path] = verdict_epoch_;
  return path_verdict_[path] = v;
}

void JointSolver::CompileAdmissibility(std::span<const uint32_t> scope) {
  const model::NetworkModel& m = *model_;
  for (uint32_t d : scope) {
    const double bound = m.service((*demands_)[d].service).latency_bound_ms;
    bool any = false;
    for (uint32_t c = cand_begin_[d]; c < cand_begin_[d + 1]; ++c) {
      RejectReason r = RejectReason::kNone;
      uint32_t arc = kNone32;
      const uint32_t p = cand_place_[c];
      const EffectivePlacement& e = place_eff_[p];
      const model::Site& site = m.site(m.placement(model::PlacementIndex(p)).site);
      if (cand_path_[c] == kNoPath) {
        const uint64_t shortest = candidates_->by_demand[d][c - cand_begin_[d]].shortest_delay_us;
        r = shortest == std::numeric_limits<uint64_t>::max() ? RejectReason::kPathDown
                                                             : RejectReason::kLatencyBound;
      } else if (!e.up || !m.router(site.attachment.router).up) {
        r = RejectReason::kSiteDown;
      } else {
        const uint32_t path = cand_path_[c];
        const PathVerdict& verdict = Verdict(path);
        if (verdict.down_arc != kNone32) {
          r = RejectReason::kPathDown;
          arc = verdict.down_arc;
        }
        if (r == RejectReason::kNone && !m.router((*demands_)[d].ingress).up) {
          r = RejectReason::kPathDown;
        }
        if (r == RejectReason::kNone && bound > 0 && zero_load_ms(c) > bound) {
          r = RejectReason::kLatencyBound;
        }
        if (r == RejectReason::kNone && e.background_rps >= queue_[p].capacity_rps()) {
          r = RejectReason::kSiteSaturated;
        }
        if (r == RejectReason::kNone && verdict.full_arc != kNone32) {
          r = RejectReason::kLinkCapacity;
          arc = verdict.full_arc;
        }
      }
      reason_[c] = orig_reason_[c] = static_cast<uint8_t>(r);
      reject_arc_[c] = arc;
      any |= r == RejectReason::kNone;
    }
    best_effort_[d] = 0;
    if (!any) {
      // Best effort: re-admit the candidates only short of headroom (the
      // optimiser spreads the overload), else the one with the least
      // zero-load latency among those over the bound.
      bool readmitted = false;
      for (uint32_t c = cand_begin_[d]; c < cand_begin_[d + 1]; ++c) {
        const RejectReason r = static_cast<RejectReason>(reason_[c]);
        if (r == RejectReason::kSiteSaturated || r == RejectReason::kLinkCapacity) {
          reason_[c] = static_cast<uint8_t>(RejectReason::kNone);
          readmitted = true;
        }
      }
      if (!readmitted) {
        uint32_t best = kNone32;
        for (uint32_t c = cand_begin_[d]; c < cand_begin_[d + 1]; ++c) {
          if (static_cast<RejectReason>(reason_[c]) == RejectReason::kLatencyBound &&
              cand_path_[c] != kNoPath &&
              (best == kNone32 || zero_load_ms(c) < zero_load_ms(best))) {
            best = c;
          }
        }
        if (best != kNone32) {
          reason_[best] = static_cast<uint8_t>(RejectReason::kNone);
          readmitted = true;
        }
      }
      any = readmitted;
      best_effort_[d] = readmitted ? 1 : 0;
    }
    const model::ServiceIndex s = (*demands_)[d].service;
    if (!any) {
      mode_[d] = static_cast<uint8_t>(DemandMode::kUnserved);
    } else if (service_fallback_[s.value()]) {
      mode_[d] = static_cast<uint8_t>(DemandMode::kStaticFallback);
    } else {
      mode_[d] = static_cast<uint8_t>(DemandMode::kOptimized);
    }
  }
}

void JointSolver::ApplyFallbackWeights(uint32_t d) {
  const model::NetworkModel& m = *model_;
  const uint32_t b = cand_begin_[d], e = cand_begin_[d + 1];
  for (uint32_t c = b; c < e; ++c) x_[c] = 0;
  cold_[d] = 0;
  if (options_.fallback == FallbackWeights::kNearest) {
    // The admissible candidate of least propagation delay (then least
    // zero-load time, then candidate order).
    uint32_t nearest = kNone32;
    for (uint32_t c = b; c < e; ++c) {
      if (reason_[c] != 0 || cand_path_[c] == kNoPath) continue;
      if (nearest == kNone32 || path_prop_ms_[cand_path_[c]] < path_prop_ms_[cand_path_[nearest]] ||
          (path_prop_ms_[cand_path_[c]] == path_prop_ms_[cand_path_[nearest]] &&
           zero_load_ms(c) < zero_load_ms(nearest))) {
        nearest = c;
      }
    }
    if (nearest != kNone32) x_[nearest] = 1.0;
    return;
  }
  // The best admissible path of each placement, and the placements' static
  // weights.
  double total = 0;
  uint32_t placements = 0;
  for (uint32_t c = b; c < e; ++c) {
    if (reason_[c] != 0) continue;
    bool best = true;
    for (uint32_t o = b; o < e && best; ++o) {
      if (o == c || reason_[o] != 0 || cand_place_[o] != cand_place_[c]) continue;
      if (zero_load_ms(o) < zero_load_ms(c) || (zero_load_ms(o) == zero_load_ms(c) && o < c)) {
        best = false;
      }
    }
    if (!best) continue;
    x_[c] = m.placement(model::PlacementIndex(cand_place_[c])).static_weight;
    total += x_[c];
    ++placements;
  }
  for (uint32_t c = b; c < e; ++c) {
    if (reason_[c] != 0) continue;
    if (total > 0) {
      if (m.placement(model::PlacementIndex(cand_place_[c])).static_weight <= 0) {
        reason_[c] = static_cast<uint8_t>(RejectReason::kMetricsMissing);
        x_[c] = 0;
      } else {
        x_[c] /= total;
      }
    }
  }
  if (total <= 0 && placements > 0) {
    // No static weights at all: equal shares.
    for (uint32_t c = b; c < e; ++c) {
      bool best = reason_[c] == 0;
      for (uint32_t o = b; o < e && best; ++o) {
        if (o == c || reason_[o] != 0 || cand_place_[o] != cand_place_[c]) continue;
        if (zero_load_ms(o) < zero_load_ms(c) || (zero_load_ms(o) == zero_load_ms(c) && o < c)) {
          best = false;
        }
      }
      x_[c] = best ? 1.0 / placements : 0.0;
    }
  }
}

void JointSolver::SanitizeDemand(uint32_t d) {
  switch (static_cast<DemandMode>(mode_[d])) {
    case DemandMode::kStaticFallback:
      ApplyFallbackWeights(d);
      return;
    case DemandMode::kUnserved:
      for (uint32_t c = cand_begin_[d]; c < cand_begin_[d + 1]; ++c) x_[c] = 0;
      cold_[d] = 0;
      return;
    case DemandMode::kOptimized:
      break;
  }
  double sum = 0;
  for (uint32_t c = cand_begin_[d]; c < cand_begin_[d + 1]; ++c) {
    if (reason_[c] != 0 || !(x_[c] > 0) || !std::isfinite(x_[c])) x_[c] = 0;
    sum += x_[c];
  }
  if (sum <= 0) {
    cold_[d] = 1;
    return;
  }
  for (uint32_t c = cand_begin_[d]; c < cand_begin_[d + 1]; ++c) x_[c] /= sum;
  cold_[d] = 0;
}

void JointSolver::SetWeights(std::span<const double> weights) {
  const size_t n = std::min(weights.size(), x_.size());
  std::copy(weights.begin(), weights.begin() + n, x_.begin());
  std::fill(x_.begin() + n, x_.end(), 0.0);
  for (uint32_t d = 0; d < num_demands(); ++d) SanitizeDemand(d);
  RecomputeLoads();
}

void JointSolver::UpdateMetrics(const ResolvedMetrics& metrics,
                                std::vector<uint32_t>* changed_placements,
                                std::vector<uint32_t>* changed_arcs,
                                std::vector<uint32_t>* disturbed_demands,
                                std::vector<uint32_t>* reexplain_demands) {
  std::vector<uint32_t> places, arcs;
  for (size_t p = 0; p < place_eff_.size(); ++p) {
    if (!SamePlacementInputs(place_eff_[p], metrics.placements[p]) ||
        service_fallback_[model_->placements()[p].service.value()] !=
            metrics.service_fallback[model_->placements()[p].service.value()]) {
      places.push_back(static_cast<uint32_t>(p));
    }
  }
  for (size_t a = 0; a < arc_eff_.size(); ++a) {
    if (!SameArcInputs(arc_eff_[a], metrics.arcs[a])) arcs.push_back(static_cast<uint32_t>(a));
  }
  CompileParameters(metrics);
  if (!arcs.empty()) ++verdict_epoch_;  // path verdicts are recomputed lazily
  // Admissibility of the demands the changes touch.
  std::vector<uint32_t> affected;
  if (!places.empty() || !arcs.empty()) {
    BuildReverseIndex();
    std::vector<uint8_t> mark(num_demands(), 0);
    for (uint32_t p : places) {
      for (uint32_t d : demands_at_placement(p)) mark[d] = 1;
    }
    for (uint32_t a : arcs) {
      for (uint32_t d : demands_on_arc(a)) mark[d] = 1;
    }
    for (uint32_t d = 0; d < num_demands(); ++d) {
      if (mark[d]) affected.push_back(d);
    }
    for (uint32_t d : affected) AccumulateDemand(d, -1.0);
    std::vector<double> before;
    std::vector<uint8_t> mode_before, effort_before, reason_before;
    for (uint32_t d : affected) {
      mode_before.push_back(mode_[d]);
      effort_before.push_back(best_effort_[d]);
      before.insert(before.end(), x_.begin() + cand_begin_[d], x_.begin() + cand_begin_[d + 1]);
      reason_before.insert(reason_before.end(), orig_reason_.begin() + cand_begin_[d],
                           orig_reason_.begin() + cand_begin_[d + 1]);
    }
    CompileAdmissibility(affected);
    for (uint32_t d : affected) SanitizeDemand(d);
    size_t k = 0;
    for (size_t i = 0; i < affected.size(); ++i) {
      const uint32_t d = affected[i];
      bool disturbed = mode_before[i] != mode_[d] || cold_[d];
      bool reexplain = effort_before[i] != best_effort_[d];
      for (uint32_t c = cand_begin_[d]; c < cand_begin_[d + 1]; ++c, ++k) {
        disturbed |= before[k] != x_[c];
        reexplain |= reason_before[k] != orig_reason_[c];
      }
      if (disturbed && disturbed_demands) disturbed_demands->push_back(d);
      if (reexplain && reexplain_demands) reexplain_demands->push_back(d);
      AccumulateDemand(d, +1.0);
    }
  }
  if (changed_placements) {
    changed_placements->insert(changed_placements->end(), places.begin(), places.end());
  }
  if (changed_arcs) changed_arcs->insert(changed_arcs->end(), arcs.begin(), arcs.end());
}

std::vector<uint32_t> JointSolver::DemandsGainingAt(std::span<const uint32_t> demands,
                                                    std::span<const uint32_t> placements) {
  const double umax = options_.cost.max_link_utilization;
  for (size_t a = 0; a < arc_bytes_.size(); ++a) {
    arc_marg_[a] =
        ArcCost(arc_cap_[a], arc_eff_[a].background_utilization, arc_bytes_[a], umax).slope;
  }
  for (size_t p = 0; p < site_rps_.size(); ++p) site_marg_[p] = SiteCost(p).slope;
  std::vector<uint32_t> out;
  for (uint32_t d : demands) {
    if (mode_[d] != static_cast<uint8_t>(DemandMode::kOptimized)) continue;
    double best_there = kInf, worst_used = -kInf;
    for (uint32_t c = cand_begin_[d]; c < cand_begin_[d + 1]; ++c) {
      if (reason_[c] != 0) continue;
      const bool there = std::binary_search(placements.begin(), placements.end(), cand_place_[c]);
      if (!there && !(x_[c] > 0)) continue;
      const double g = CandidateMarginal(c);
      if (there) best_there = std::min(best_there, g);
      if (x_[c] > 0) worst_used = std::max(worst_used, g);
    }
    if (worst_used == -kInf || best_there < worst_used) out.push_back(d);
  }
  return out;
}

void JointSolver::BuildReverseIndex() {
  if (reverse_built_) return;
  const size_t np = model_->placements().size();
  const size_t nl = model_->num_links();
  place_dem_begin_.assign(np + 1, 0);
  arc_dem_begin_.assign(nl + 1, 0);
  // Count, then fill; a demand is listed once per placement / link.
  std::vector<uint32_t> last_place(np, kNone32), last_link(nl, kNone32);
  auto for_each = [&](auto&& place_fn, auto&& link_fn) {
    for (uint32_t d = 0; d < num_demands(); ++d) {
      for (uint32_t c = cand_begin_[d]; c < cand_begin_[d + 1]; ++c) {
        const uint32_t p = cand_place_[c];
        if (last_place[p] != d) {
          last_place[p] = d;
          place_fn(p, d);
        }
        if (cand_path_[c] == kNoPath) continue;
        for (uint32_t i = path_begin_[cand_path_[c]]; i < path_begin_[cand_path_[c] + 1]; ++i) {
          const uint32_t l = path_arcs_[i] / 2;
          if (last_link[l] != d) {
            last_link[l] = d;
            link_fn(l, d);
          }
        }
      }
    }
  };
  for_each([&](uint32_t p, uint32_t) { ++place_dem_begin_[p + 1]; },
           [&](uint32_t l, uint32_t) { ++arc_dem_begin_[l + 1]; });
  for (size_t p = 0; p < np; ++p) place_dem_begin_[p + 1] += place_dem_begin_[p];
  for (size_t l = 0; l < nl; ++l) arc_dem_begin_[l + 1] += arc_dem_begin_[l];
  place_dem_.resize(place_dem_begin_[np]);
  arc_dem_.resize(arc_dem_begin_[nl]);
  std::vector<uint32_t> pos_p(place_dem_begin_.begin(), place_dem_begin_.end() - 1);
  std::vector<uint32_t> pos_l(arc_dem_begin_.begin(), arc_dem_begin_.end() - 1);
  std::fill(last_place.begin(), last_place.end(), kNone32);
  std::fill(last_link.begin(), last_link.end(), kNone32);
  for_each([&](uint32_t p, uint32_t d) { place_dem_[pos_p[p]++] = d; },
           [&](uint32_t l, uint32_t d) { arc_dem_[pos_l[l]++] = d; });
  reverse_built_ = true;
}

std::span<const uint32_t> JointSolver::demands_at_placement(uint32_t p) {
  BuildReverseIndex();
  return std::span<const uint32_t>(place_dem_)
      .subspan(place_dem_begin_[p], place_dem_begin_[p + 1] - place_dem_begin_[p]);
}

std::span<const uint32_t> JointSolver::demands_on_arc(uint32_t a) {
  BuildReverseIndex();
  const uint32_t l = a / 2;
  return std::span<const uint32_t>(arc_dem_).subspan(arc_dem_begin_[l],
                                                     arc_dem_begin_[l + 1] - arc_dem_begin_[l]);
}

void JointSolver::AccumulateDemand(uint32_t d, double sign) {
  AddDemandLoads(d, x_, sign, site_rps_, arc_bytes_, &const_part_);
  for (uint32_t c = cand_begin_[d]; c < cand_begin_[d + 1]; ++c) {
    if (x_[c] <= 0) continue;
    const uint32_t p = cand_place_[c];
    if (site_rps_[p] < 0) site_rps_[p] = 0;
    const uint32_t path = cand_path_[c];
    if (path == kNoPath) continue;
    for (uint32_t i = path_begin_[path]; i < path_begin_[path + 1]; ++i) {
      for (uint32_t a : {path_arcs_[i], path_arcs_[i] ^ 1u}) {
        if (arc_bytes_[a] < 0) arc_bytes_[a] = 0;
      }
    }
  }
}

void JointSolver::AddDemandLoads(uint32_t d, std::span<const double> weights, double sign,
                                 std::span<double> site_rps, std::span<double> arc_bytes,
                                 double* constant) const {
  for (uint32_t c = cand_begin_[d]; c < cand_begin_[d + 1]; ++c) {
    const double w = c < weights.size() ? weights[c] : 0;
    if (!(w > 0)) continue;
    const double r = sign * lambda_[d] * w;
    site_rps[cand_place_[c]] += r;
    *constant += r * const_ms_[c];
    const uint32_t path = cand_path_[c];
    if (path == kNoPath) continue;
    for (uint32_t i = path_begin_[path]; i < path_begin_[path + 1]; ++i) {
      arc_bytes[path_arcs_[i]] += r * breq_[d];
      arc_bytes[path_arcs_[i] ^ 1u] += r * bresp_[d];
    }
  }
}

bool JointSolver::UsesPlacement(uint32_t d, uint32_t p) const {
  for (uint32_t c = cand_begin_[d]; c < cand_begin_[d + 1]; ++c) {
    if (x_[c] > 0 && cand_place_[c] == p) return true;
  }
  return false;
}

bool JointSolver::UsesLink(uint32_t d, uint32_t arc) const {
  const uint32_t link = arc / 2;
  for (uint32_t c = cand_begin_[d]; c < cand_begin_[d + 1]; ++c) {
    if (!(x_[c] > 0) || cand_path_[c] == kNoPath) continue;
    for (uint32_t i = path_begin_[cand_path_[c]]; i < path_begin_[cand_path_[c] + 1]; ++i) {
      if (path_arcs_[i] / 2 == link) return true;
    }
  }
  return false;
}

void JointSolver::RecomputeLoads() {
  std::fill(site_rps_.begin(), site_rps_.end(), 0.0);
  std::fill(arc_bytes_.begin(), arc_bytes_.end(), 0.0);
  const_part_ = 0;
  touched_paths_.clear();
  ++stamp_;
  for (uint32_t d = 0; d < num_demands(); ++d) {
    for (uint32_t c = cand_begin_[d]; c < cand_begin_[d + 1]; ++c) {
      if (x_[c] <= 0) continue;
      const double r = lambda_[d] * x_[c];
      site_rps_[cand_place_[c]] += r;
      const_part_ += r * const_ms_[c];
      if (cand_path_[c] != kNoPath) AddPathDelta(cand_path_[c], d, r);
    }
  }
  for (uint32_t p : touched_paths_) {
    for (uint32_t i = path_begin_[p]; i < path_begin_[p + 1]; ++i) {
      arc_bytes_[path_arcs_[i]] += d_path_f_[p];
      arc_bytes_[path_arcs_[i] ^ 1u] += d_path_r_[p];
    }
    d_path_f_[p] = 0;
    d_path_r_[p] = 0;
  }
  touched_paths_.clear();
}

double JointSolver::ObjectiveFromLoads() const {
  double f = const_part_;
  for (size_t p = 0; p < site_rps_.size(); ++p) {
    if (site_rps_[p] > 0 && queue_[p].servers() > 0) {
      f += queue_[p].Cost(place_eff_[p].background_rps, site_rps_[p]).value;
    }
  }
  const double umax = options_.cost.max_link_utilization;
  for (size_t a = 0; a < arc_bytes_.size(); ++a) {
    if (arc_bytes_[a] > 0) {
      f += ArcCost(arc_cap_[a], arc_eff_[a].background_utilization, arc_bytes_[a], umax).value;
    }
  }
  return f;
}

}  // namespace cpn::te
