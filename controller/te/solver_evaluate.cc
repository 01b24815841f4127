// JointSolver: evaluation of a weight vector (loads, cost terms, marginal
// costs) for explanations and what-if; read-only, safe beside nothing else
// mutating the solver.
#include <algorithm>
#include <cmath>
#include <limits>

#include "controller/te/solver.h"

namespace cpn::te {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

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
  out->path_sums_slot.assign(path_prop_ms_.size(), 0);
  out->path_sums.clear();
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
    const Evaluation::PathSums& sums = PathSumsAt(path, eval);
    t.queueing_ms = breq_[d] * sums.queue_fwd_ms_per_byte + bresp_[d] * sums.queue_rev_ms_per_byte;
    t.max_link_utilization = std::max(sums.max_utilization, 0.0);
    if (sums.bottleneck_arc != UINT32_MAX) t.bottleneck_arc = model::ArcIndex(sums.bottleneck_arc);
    *marginal = const_ms_[c] + eval.site_marginal_ms[p] + breq_[d] * sums.marginal_fwd +
                bresp_[d] * sums.marginal_rev;
  }
  t.total_ms = t.propagation_ms + t.queueing_ms + t.transfer_ms + t.compute_wait_ms + t.service_ms;
  return t;
}

double JointSolver::Marginal(uint32_t c, const Evaluation& eval) const {
  const uint32_t path = cand_path_[c];
  if (path == kNoPath) return kInf;
  const uint32_t d = cand_demand_[c];
  const Evaluation::PathSums& sums = PathSumsAt(path, eval);
  return const_ms_[c] + eval.site_marginal_ms[cand_place_[c]] + breq_[d] * sums.marginal_fwd +
         bresp_[d] * sums.marginal_rev;
}

const Evaluation::PathSums& JointSolver::PathSumsAt(uint32_t path, const Evaluation& eval) const {
  uint32_t& slot = eval.path_sums_slot[path];
  if (slot != 0) return eval.path_sums[slot - 1];
  // One walk for all five (paths are long; this runs for every candidate
  // path of every refreshed demand).
  Evaluation::PathSums s;
  for (uint32_t i = path_begin_[path]; i < path_begin_[path + 1]; ++i) {
    const uint32_t a = path_arcs_[i], r = a ^ 1u;
    s.queue_fwd_ms_per_byte += eval.arc_queue_ms_per_byte[a];
    s.queue_rev_ms_per_byte += eval.arc_queue_ms_per_byte[r];
    s.marginal_fwd += eval.arc_marginal[a];
    s.marginal_rev += eval.arc_marginal[r];
    const double ua = eval.arc_utilization[a], ur = eval.arc_utilization[r];
    if (ua > s.max_utilization) {
      s.max_utilization = ua;
      s.bottleneck_arc = a;
    }
    if (ur > s.max_utilization) {
      s.max_utilization = ur;
      s.bottleneck_arc = r;
    }
  }
  eval.path_sums.push_back(s);
  slot = static_cast<uint32_t>(eval.path_sums.size());
  return eval.path_sums.back();
}

}  // namespace cpn::te
