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
  detour_.assign(keys_.size(), kInf);
  for (uint32_t u = 0; u < keys_.size(); ++u) RefreshRouter(model, arc_costs, RouterIndex(u));
}

void TargetTree::Repair(const model::NetworkModel& model, std::span<const uint64_t> arc_costs,
                        std::span<const ArcIndex> worsened, std::span<const ArcIndex> improved) {
  const std::span<const RouterIndex> heads = model.arc_heads();
  const size_t n = keys_.size();
  mark_.assign(n, 0);  // 1: in the detached set; 2: refresh next_arc/detour
  list_.clear();
  heap_.clear();
  auto push = [&](uint64_t key, uint32_t r) {
    heap_.push_back({key, r});
    std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
  };
  auto touch = [&](uint32_t r) {  // keys around r may have moved
    for (ArcIndex out : model.out_arcs(RouterIndex(r))) mark_[heads[out.value()].value()] |= 2;
    mark_[r] |= 2;
  };
  // 1. Detach every router whose tree path uses a worsened tree arc: the
  // subtrees (toward the target) below the arcs' tails. A router x is a
  // child of y when next_arc(x) enters y.
  for (ArcIndex a : worsened) {
    const uint32_t u = model.arc_tail(a).value();
    mark_[u] |= 2;
    if (next_arc_[u] != a || (mark_[u] & 1)) continue;
    mark_[u] |= 1;
    list_.push_back(u);
  }
  for (size_t i = 0; i < list_.size(); ++i) {
    const uint32_t y = list_[i];
    for (ArcIndex out : model.out_arcs(RouterIndex(y))) {
      const uint32_t x = heads[out.value()].value();
      if (!(mark_[x] & 1) && next_arc_[x] == model::ReverseOf(out)) {
        mark_[x] |= 1;
        list_.push_back(x);
      }
    }
  }
  // Detached routers restart from their best arc to an attached router.
  for (uint32_t x : list_) keys_[x] = kInf;
  for (uint32_t x : list_) {
    uint64_t best = kInf;
    for (ArcIndex a : model.out_arcs(RouterIndex(x))) {
      const uint64_t h = keys_[heads[a.value()].value()];
      if (arc_costs[a.value()] != kInf && h != kInf) {
        best = std::min(best, SaturatingAdd(arc_costs[a.value()], h));
      }
    }
    keys_[x] = best;
    touch(x);
    if (best != kInf) push(best, x);
  }
  // 2. Improved arcs may shorten their tails' paths.
  for (ArcIndex a : improved) {
    const uint32_t u = model.arc_tail(a).value();
    mark_[u] |= 2;
    const uint64_t h = keys_[heads[a.value()].value()];
    if (h == kInf || arc_costs[a.value()] == kInf) continue;
    const uint64_t k = SaturatingAdd(arc_costs[a.value()], h);
    if (k < keys_[u]) {
      keys_[u] = k;
      touch(u);
      push(k, u);
    }
  }
  // 3. Propagate decreases backwards, Dijkstra style. Every key is an upper
  // bound of the truth and every place where one may be too high was seeded
  // above, so this ends with the exact keys.
  while (!heap_.empty()) {
    std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
    const auto [k, y] = heap_.back();
    heap_.pop_back();
    if (k > keys_[y]) continue;  // stale
    for (ArcIndex out : model.out_arcs(RouterIndex(y))) {
      const ArcIndex in = model::ReverseOf(out);  // x -> y
      const uint32_t x = heads[out.value()].value();
      if (arc_costs[in.value()] == kInf) continue;
      const uint64_t cand = SaturatingAdd(arc_costs[in.value()], k);
      if (cand < keys_[x]) {
        keys_[x] = cand;
        touch(x);
        push(cand, x);
      }
    }
  }
  // 4. Routers whose key, or a neighbour's key, or an arc moved: their
  // first arc and detour follow from the keys.
  for (uint32_t r = 0; r < n; ++r) {
    if (mark_[r] & 2) RefreshRouter(model, arc_costs, RouterIndex(r));
  }
}

void TargetTree::RefreshRouter(const model::NetworkModel& model,
                               std::span<const uint64_t> arc_costs, RouterIndex r) {
  const uint32_t u = r.value();
  next_arc_[u] = ArcIndex();
  detour_[u] = kInf;
  if (keys_[u] == kInf || r == target_) return;
  const std::span<const RouterIndex> heads = model.arc_heads();
  for (ArcIndex a : model.out_arcs(r)) {
    const uint64_t c = arc_costs[a.value()];
    const uint64_t h = keys_[heads[a.value()].value()];
    if (c == kInf || h == kInf || c > kInf - h) continue;
    // Consistency: c + h >= keys_[u] for every usable arc.
    const uint64_t extra = c + h - keys_[u];
    if (extra == 0 && !next_arc_[u].valid()) {
      next_arc_[u] = a;  // the first tight arc
    } else {
      detour_[u] = std::min(detour_[u], extra);
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
    terminal_.assign(num_routers, 0);
    green_stamp_.assign(num_routers, 0);
    green_.assign(num_routers, 0);
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

bool PathSearch::Green(const model::NetworkModel& model, const TargetTree& tree, uint32_t r) {
  // Walk the tree path until a router whose answer is known, then write the
  // answer back along the walk (stack_ is free outside the marking phase).
  stack_.clear();
  uint32_t u = r;
  bool green = true;
  while (true) {
    if (green_stamp_[u] == visit_stamp_) {
      green = green_[u];
      break;
    }
    // The start counts as blocked: a path may not come back to it.
    if (blocked(RouterIndex(u)) || u == from_) {
      green = false;
      stack_.push_back(u);
      break;
    }
    stack_.push_back(u);
    if (u == tree.target().value()) break;
    u = model.arc_head(tree.next_arc(RouterIndex(u))).value();
  }
  for (uint32_t x : stack_) {
    green_stamp_[x] = visit_stamp_;
    green_[x] = green;
  }
  return green;
}

std::optional<uint64_t> PathSearch::Find(const model::NetworkModel& model,
                                         std::span<const uint64_t> arc_costs, RouterIndex from,
                                         RouterIndex target, const TargetTree* tree,
                                         std::span<const ArcIndex> removed_arcs, uint64_t max_key,
                                         std::vector<ArcIndex>* out) {
  if (from == target) return 0;
  from_ = from.value();
  if (++visit_stamp_ == 0) {
    std::fill(visit_.begin(), visit_.end(), 0);
    std::fill(green_stamp_.begin(), green_stamp_.end(), 0);
    visit_stamp_ = 1;
  }
  auto lower_bound = [&](uint32_t r) { return tree == nullptr ? 0 : tree->key(RouterIndex(r)); };
  auto visited = [&](uint32_t r) { return visit_[r] == visit_stamp_; };
  auto visit = [&](uint32_t r) {
    visit_[r] = visit_stamp_;
    settled_[r] = 0;
    on_best_[r] = 0;
    terminal_[r] = 0;
  };
  auto usable = [&](uint32_t tail, ArcIndex a) {
    return arc_costs[a.value()] != kInf &&
           (tail != from.value() || !Removed(a, removed_arcs));
  };
  if (lower_bound(from.value()) == kInf) return std::nullopt;

  // A* (Dijkstra without a tree). The bounds are consistent, so a router's g
  // is final when it is first popped. A popped router is a terminal when it
  // is the target or, with a tree, "green": then g + key is the exact best
  // key through it and nothing beyond it needs exploring. Keep popping until
  // the heap passes the best key, so that every terminal and every router on
  // some least-key path is settled, which the tie-break below needs.
  const std::span<const RouterIndex> heads = model.arc_heads();
  heap_.clear();
  terminals_.clear();
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
    if (u == target.value() || (tree != nullptr && u != from.value() && Green(model, *tree, u))) {
      terminal_[u] = 1;
      terminals_.push_back(u);
      if (!best) best = f;
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

  // Mark the routers on least-key paths: walk tight arcs back from the
  // terminals that attain the best key.
  auto tight = [&](uint32_t u, ArcIndex a, uint32_t v) {
    return visited(u) && settled_[u] && !terminal_[u] && usable(u, a) &&
           g_[u] + arc_costs[a.value()] == g_[v];
  };
  stack_.clear();
  for (uint32_t w : terminals_) {
    if (g_[w] + lower_bound(w) == *best) {
      on_best_[w] = 1;
      stack_.push_back(w);
    }
  }
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
  // lexicographically smallest of them. At a terminal the tree path is it:
  // every best continuation starts with an arc tight for the tree's keys,
  // and the tree takes the smallest of those.
  uint32_t u = from.value();
  while (!terminal_[u]) {
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
  while (u != target.value()) {
    const ArcIndex a = tree->next_arc(RouterIndex(u));
    out->push_back(a);
    u = heads[a.value()].value();
  }
  return best;
}

}  // namespace cpn::te
