#include "controller/te/solver.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>
#include <utility>

#include "absl/strings/str_format.h"

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
  cold_[d] = 0;
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
                                std::vector<uint32_t>* disturbed_demands) {
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
    std::vector<uint8_t> mode_before;
    for (uint32_t d : affected) {
      mode_before.push_back(mode_[d]);
      before.insert(before.end(), x_.begin() + cand_begin_[d], x_.begin() + cand_begin_[d + 1]);
    }
    CompileAdmissibility(affected);
    for (uint32_t d : affected) SanitizeDemand(d);
    size_t k = 0;
    for (size_t i = 0; i < affected.size(); ++i) {
      const uint32_t d = affected[i];
      bool disturbed = mode_before[i] != mode_[d] || cold_[d];
      for (uint32_t c = cand_begin_[d]; c < cand_begin_[d + 1]; ++c, ++k) {
        disturbed |= before[k] != x_[c];
      }
      if (disturbed && disturbed_demands) disturbed_demands->push_back(d);
      AccumulateDemand(d, +1.0);
    }
  }
  if (changed_placements) {
    changed_placements->insert(changed_placements->end(), places.begin(), places.end());
  }
  if (changed_arcs) changed_arcs->insert(changed_arcs->end(), arcs.begin(), arcs.end());
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
      const uint32_t p = cand_path_[c];
      if (p == kNoPath) continue;
      if (path_stamp_[p] != stamp_) {
        path_stamp_[p] = stamp_;
        touched_paths_.push_back(p);
        d_path_f_[p] = 0;
        d_path_r_[p] = 0;
      }
      d_path_f_[p] += r * breq_[d];
      d_path_r_[p] += r * bresp_[d];
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

void JointSolver::ColdStart(std::span<const uint32_t> scope) {
  bool any = false;
  for (uint32_t d : scope) {
    if (cold_[d] && mode_[d] == static_cast<uint8_t>(DemandMode::kOptimized)) any = true;
  }
  if (!any) return;
  const double umax = options_.cost.max_link_utilization;
  for (size_t a = 0; a < arc_bytes_.size(); ++a) {
    arc_marg_[a] =
        ArcCost(arc_cap_[a], arc_eff_[a].background_utilization, arc_bytes_[a], umax).slope;
  }
  ++stamp_;
  for (uint32_t d : scope) {
    if (!cold_[d] || mode_[d] != static_cast<uint8_t>(DemandMode::kOptimized)) continue;
    uint32_t best = kNone32;
    double gbest = kInf;
    for (uint32_t c = cand_begin_[d]; c < cand_begin_[d + 1]; ++c) {
      if (reason_[c] != 0) continue;
      const uint32_t p = cand_place_[c];
      if (site_stamp_[p] != stamp_) {
        site_stamp_[p] = stamp_;
        site_marg_[p] = queue_[p].Cost(place_eff_[p].background_rps, site_rps_[p]).slope;
      }
      double g = const_ms_[c] + site_marg_[p];
      const uint32_t path = cand_path_[c];
      for (uint32_t i = path_begin_[path]; i < path_begin_[path + 1]; ++i) {
        g += breq_[d] * arc_marg_[path_arcs_[i]] + bresp_[d] * arc_marg_[path_arcs_[i] ^ 1u];
      }
      if (g < gbest) {
        gbest = g;
        best = c;
      }
    }
    cold_[d] = 0;
    if (best == kNone32) continue;
    x_[best] = 1.0;
    const double r = lambda_[d];
    const uint32_t p = cand_place_[best];
    site_rps_[p] += r;
    site_marg_[p] = queue_[p].Cost(place_eff_[p].background_rps, site_rps_[p]).slope;
    const_part_ += r * const_ms_[best];
    const uint32_t path = cand_path_[best];
    for (uint32_t i = path_begin_[path]; i < path_begin_[path + 1]; ++i) {
      const uint32_t a = path_arcs_[i];
      arc_bytes_[a] += r * breq_[d];
      arc_bytes_[a ^ 1u] += r * bresp_[d];
      arc_marg_[a] =
          ArcCost(arc_cap_[a], arc_eff_[a].background_utilization, arc_bytes_[a], umax).slope;
      arc_marg_[a ^ 1u] = ArcCost(arc_cap_[a ^ 1u], arc_eff_[a ^ 1u].background_utilization,
                                  arc_bytes_[a ^ 1u], umax)
                              .slope;
    }
  }
}

double JointSolver::LineSearch(double dk, double h0, double tmax, double tolerance) {
  const double umax = options_.cost.max_link_utilization;
  auto h = [&](double gamma) {
    double v = dk;
    for (uint32_t p : touched_sites_) {
      v += queue_[p].Cost(place_eff_[p].background_rps, site_rps_[p] + gamma * d_site_[p]).slope *
           d_site_[p];
    }
    for (uint32_t a : touched_arcs_) {
      v += ArcCost(arc_cap_[a], arc_eff_[a].background_utilization,
                   arc_bytes_[a] + gamma * d_arc_[a], umax)
               .slope *
           d_arc_[a];
    }
    return v;
  };
  const double h1 = h(tmax);
  if (h1 <= 0) return tmax;
  // Illinois (modified regula falsi) on the increasing h over [0, tmax].
  double lo = 0, hlo = h0, hi = tmax, hhi = h1;
  int side = 0;
  double gamma = 0;
  for (int i = 0; i < 60; ++i) {
    gamma = lo - hlo * (hi - lo) / (hhi - hlo);
    if (!(gamma > lo && gamma < hi)) gamma = 0.5 * (lo + hi);
    const double hg = h(gamma);
    if (std::abs(hg) <= tolerance * std::abs(h0) || hi - lo <= 1e-12 * tmax) break;
    if (hg < 0) {
      lo = gamma;
      hlo = hg;
      if (side == -1) hhi *= 0.5;
      side = -1;
    } else {
      hi = gamma;
      hhi = hg;
      if (side == 1) hlo *= 0.5;
      side = 1;
    }
  }
  return gamma;
}

double JointSolver::CandidateMarginal(uint32_t c) const {
  const uint32_t d = cand_demand_[c];
  const uint32_t path = cand_path_[c];
  double g = const_ms_[c] + site_marg_[cand_place_[c]];
  for (uint32_t i = path_begin_[path]; i < path_begin_[path + 1]; ++i) {
    g += breq_[d] * arc_marg_[path_arcs_[i]] + bresp_[d] * arc_marg_[path_arcs_[i] ^ 1u];
  }
  return g;
}

uint32_t JointSolver::PairSlot(uint32_t from, uint32_t to) const {
  const uint32_t s = place_service_[from];
  if (s != place_service_[to]) return kNone32;
  const uint32_t n = service_places_[s];
  return pair_base_[s] + place_local_[from] * n + place_local_[to];
}

void JointSolver::BuildPartners(std::span<const uint32_t> scope) {
  for (uint32_t slot : partner_slots_) {
    std::fill_n(&partners_[slot * kPartners], kPartners, Partner{});
  }
  partner_slots_.clear();
  auto offer = [&](uint32_t slot, const Partner& p) {
    Partner* row = &partners_[slot * kPartners];
    if (row[0].demand == kNone32) partner_slots_.push_back(slot);
    int k = kPartners - 1;
    if (row[k].demand != kNone32 && row[k].delta <= p.delta) return;
    while (k > 0 && (row[k - 1].demand == kNone32 || row[k - 1].delta > p.delta)) {
      row[k] = row[k - 1];
      --k;
    }
    row[k] = p;
  };
  struct PerPlacement {
    uint32_t placement, cheapest, costliest_used;
  };
  std::vector<PerPlacement> per;
  for (size_t i = 0; i < scope.size(); ++i) {
    const uint32_t e = scope[i];
    if (lambda_[e] <= 0) continue;
    // Per placement of the demand: its cheapest candidate and its costliest
    // used one (candidate order breaks ties).
    per.clear();
    for (uint32_t c = cand_begin_[e]; c < cand_begin_[e + 1]; ++c) {
      if (reason_[c] != 0) continue;
      PerPlacement* pp = nullptr;
      for (PerPlacement& q : per) {
        if (q.placement == cand_place_[c]) pp = &q;
      }
      if (pp == nullptr) {
        per.push_back(PerPlacement{cand_place_[c], c, kNone32});
        pp = &per.back();
      } else if (g_[c] < g_[pp->cheapest]) {
        pp->cheapest = c;
      }
      if (x_[c] > 0 && (pp->costliest_used == kNone32 || g_[c] > g_[pp->costliest_used])) {
        pp->costliest_used = c;
      }
    }
    for (const PerPlacement& from : per) {
      if (from.costliest_used == kNone32) continue;
      for (const PerPlacement& to : per) {
        if (to.placement == from.placement) continue;
        const uint32_t slot = PairSlot(from.placement, to.placement);
        if (slot == kNone32) continue;
        offer(slot, Partner{g_[to.cheapest] - g_[from.costliest_used], e, from.costliest_used,
                            to.cheapest});
      }
    }
  }
}

bool JointSolver::SwapStep(uint32_t d, uint32_t best, uint32_t worst, double gbest, double gworst) {
  const uint32_t ps = cand_place_[best], pv = cand_place_[worst];
  // The partner: among the few the sweep's table suggests for moving from
  // ps to pv, the one that (at the current marginals) loses the least.
  uint32_t e_best = kNone32, c1_best = kNone32, c2_best = kNone32;
  double delta_best = kInf;
  const uint32_t slot = PairSlot(ps, pv);
  if (slot == kNone32) return false;
  for (int k = 0; k < kPartners; ++k) {
    const Partner& pt = partners_[slot * kPartners + k];
    if (pt.demand == kNone32) break;
    const uint32_t e = pt.demand;
    if (e == d || !(x_[pt.from] > 0)) continue;
    const double delta = CandidateMarginal(pt.to) - CandidateMarginal(pt.from);
    if (delta < delta_best) {
      delta_best = delta;
      e_best = e;
      c1_best = pt.from;
      c2_best = pt.to;
    }
  }
  if (e_best == kNone32) return false;
  const double gain = (gworst - gbest) - delta_best;
  if (!(gain > 1e-9 * std::max(1.0, std::abs(gbest)))) return false;
  // Per unit t of d's weight: d moves λ_d·t from worst to best and the
  // partner moves the same rate from c1 to c2; site loads stay.
  const uint32_t e = e_best, c1 = c1_best, c2 = c2_best;
  const double ld = lambda_[d], ratio = lambda_[d] / lambda_[e];
  touched_sites_.clear();
  touched_arcs_.clear();
  ++stamp_;
  auto arc = [&](uint32_t a, double v) {
    if (arc_stamp_[a] != stamp_) {
      arc_stamp_[a] = stamp_;
      touched_arcs_.push_back(a);
      d_arc_[a] = 0;
    }
    d_arc_[a] += v;
  };
  for (const auto& [c, sign, dem] : {std::tuple{best, 1.0, d}, std::tuple{worst, -1.0, d},
                                     std::tuple{c2, 1.0, e}, std::tuple{c1, -1.0, e}}) {
    const uint32_t path = cand_path_[c];
    for (uint32_t i = path_begin_[path]; i < path_begin_[path + 1]; ++i) {
      arc(path_arcs_[i], sign * ld * breq_[dem]);
      arc(path_arcs_[i] ^ 1u, sign * ld * bresp_[dem]);
    }
  }
  std::erase_if(touched_arcs_, [&](uint32_t a) { return d_arc_[a] == 0; });
  const double dk = ld * (const_ms_[best] - const_ms_[worst] + const_ms_[c2] - const_ms_[c1]);
  const double h0 = -ld * gain;
  const double tmax = std::min(x_[worst], x_[c1] / ratio);
  const double t = NewtonSearch(dk, h0, tmax);
  if (!(t > 0)) return false;
  x_[best] += t;
  x_[worst] = t >= x_[worst] ? 0.0 : x_[worst] - t;
  x_[c2] += t * ratio;
  x_[c1] = t * ratio >= x_[c1] ? 0.0 : x_[c1] - t * ratio;
  const_part_ += t * dk;
  const double umax = options_.cost.max_link_utilization;
  for (uint32_t a : touched_arcs_) {
    arc_bytes_[a] = std::max(0.0, arc_bytes_[a] + t * d_arc_[a]);
    arc_marg_[a] =
        ArcCost(arc_cap_[a], arc_eff_[a].background_utilization, arc_bytes_[a], umax).slope;
  }
  return true;
}

DelayValue JointSolver::SiteCost(uint32_t p) {
  if (site_cache_load_[p] != site_rps_[p]) {
    site_cache_[p] = queue_[p].Cost(place_eff_[p].background_rps, site_rps_[p]);
    site_cache_load_[p] = site_rps_[p];
  }
  return site_cache_[p];
}

double JointSolver::NewtonSearch(double dk, double h0, double tmax) {
  const double umax = options_.cost.max_link_utilization;
  ls_site_.resize(touched_sites_.size());
  // f(t) − f(0) and f'(t) along the direction; f'' at 0.
  double f0 = 0, curvature = 0;
  for (uint32_t p : touched_sites_) {
    const DelayValue v = SiteCost(p);
    f0 += v.value;
    curvature += v.curvature * d_site_[p] * d_site_[p];
  }
  for (uint32_t a : touched_arcs_) {
    const DelayValue v =
        ArcCost(arc_cap_[a], arc_eff_[a].background_utilization, arc_bytes_[a], umax);
    f0 += v.value;
    curvature += v.curvature * d_arc_[a] * d_arc_[a];
  }
  auto eval = [&](double t, double* df) {
    double h = dk, f = t * dk;
    for (size_t i = 0; i < touched_sites_.size(); ++i) {
      const uint32_t p = touched_sites_[i];
      const DelayValue v = queue_[p].Cost(place_eff_[p].background_rps,
                                          std::max(0.0, site_rps_[p] + t * d_site_[p]));
      ls_site_[i] = v;
      h += v.slope * d_site_[p];
      f += v.value;
    }
    for (uint32_t a : touched_arcs_) {
      const DelayValue v = ArcCost(arc_cap_[a], arc_eff_[a].background_utilization,
                                   std::max(0.0, arc_bytes_[a] + t * d_arc_[a]), umax);
      h += v.slope * d_arc_[a];
      f += v.value;
    }
    ls_t_ = t;
    *df = f - f0;
    return h;
  };
  // One Newton step on the derivative, kept when it decreases the
  // objective; otherwise a safeguarded root search within it.
  double t = curvature > 0 ? std::min(tmax, -h0 / curvature) : tmax;
  if (!(t > 0)) return 0;
  double df = 0;
  const double ht = eval(t, &df);
  if (df < 0 && (ht <= 0 || ht <= -0.5 * h0)) return t;
  if (ht <= 0) return t;  // still descending at tmax
  double lo = 0, hlo = h0, hi = t, hhi = ht;
  int side = 0;
  double best = 0;
  for (int i = 0; i < 40; ++i) {
    double g = lo - hlo * (hi - lo) / (hhi - hlo);
    if (!(g > lo && g < hi)) g = 0.5 * (lo + hi);
    const double hg = eval(g, &df);
    if (df < 0) best = g;
    if (std::abs(hg) <= 1e-3 * std::abs(h0) || hi - lo <= 1e-12 * tmax) break;
    if (hg < 0) {
      lo = g;
      hlo = hg;
      if (side == -1) hhi *= 0.5;
      side = -1;
    } else {
      hi = g;
      hhi = hg;
      if (side == 1) hlo *= 0.5;
      side = 1;
    }
  }
  if (ls_t_ != best && best > 0) eval(best, &df);
  return best;
}

bool JointSolver::BlockStep(uint32_t d, bool allow_swap, double* gap) {
  const double lambda = lambda_[d];
  *gap = 0;
  if (lambda <= 0) return false;
  // Marginal costs of the demand's candidates at the current loads.
  uint32_t best = kNone32, worst = kNone32;
  double gbest = kInf, gworst = -kInf, sum = 0;
  for (uint32_t c = cand_begin_[d]; c < cand_begin_[d + 1]; ++c) {
    if (reason_[c] != 0) continue;
    const uint32_t path = cand_path_[c];
    double g = const_ms_[c] + site_marg_[cand_place_[c]];
    for (uint32_t i = path_begin_[path]; i < path_begin_[path + 1]; ++i) {
      g += breq_[d] * arc_marg_[path_arcs_[i]] + bresp_[d] * arc_marg_[path_arcs_[i] ^ 1u];
    }
    g_[c] = g;
    if (g < gbest) {
      gbest = g;
      best = c;
    }
    if (x_[c] > 0) {
      sum += x_[c] * g;
      if (g > gworst) {
        gworst = g;
        worst = c;
      }
    }
  }
  *gap = best == kNone32 ? 0.0 : lambda * std::max(0.0, sum - gbest);
  if (best == kNone32 || worst == kNone32 || worst == best ||
      !(gworst - gbest > 1e-12 * std::max(1.0, std::abs(gbest)))) {
    return false;
  }
  if (allow_swap && cand_place_[best] != cand_place_[worst] &&
      SwapStep(d, best, worst, gbest, gworst)) {
    return true;
  }
  // Direction: move weight from `worst` to `best`; loads change by these
  // amounts per unit of weight moved.
  touched_sites_.clear();
  touched_arcs_.clear();
  ++stamp_;
  auto site = [&](uint32_t p, double v) {
    if (site_stamp_[p] != stamp_) {
      site_stamp_[p] = stamp_;
      touched_sites_.push_back(p);
      d_site_[p] = 0;
    }
    d_site_[p] += v;
  };
  auto arc = [&](uint32_t a, double v) {
    if (arc_stamp_[a] != stamp_) {
      arc_stamp_[a] = stamp_;
      touched_arcs_.push_back(a);
      d_arc_[a] = 0;
    }
    d_arc_[a] += v;
  };
  site(cand_place_[best], lambda);
  site(cand_place_[worst], -lambda);
  for (const auto& [c, sign] : {std::pair{best, 1.0}, std::pair{worst, -1.0}}) {
    const uint32_t path = cand_path_[c];
    for (uint32_t i = path_begin_[path]; i < path_begin_[path + 1]; ++i) {
      arc(path_arcs_[i], sign * lambda * breq_[d]);
      arc(path_arcs_[i] ^ 1u, sign * lambda * bresp_[d]);
    }
  }
  std::erase_if(touched_sites_, [&](uint32_t p) { return d_site_[p] == 0; });
  std::erase_if(touched_arcs_, [&](uint32_t a) { return d_arc_[a] == 0; });
  const double dk = lambda * (const_ms_[best] - const_ms_[worst]);
  const double h0 = lambda * (gbest - gworst);
  const double t = NewtonSearch(dk, h0, x_[worst]);
  if (!(t > 0)) return false;
  x_[best] += t;
  x_[worst] = t >= x_[worst] ? 0.0 : x_[worst] - t;
  const_part_ += t * dk;
  const double umax = options_.cost.max_link_utilization;
  for (size_t i = 0; i < touched_sites_.size(); ++i) {
    const uint32_t p = touched_sites_[i];
    site_rps_[p] = std::max(0.0, site_rps_[p] + t * d_site_[p]);
    // The search's last evaluation is usually at the chosen step.
    if (ls_t_ == t) {
      // Remember the search's evaluation at the chosen step.
      site_cache_[p] = ls_site_[i];
      site_cache_load_[p] = site_rps_[p];
    }
    site_marg_[p] = SiteCost(p).slope;
  }
  for (uint32_t a : touched_arcs_) {
    arc_bytes_[a] = std::max(0.0, arc_bytes_[a] + t * d_arc_[a]);
    arc_marg_[a] =
        ArcCost(arc_cap_[a], arc_eff_[a].background_utilization, arc_bytes_[a], umax).slope;
  }
  return true;
}

// One step of every demand in `scope` at once toward its all-or-nothing
// assignment (or pairwise: from its costliest used candidate to its
// cheapest), with one exact line search; needs best_/worst_/g_ from the
// last marginal pass. False when the direction does not descend.
bool JointSolver::GlobalStep(std::span<const uint32_t> scope, bool pairwise, double* f) {
  const double umax = options_.cost.max_link_utilization;
  touched_sites_.clear();
  touched_arcs_.clear();
  touched_paths_.clear();
  ++stamp_;
  double dk = 0;
  auto add = [&](uint32_t d, uint32_t c, double dx) {
    const double r = lambda_[d] * dx;
    const uint32_t p = cand_place_[c];
    if (site_stamp_[p] != stamp_) {
      site_stamp_[p] = stamp_;
      touched_sites_.push_back(p);
      d_site_[p] = 0;
    }
    d_site_[p] += r;
    dk += r * const_ms_[c];
    const uint32_t path = cand_path_[c];
    if (path_stamp_[path] != stamp_) {
      path_stamp_[path] = stamp_;
      touched_paths_.push_back(path);
      d_path_f_[path] = 0;
      d_path_r_[path] = 0;
    }
    d_path_f_[path] += r * breq_[d];
    d_path_r_[path] += r * bresp_[d];
  };
  for (size_t i = 0; i < scope.size(); ++i) {
    const uint32_t d = scope[i];
    const uint32_t best = best_[i];
    if (best == kNone32 || lambda_[d] <= 0) continue;
    if (pairwise) {
      const uint32_t worst = worst_[i];
      if (worst == kNone32 || worst == best || !(g_[worst] > g_[best])) continue;
      add(d, best, x_[worst]);
      add(d, worst, -x_[worst]);
    } else {
      for (uint32_t c = cand_begin_[d]; c < cand_begin_[d + 1]; ++c) {
        const double dx = (c == best ? 1.0 : 0.0) - x_[c];
        if (dx != 0) add(d, c, dx);
      }
    }
  }
  for (uint32_t path : touched_paths_) {
    const double df = d_path_f_[path], dr = d_path_r_[path];
    for (uint32_t i = path_begin_[path]; i < path_begin_[path + 1]; ++i) {
      for (uint32_t a : {path_arcs_[i], path_arcs_[i] ^ 1u}) {
        if (arc_stamp_[a] != stamp_) {
          arc_stamp_[a] = stamp_;
          touched_arcs_.push_back(a);
          d_arc_[a] = 0;
        }
      }
      d_arc_[path_arcs_[i]] += df;
      d_arc_[path_arcs_[i] ^ 1u] += dr;
    }
  }
  double h0 = dk;
  for (uint32_t p : touched_sites_) h0 += site_marg_[p] * d_site_[p];
  for (uint32_t a : touched_arcs_) h0 += arc_marg_[a] * d_arc_[a];
  if (!(h0 < -1e-15 * std::max(1.0, *f))) return false;
  const double gamma = LineSearch(dk, h0, 1.0, 1e-7);

  // Step.
  for (size_t i = 0; i < scope.size(); ++i) {
    const uint32_t d = scope[i];
    const uint32_t best = best_[i];
    if (best == kNone32 || lambda_[d] <= 0) continue;
    if (pairwise) {
      const uint32_t worst = worst_[i];
      if (worst == kNone32 || worst == best || !(g_[worst] > g_[best])) continue;
      const double move = gamma * x_[worst];
      x_[best] += move;
      x_[worst] = gamma >= 1.0 ? 0.0 : x_[worst] - move;
    } else {
      for (uint32_t c = cand_begin_[d]; c < cand_begin_[d + 1]; ++c) x_[c] *= (1.0 - gamma);
      x_[best] += gamma;
    }
  }
  double df = gamma * dk;
  for (uint32_t p : touched_sites_) {
    const double before = queue_[p].Cost(place_eff_[p].background_rps, site_rps_[p]).value;
    site_rps_[p] = std::max(0.0, site_rps_[p] + gamma * d_site_[p]);
    df += queue_[p].Cost(place_eff_[p].background_rps, site_rps_[p]).value - before;
  }
  for (uint32_t a : touched_arcs_) {
    const double u0 = arc_eff_[a].background_utilization;
    const double before = ArcCost(arc_cap_[a], u0, arc_bytes_[a], umax).value;
    arc_bytes_[a] = std::max(0.0, arc_bytes_[a] + gamma * d_arc_[a]);
    df += ArcCost(arc_cap_[a], u0, arc_bytes_[a], umax).value - before;
  }
  const_part_ += gamma * dk;
  *f += df;
  return true;
}

SolveStats JointSolver::Solve() { return Run(all_demands_, options_.max_iterations); }

SolveStats JointSolver::SolveSubset(std::span<const uint32_t> demands) {
  return Run(demands, options_.max_subset_iterations);
}

SolveStats JointSolver::Run(std::span<const uint32_t> requested, int max_iterations) {
  SolveStats stats;
  ColdStart(requested);
  // The demands the run optimises, their paths and placements.
  std::vector<uint32_t> scope;
  scope.reserve(requested.size());
  for (uint32_t d : requested) {
    if (mode_[d] == static_cast<uint8_t>(DemandMode::kOptimized)) scope.push_back(d);
  }
  stats.demands = scope.size();
  size_t optimized = 0;
  for (uint32_t d = 0; d < num_demands(); ++d) {
    optimized += mode_[d] == static_cast<uint8_t>(DemandMode::kOptimized);
  }
  const bool subset = scope.size() < optimized;
  ++stamp_;
  scope_paths_.clear();
  scope_sites_.clear();
  for (uint32_t d : scope) {
    for (uint32_t c = cand_begin_[d]; c < cand_begin_[d + 1]; ++c) {
      if (reason_[c] != 0) continue;
      const uint32_t path = cand_path_[c];
      if (path_stamp_[path] != stamp_) {
        path_stamp_[path] = stamp_;
        scope_paths_.push_back(path);
      }
      const uint32_t p = cand_place_[c];
      if (site_stamp_[p] != stamp_) {
        site_stamp_[p] = stamp_;
        scope_sites_.push_back(p);
      }
    }
  }
  best_.assign(scope.size(), kNone32);
  worst_.assign(scope.size(), kNone32);
  in_scope_.assign(num_demands(), 0);
  for (uint32_t d : scope) in_scope_[d] = 1;
  dgap_.assign(scope.size(), 0.0);
  const double umax = options_.cost.max_link_utilization;
  double f = ObjectiveFromLoads();
  double denom = f;
  stats.outcome = SolveOutcome::kIterationLimit;

  // The exact pass: every marginal cost at the current loads, the duality
  // gap of every demand and in total.
  // The arcs the scope's paths use (both directions); all for a full solve.
  std::vector<uint32_t> scope_arcs;
  if (subset) {
    ++stamp_;
    for (uint32_t path : scope_paths_) {
      for (uint32_t i = path_begin_[path]; i < path_begin_[path + 1]; ++i) {
        for (uint32_t a : {path_arcs_[i], path_arcs_[i] ^ 1u}) {
          if (arc_stamp_[a] != stamp_) {
            arc_stamp_[a] = stamp_;
            scope_arcs.push_back(a);
          }
        }
      }
    }
  }
  auto exact_pass = [&]() {
    if (subset) {
      for (uint32_t a : scope_arcs) {
        arc_marg_[a] =
            ArcCost(arc_cap_[a], arc_eff_[a].background_utilization, arc_bytes_[a], umax).slope;
      }
    } else {
      for (size_t a = 0; a < arc_bytes_.size(); ++a) {
        arc_marg_[a] =
            ArcCost(arc_cap_[a], arc_eff_[a].background_utilization, arc_bytes_[a], umax).slope;
      }
    }
    for (uint32_t p : scope_sites_) {
      site_marg_[p] = queue_[p].Cost(place_eff_[p].background_rps, site_rps_[p]).slope;
    }
    for (uint32_t path : scope_paths_) {
      double sf = 0, sr = 0;
      for (uint32_t i = path_begin_[path]; i < path_begin_[path + 1]; ++i) {
        sf += arc_marg_[path_arcs_[i]];
        sr += arc_marg_[path_arcs_[i] ^ 1u];
      }
      path_sf_[path] = sf;
      path_sr_[path] = sr;
    }
    double gap = 0, scope_cost = 0;
    for (size_t i = 0; i < scope.size(); ++i) {
      const uint32_t d = scope[i];
      uint32_t best = kNone32, worst = kNone32;
      double gbest = kInf, gworst = -kInf, sum = 0;
      for (uint32_t c = cand_begin_[d]; c < cand_begin_[d + 1]; ++c) {
        if (reason_[c] != 0) continue;
        const uint32_t path = cand_path_[c];
        const double g = const_ms_[c] + site_marg_[cand_place_[c]] + breq_[d] * path_sf_[path] +
                         bresp_[d] * path_sr_[path];
        g_[c] = g;
        if (g < gbest) {
          gbest = g;
          best = c;
        }
        if (x_[c] > 0) {
          sum += x_[c] * g;
          if (g > gworst) {
            gworst = g;
            worst = c;
          }
        }
      }
      best_[i] = best;
      worst_[i] = worst;
      dgap_[i] = lambda_[d] * std::max(0.0, sum - gbest);
      gap += dgap_[i];
      scope_cost += lambda_[d] * sum;
    }
    // A subset's gap is measured against the subset's own cost (its
    // demands' Σ λ Σ x·g, at least their share of the objective), so that
    // a small subset is held to the same relative standard as a full solve.
    denom = subset ? std::min(f, scope_cost) : f;
    return denom > 0 ? gap / denom : 0;
  };

  for (int it = 0;; ++it) {
    {
      stats.relative_gap = exact_pass();
      // Demands without traffic cost nothing anywhere: keep them on their
      // least-marginal candidate, where their first requests should go.
      for (size_t i = 0; i < scope.size(); ++i) {
        const uint32_t d = scope[i];
        if (lambda_[d] > 0 || best_[i] == kNone32 || x_[best_[i]] == 1.0) continue;
        for (uint32_t c = cand_begin_[d]; c < cand_begin_[d + 1]; ++c) x_[c] = 0;
        x_[best_[i]] = 1.0;
      }
      stats.iterations = it;
      if (stats.relative_gap <= options_.relative_gap) {
        stats.outcome = SolveOutcome::kConverged;
        break;
      }
    }
    if (it >= max_iterations) break;

    if (options_.method == SolverMethod::kBlockCoordinate) {
      // One sweep of per-demand steps over the demands that hold a fair
      // share of the gap or more. The marginal costs stay exact (every step
      // updates those it touches).
      const double share = 0.5 * options_.relative_gap * denom / std::max<size_t>(1, scope.size());
      if (options_.swap_steps) BuildPartners(scope);
      for (size_t i = 0; i < scope.size(); ++i) {
        if (dgap_[i] <= share) continue;
        double gap_now = 0;
        for (int k = 0; k < 10 && BlockStep(scope[i], options_.swap_steps, &gap_now); ++k) {
        }
      }
      if (!subset) f = ObjectiveFromLoads();
      continue;
    }

    // Direction: all-or-nothing (FW) or pairwise, accumulated per path.
    const bool pairwise = options_.pairwise_steps && (it % 2 == 1);
    if (!GlobalStep(scope, pairwise, &f)) {
      if (pairwise) continue;
      stats.outcome = SolveOutcome::kConverged;
      break;
    }
    if (pairwise) ++stats.pairwise_iterations;
  }

  // Drop negligible weights; recompute the loads exactly after a full
  // solve (a subset's are kept up to date incrementally).
  for (uint32_t d : scope) {
    bool small = false;
    for (uint32_t c = cand_begin_[d]; c < cand_begin_[d + 1]; ++c) {
      small |= x_[c] > 0 && x_[c] < options_.min_weight;
    }
    if (!small) continue;
    if (subset) AccumulateDemand(d, -1.0);
    double sum = 0;
    for (uint32_t c = cand_begin_[d]; c < cand_begin_[d + 1]; ++c) {
      if (x_[c] < options_.min_weight) x_[c] = 0;
      sum += x_[c];
    }
    if (sum > 0) {
      for (uint32_t c = cand_begin_[d]; c < cand_begin_[d + 1]; ++c) x_[c] /= sum;
    }
    if (subset) AccumulateDemand(d, +1.0);
  }
  if (!subset) RecomputeLoads();
  stats.objective = ObjectiveFromLoads();
  return stats;
}

void JointSolver::Evaluate(std::span<const double> weights, Evaluation* out) const {
  out->site_rps.assign(site_rps_.size(), 0);
  out->arc_bytes_ps.assign(arc_bytes_.size(), 0);
  out->constant_part = 0;
  for (uint32_t d = 0; d < num_demands(); ++d) {
    AddDemandLoads(d, weights, 1.0, out->site_rps, out->arc_bytes_ps, &out->constant_part);
  }
  EvaluateLoads(out);
}

void JointSolver::EvaluateCurrent(Evaluation* out) const {
  out->site_rps = site_rps_;
  out->arc_bytes_ps = arc_bytes_;
  out->constant_part = const_part_;
  EvaluateLoads(out);
}

void JointSolver::EvaluateLoads(Evaluation* out) const {
  const size_t np = site_rps_.size(), na = arc_bytes_.size();
  const double constant = out->constant_part;
  out->site_utilization.assign(np, 0);
  out->site_wait_ms.assign(np, 0);
  out->site_marginal_ms.assign(np, 0);
  double f = constant;
  for (size_t p = 0; p < np; ++p) {
    if (queue_[p].servers() == 0) continue;
    const double bg = place_eff_[p].background_rps;
    const double a = out->site_rps[p];
    const DelayValue w = queue_[p].Wait(bg + a);
    const double service = queue_[p].service_time_ms();
    out->site_utilization[p] = queue_[p].Utilization(bg + a);
    out->site_wait_ms[p] = w.value;
    out->site_marginal_ms[p] = w.value + service + a * w.slope;
    f += a * (w.value + service);
  }
  const double umax = options_.cost.max_link_utilization;
  out->arc_utilization.assign(na, 0);
  out->arc_factor.assign(na, 0);
  out->arc_queue_ms_per_byte.assign(na, 0);
  out->arc_marginal.assign(na, 0);
  for (size_t a = 0; a < na; ++a) {
    const double u0 = arc_eff_[a].background_utilization;
    const double g = out->arc_bytes_ps[a];
    const double u = u0 + 8.0 * g / arc_cap_[a];
    out->arc_utilization[a] = u;
    out->arc_factor[a] = LinkQueueFactor(u, umax).value;
    out->arc_queue_ms_per_byte[a] = 8000.0 / arc_cap_[a] * out->arc_factor[a];
    const DelayValue cost = ArcCost(arc_cap_[a], u0, g, umax);
    out->arc_marginal[a] = cost.slope;
    f += cost.value;
  }
  out->objective = f;
}

CostTerms JointSolver::Terms(uint32_t c, const Evaluation& eval) const {
  double marginal;
  return TermsAndMarginal(c, eval, &marginal);
}

CostTerms JointSolver::TermsAndMarginal(uint32_t c, const Evaluation& eval,
                                        double* marginal) const {
  CostTerms t;
  const uint32_t d = cand_demand_[c];
  const uint32_t p = cand_place_[c];
  const uint32_t path = cand_path_[c];
  t.service_ms = place_eff_[p].service_time_ms;
  t.site_utilization = eval.site_utilization[p];
  t.compute_wait_ms = queue_[p].servers() > 0 ? eval.site_wait_ms[p] : 0;
  if (path == kNoPath) {
    const uint64_t shortest = candidates_->by_demand[d][c - cand_begin_[d]].shortest_delay_us;
    if (shortest != std::numeric_limits<uint64_t>::max()) t.propagation_ms = 2 * shortest / 1000.0;
    *marginal = kInf;
  } else {
    t.propagation_ms = 2 * path_prop_ms_[path];
    t.transfer_ms = const_ms_[c] - t.propagation_ms;
    double qf = 0, qr = 0, mf = 0, mr = 0, umax = -1;
    for (uint32_t i = path_begin_[path]; i < path_begin_[path + 1]; ++i) {
      const uint32_t a = path_arcs_[i], r = a ^ 1u;
      qf += eval.arc_queue_ms_per_byte[a];
      qr += eval.arc_queue_ms_per_byte[r];
      mf += eval.arc_marginal[a];
      mr += eval.arc_marginal[r];
      for (uint32_t e : {a, r}) {
        if (eval.arc_utilization[e] > umax) {
          umax = eval.arc_utilization[e];
          t.bottleneck_arc = model::ArcIndex(e);
        }
      }
    }
    t.queueing_ms = breq_[d] * qf + bresp_[d] * qr;
    t.max_link_utilization = std::max(umax, 0.0);
    *marginal = const_ms_[c] + eval.site_marginal_ms[p] + breq_[d] * mf + bresp_[d] * mr;
  }
  t.total_ms = t.propagation_ms + t.queueing_ms + t.transfer_ms + t.compute_wait_ms + t.service_ms;
  return t;
}

double JointSolver::Marginal(uint32_t c, const Evaluation& eval) const {
  const uint32_t path = cand_path_[c];
  if (path == kNoPath) return kInf;
  const uint32_t d = cand_demand_[c];
  double g = const_ms_[c] + eval.site_marginal_ms[cand_place_[c]];
  for (uint32_t i = path_begin_[path]; i < path_begin_[path + 1]; ++i) {
    g += breq_[d] * eval.arc_marginal[path_arcs_[i]] +
         bresp_[d] * eval.arc_marginal[path_arcs_[i] ^ 1u];
  }
  return g;
}

}  // namespace cpn::te
