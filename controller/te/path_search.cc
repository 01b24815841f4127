#include "controller/te/path_search.h"

#include <algorithm>
#include <functional>

namespace cpn::te {
namespace {

using model::ArcIndex;
using model::RouterIndex;

constexpr uint64_t kInf = UINT64_MAX;

// a + b, or kInf when it would not fit.
uint64_t SaturatingAdd(uint64_t a, uint64_t b) { return b > kInf - a ? kInf : a + b; }

}  // namespace

void TargetTree::Compute(const model::NetworkModel& model, RouterIndex target,
                         std::span<const uint64_t> arc_costs) {
  target_ = target;
  tree_.Compute(model, target, arc_costs, model::ShortestPathTree<uint64_t>::Direction::kToRoot);
  const std::span<const uint64_t> dist = tree_.distances();
  keys_.assign(dist.begin(), dist.end());
  // The tree's own parents depend on the heap's order among equal keys. For
  // the lexicographic tie-break take, at every router, the smallest arc that
  // starts a least-key path: out_arcs() is ascending, so the first tight one.
  // Costs are >= 1, so tight arcs strictly decrease the key: no cycles.
  next_arc_.assign(keys_.size(), ArcIndex());
  const std::span<const RouterIndex> heads = model.arc_heads();
  for (uint32_t u = 0; u < keys_.size(); ++u) {
    if (keys_[u] == kInf || u == target.value()) continue;
    for (ArcIndex a : model.out_arcs(RouterIndex(u))) {
      const uint64_t c = arc_costs[a.value()];
      const uint64_t h = keys_[heads[a.value()].value()];
      if (c == kInf || h == kInf || h >= keys_[u]) continue;
      if (c == keys_[u] - h) {
        next_arc_[u] = a;
        break;
      }
    }
  }
}

void PathSearch::Reset(size_t num_routers) {
  if (blocked_.size() != num_routers) {
    blocked_.assign(num_routers, 0);
    visit_.assign(num_routers, 0);
    g_.assign(num_routers, 0);
    settled_.assign(num_routers, 0);
    on_best_.assign(num_routers, 0);
    block_stamp_ = 1;
    visit_stamp_ = 1;
  }
  ClearBlocked();
  if (block_stamp_ == 0) {  // wrapped: old stamps could alias
    std::fill(blocked_.begin(), blocked_.end(), 0);
    block_stamp_ = 1;
  }
}

bool PathSearch::Removed(ArcIndex a, std::span<const ArcIndex> removed) const {
  return std::find(removed.begin(), removed.end(), a) != removed.end();
}

std::optional<uint64_t> PathSearch::Find(const model::NetworkModel& model,
                                         std::span<const uint64_t> arc_costs, RouterIndex from,
                                         RouterIndex target, std::span<const uint64_t> lower_bounds,
                                         std::span<const ArcIndex> removed_arcs, uint64_t max_key,
                                         std::vector<ArcIndex>* out) {
  if (from == target) return 0;
  if (++visit_stamp_ == 0) {
    std::fill(visit_.begin(), visit_.end(), 0);
    visit_stamp_ = 1;
  }
  auto lower_bound = [&](uint32_t r) { return lower_bounds.empty() ? 0 : lower_bounds[r]; };
  auto visited = [&](uint32_t r) { return visit_[r] == visit_stamp_; };
  auto visit = [&](uint32_t r) {
    visit_[r] = visit_stamp_;
    settled_[r] = 0;
    on_best_[r] = 0;
  };
  auto usable = [&](uint32_t tail, ArcIndex a) {
    return arc_costs[a.value()] != kInf &&
           (tail != from.value() || !Removed(a, removed_arcs));
  };
  if (lower_bound(from.value()) == kInf) return std::nullopt;

  // A* (Dijkstra when there are no bounds). The bounds are consistent, so a
  // router's g is final when it is first popped. Keep popping until the heap
  // passes the best key: every router on some least-key path is then settled,
  // which the tie-break below needs.
  const std::span<const RouterIndex> heads = model.arc_heads();
  heap_.clear();
  visit(from.value());
  g_[from.value()] = 0;
  heap_.push_back({lower_bound(from.value()), from.value()});
  std::optional<uint64_t> best;
  while (!heap_.empty()) {
    std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
    const auto [f, u] = heap_.back();
    heap_.pop_back();
    if (f > max_key || (best && f > *best)) break;
    if (settled_[u]) continue;  // stale entry
    settled_[u] = 1;
    if (u == target.value()) {
      best = g_[u];
      continue;
    }
    for (ArcIndex a : model.out_arcs(RouterIndex(u))) {
      if (!usable(u, a)) continue;
      const uint32_t v = heads[a.value()].value();
      if (blocked(RouterIndex(v))) continue;
      const uint64_t h = lower_bound(v);
      if (h == kInf) continue;
      const uint64_t g = SaturatingAdd(g_[u], arc_costs[a.value()]);
      if (g == kInf) continue;
      if (visited(v) && (settled_[v] || g >= g_[v])) continue;
      if (!visited(v)) visit(v);
      g_[v] = g;
      heap_.push_back({SaturatingAdd(g, h), v});
      std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
    }
  }
  if (!best) return std::nullopt;

  // Mark the routers on least-key paths: walk tight arcs back from the target.
  auto tight = [&](uint32_t u, ArcIndex a, uint32_t v) {
    return visited(u) && settled_[u] && usable(u, a) && g_[u] + arc_costs[a.value()] == g_[v];
  };
  on_best_[target.value()] = 1;
  stack_.assign(1, target.value());
  while (!stack_.empty()) {
    const uint32_t w = stack_.back();
    stack_.pop_back();
    for (ArcIndex out_of_w : model.out_arcs(RouterIndex(w))) {
      const ArcIndex a = model::ReverseOf(out_of_w);  // u -> w
      const uint32_t u = heads[out_of_w.value()].value();
      if (!tight(u, a, w) || on_best_[u]) continue;
      on_best_[u] = 1;
      stack_.push_back(u);
    }
  }
  // Walk forward taking the smallest arc that stays on a least-key path: the
  // lexicographically smallest of them.
  for (uint32_t u = from.value(); u != target.value();) {
    bool stepped = false;
    for (ArcIndex a : model.out_arcs(RouterIndex(u))) {
      const uint32_t v = heads[a.value()].value();
      if (visited(v) && settled_[v] && on_best_[v] && !blocked(RouterIndex(v)) && tight(u, a, v)) {
        out->push_back(a);
        u = v;
        stepped = true;
        break;
      }
    }
    if (!stepped) return std::nullopt;  // unreachable: `from` is on a marked path
  }
  return best;
}

}  // namespace cpn::te
