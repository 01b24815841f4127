#include "controller/srv6/igp.h"

#include <algorithm>
#include <numeric>

#include "controller/model/shortest_path.h"

namespace cpn::srv6 {

using model::ArcIndex;
using model::RouterIndex;
using Spt = model::ShortestPathTree<uint64_t>;
static_assert(Spt::kInfinity == IgpView::kUnreachable);

IgpView::IgpView(const model::NetworkModel& model)
    : model_(model),
      weights_(model::InServiceArcWeights<uint64_t>(model, model.arc_igp_metric())),
      trees_(model.num_routers()) {}

const IgpView::Tree& IgpView::From(RouterIndex root) {
  std::unique_ptr<Tree>& slot = trees_[root.value()];
  if (slot) return *slot;
  Spt spt;
  spt.Compute(model_, root, weights_);
  auto tree = std::make_unique<Tree>();
  const size_t n = model_.num_routers();
  tree->distance.assign(spt.distances().begin(), spt.distances().end());
  tree->paths.assign(n, 0);
  // Count shortest paths in order of distance: every arc weighs >= 1, so a
  // router's shortest-path predecessors all come before it.
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) {
    return std::pair(tree->distance[x], x) < std::pair(tree->distance[y], y);
  });
  tree->paths[root.value()] = 1;
  for (uint32_t v : order) {
    if (v == root.value() || tree->distance[v] == kUnreachable) continue;
    uint32_t count = 0;
    for (ArcIndex out : model_.out_arcs(RouterIndex(v))) {
      const ArcIndex in = model::ReverseOf(out);  // u -> v
      const uint64_t w = weights_[in.value()];
      const uint32_t u = model_.arc_head(out).value();
      if (w == kUnreachable || tree->distance[u] == kUnreachable) continue;
      if (tree->distance[u] + w == tree->distance[v]) count += tree->paths[u];
    }
    tree->paths[v] = static_cast<uint8_t>(std::min(count, 2u));
  }
  slot = std::move(tree);
  return *slot;
}

bool IgpView::IsUniqueShortestPath(RouterIndex from, std::span<const ArcIndex> arcs) {
  if (arcs.empty()) return true;
  uint64_t cost = 0;
  for (ArcIndex a : arcs) {
    if (!in_service(a)) return false;
    cost += weights_[a.value()];
  }
  const Tree& tree = From(from);
  const uint32_t to = model_.arc_head(arcs.back()).value();
  return tree.paths[to] == 1 && tree.distance[to] == cost;
}

std::optional<std::vector<ArcIndex>> IgpView::UniqueShortestPath(RouterIndex from, RouterIndex to) {
  const Tree& tree = From(from);
  if (tree.paths[to.value()] != 1) return std::nullopt;
  std::vector<ArcIndex> arcs;
  // Walk back over the one tight predecessor of each router.
  for (uint32_t v = to.value(); v != from.value();) {
    for (ArcIndex out : model_.out_arcs(RouterIndex(v))) {
      const ArcIndex in = model::ReverseOf(out);
      const uint64_t w = weights_[in.value()];
      const uint32_t u = model_.arc_head(out).value();
      if (w == kUnreachable || tree.distance[u] == kUnreachable) continue;
      if (tree.distance[u] + w == tree.distance[v]) {
        arcs.push_back(in);
        v = u;
        break;
      }
    }
  }
  std::reverse(arcs.begin(), arcs.end());
  return arcs;
}

std::vector<uint64_t> IgpView::DistancesTo(RouterIndex to) const {
  Spt spt;
  spt.Compute(model_, to, weights_, Spt::Direction::kToRoot);
  return std::vector<uint64_t>(spt.distances().begin(), spt.distances().end());
}

std::vector<ArcIndex> IgpView::NextHops(RouterIndex from,
                                        std::span<const uint64_t> to_distance) const {
  std::vector<ArcIndex> hops;
  const uint64_t d = to_distance[from.value()];
  if (d == 0 || d == kUnreachable) return hops;
  for (ArcIndex a : model_.out_arcs(from)) {
    const uint64_t w = weights_[a.value()];
    const uint64_t rest = to_distance[model_.arc_head(a).value()];
    if (w == kUnreachable || rest == kUnreachable) continue;
    if (w + rest == d) hops.push_back(a);
  }
  return hops;
}

}  // namespace cpn::srv6
