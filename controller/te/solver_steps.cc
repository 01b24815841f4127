// JointSolver: the iterations (docs/decisions.md, "The solver"): cold start,
// block-coordinate steps per demand with Newton line searches, pairwise swaps
// between candidates, and the global Frank–Wolfe / pairwise steps that bound
// the gap. Set-up and load bookkeeping are in solver.cc, evaluation in
// solver_evaluate.cc.
#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>
#include <utility>

#include "controller/te/solver.h"

namespace cpn::te {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr uint32_t kNone32 = std::numeric_limits<uint32_t>::max();

// Illinois (modified regula falsi) bracket for the root of an increasing
// function h on [lo, hi] with h(lo) < 0 < h(hi): Next() proposes a point,
// Update() narrows the bracket with h there, halving the stale end's value
// when the same end moves twice (what makes Illinois superlinear).
class IllinoisBracket {
 public:
  IllinoisBracket(double lo, double h_lo, double hi, double h_hi)
      : lo_(lo), h_lo_(h_lo), hi_(hi), h_hi_(h_hi) {}

  double Next() const {
    const double x = lo_ - h_lo_ * (hi_ - lo_) / (h_hi_ - h_lo_);
    return x > lo_ && x < hi_ ? x : 0.5 * (lo_ + hi_);
  }
  void Update(double x, double h) {
    if (h < 0) {
      lo_ = x;
      h_lo_ = h;
      if (side_ == -1) h_hi_ *= 0.5;
      side_ = -1;
    } else {
      hi_ = x;
      h_hi_ = h;
      if (side_ == 1) h_lo_ *= 0.5;
      side_ = 1;
    }
  }
  double width() const { return hi_ - lo_; }

 private:
  double lo_, h_lo_, hi_, h_hi_;
  int side_ = 0;  // -1: lo moved last, 1: hi moved last
};

// Over one demand's admissible candidates, fed in candidate order: the
// least-marginal one, the costliest one carrying weight, and Σ x·g.
struct CandidateScan {
  uint32_t best = kNone32, worst = kNone32;
  double gbest = kInf, gworst = -kInf, sum = 0;

  void Add(uint32_t c, double g, double x) {
    if (g < gbest) {
      gbest = g;
      best = c;
    }
    if (x > 0) {
      sum += x * g;
      if (g > gworst) {
        gworst = g;
        worst = c;
      }
    }
  }
};

}  // namespace

void JointSolver::AddSiteDelta(uint32_t p, double v) {
  if (site_stamp_[p] != stamp_) {
    site_stamp_[p] = stamp_;
    touched_sites_.push_back(p);
    d_site_[p] = 0;
  }
  d_site_[p] += v;
}

void JointSolver::AddArcDelta(uint32_t a, double v) {
  if (arc_stamp_[a] != stamp_) {
    arc_stamp_[a] = stamp_;
    touched_arcs_.push_back(a);
    d_arc_[a] = 0;
  }
  d_arc_[a] += v;
}

void JointSolver::AddPathDelta(uint32_t path, uint32_t d, double r) {
  if (path_stamp_[path] != stamp_) {
    path_stamp_[path] = stamp_;
    touched_paths_.push_back(path);
    d_path_f_[path] = 0;
    d_path_r_[path] = 0;
  }
  d_path_f_[path] += r * breq_[d];
  d_path_r_[path] += r * bresp_[d];
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
      const double g = CandidateMarginal(c);
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
  // The root of the increasing h over [0, tmax].
  IllinoisBracket bracket(0, h0, tmax, h1);
  double gamma = 0;
  for (int i = 0; i < 60; ++i) {
    gamma = bracket.Next();
    const double hg = h(gamma);
    if (std::abs(hg) <= tolerance * std::abs(h0) || bracket.width() <= 1e-12 * tmax) break;
    bracket.Update(gamma, hg);
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
  for (const auto& [c, sign, dem] : {std::tuple{best, 1.0, d}, std::tuple{worst, -1.0, d},
                                     std::tuple{c2, 1.0, e}, std::tuple{c1, -1.0, e}}) {
    const uint32_t path = cand_path_[c];
    for (uint32_t i = path_begin_[path]; i < path_begin_[path + 1]; ++i) {
      AddArcDelta(path_arcs_[i], sign * ld * breq_[dem]);
      AddArcDelta(path_arcs_[i] ^ 1u, sign * ld * bresp_[dem]);
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
  IllinoisBracket bracket(0, h0, t, ht);
  double best = 0;
  for (int i = 0; i < 40; ++i) {
    const double g = bracket.Next();
    const double hg = eval(g, &df);
    if (df < 0) best = g;
    if (std::abs(hg) <= 1e-3 * std::abs(h0) || bracket.width() <= 1e-12 * tmax) break;
    bracket.Update(g, hg);
  }
  if (ls_t_ != best && best > 0) eval(best, &df);
  return best;
}

bool JointSolver::BlockStep(uint32_t d, bool allow_swap, double* gap) {
  const double lambda = lambda_[d];
  *gap = 0;
  if (lambda <= 0) return false;
  // Marginal costs of the demand's candidates at the current loads.
  CandidateScan scan;
  for (uint32_t c = cand_begin_[d]; c < cand_begin_[d + 1]; ++c) {
    if (reason_[c] != 0) continue;
    g_[c] = CandidateMarginal(c);
    scan.Add(c, g_[c], x_[c]);
  }
  const uint32_t best = scan.best, worst = scan.worst;
  const double gbest = scan.gbest, gworst = scan.gworst, sum = scan.sum;
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
  AddSiteDelta(cand_place_[best], lambda);
  AddSiteDelta(cand_place_[worst], -lambda);
  for (const auto& [c, sign] : {std::pair{best, 1.0}, std::pair{worst, -1.0}}) {
    const uint32_t path = cand_path_[c];
    for (uint32_t i = path_begin_[path]; i < path_begin_[path + 1]; ++i) {
      AddArcDelta(path_arcs_[i], sign * lambda * breq_[d]);
      AddArcDelta(path_arcs_[i] ^ 1u, sign * lambda * bresp_[d]);
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
    AddSiteDelta(cand_place_[c], r);
    dk += r * const_ms_[c];
    AddPathDelta(cand_path_[c], d, r);
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
      AddArcDelta(path_arcs_[i], df);
      AddArcDelta(path_arcs_[i] ^ 1u, dr);
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
  // gap of every demand and in total. Every arc's marginal is recomputed
  // even for a small subset: one ArcCost per arc is cheaper than finding
  // the arcs the subset's paths use (long paths share most arcs).
  auto exact_pass = [&]() {
    for (size_t a = 0; a < arc_bytes_.size(); ++a) {
      arc_marg_[a] =
          ArcCost(arc_cap_[a], arc_eff_[a].background_utilization, arc_bytes_[a], umax).slope;
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
      CandidateScan scan;
      for (uint32_t c = cand_begin_[d]; c < cand_begin_[d + 1]; ++c) {
        if (reason_[c] != 0) continue;
        const uint32_t path = cand_path_[c];
        g_[c] = const_ms_[c] + site_marg_[cand_place_[c]] + breq_[d] * path_sf_[path] +
                bresp_[d] * path_sr_[path];
        scan.Add(c, g_[c], x_[c]);
      }
      best_[i] = scan.best;
      worst_[i] = scan.worst;
      dgap_[i] = lambda_[d] * std::max(0.0, scan.sum - scan.gbest);
      gap += dgap_[i];
      scope_cost += lambda_[d] * scan.sum;
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

}  // namespace cpn::te
