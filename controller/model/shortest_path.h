// Single-root shortest paths over a snapshot's directed arcs (Dijkstra with
// a binary heap), for any non-negative arc weight: delay_us, IGP metric, or
// the marginal costs of the optimiser.
//
// A ShortestPathTree is a reusable workspace: keep one per thread and call
// Compute() for each root; it reallocates only when a bigger model comes.
// It is not safe to share one tree between threads. Results are
// deterministic: ties go to the path found first, scanning routers in
// (distance, RouterIndex) order and arcs in ArcIndex order.
#ifndef CPN_CONTROLLER_MODEL_SHORTEST_PATH_H_
#define CPN_CONTROLLER_MODEL_SHORTEST_PATH_H_

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <functional>
#include <limits>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "controller/model/index.h"
#include "controller/model/network_model.h"

namespace cpn::model {

template <typename Weight>
class ShortestPathTree {
 public:
  static_assert(std::is_arithmetic_v<Weight>);
  // Distance of an unreachable router, and the weight that removes an arc.
  static constexpr Weight kInfinity = std::numeric_limits<Weight>::has_infinity
                                          ? std::numeric_limits<Weight>::infinity()
                                          : std::numeric_limits<Weight>::max();

  enum class Direction {
    kFromRoot,  // distances from the root to every router
    kToRoot,    // distances from every router to the root (reverse arcs)
  };

  // Computes the tree of `root`. `arc_weights` has model.num_arcs() entries
  // indexed by ArcIndex; an arc weighing kInfinity is not used. Weights must
  // be >= 0. With kToRoot, the weight of arc u->v is used for travel u->v.
  void Compute(const NetworkModel& model, RouterIndex root, std::span<const Weight> arc_weights,
               Direction direction = Direction::kFromRoot) {
    assert(arc_weights.size() == model.num_arcs());
    assert(root.value() < model.num_routers());
    const size_t n = model.num_routers();
    root_ = root;
    direction_ = direction;
    distance_.assign(n, kInfinity);
    parent_arc_.assign(n, ArcIndex());
    parent_router_.assign(n, RouterIndex());
    heap_.clear();
    distance_[root.value()] = Weight{0};
    heap_.push_back({Weight{0}, root.value()});
    const std::span<const RouterIndex> heads = model.arc_heads();
    while (!heap_.empty()) {
      std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
      const auto [d, u] = heap_.back();
      heap_.pop_back();
      if (d > distance_[u]) continue;  // stale entry
      for (ArcIndex out : model.out_arcs(RouterIndex(u))) {
        // Going from the root, use u->v; going to the root, the arc v->u.
        const ArcIndex used = direction == Direction::kFromRoot ? out : ReverseOf(out);
        const Weight w = arc_weights[used.value()];
        if (w == kInfinity) continue;
        const uint32_t v = heads[out.value()].value();
        if constexpr (std::is_integral_v<Weight>) {
          if (w > kInfinity - d) continue;  // would overflow: treat as unreachable
        }
        const Weight candidate = d + w;
        if (candidate < distance_[v]) {
          distance_[v] = candidate;
          parent_arc_[v] = used;
          parent_router_[v] = RouterIndex(u);
          heap_.push_back({candidate, v});
          std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
        }
      }
    }
  }

  RouterIndex root() const { return root_; }
  Direction direction() const { return direction_; }
  bool reachable(RouterIndex r) const { return distance_[r.value()] != kInfinity; }
  // kInfinity when unreachable.
  Weight distance(RouterIndex r) const { return distance_[r.value()]; }
  // Distances of every router, indexed by RouterIndex::value().
  std::span<const Weight> distances() const { return distance_; }
  // The tree arc at r: the arc entering r (kFromRoot) or leaving r (kToRoot).
  // Invalid for the root and unreachable routers.
  ArcIndex parent_arc(RouterIndex r) const { return parent_arc_[r.value()]; }
  // The next router toward the root along the tree.
  RouterIndex parent(RouterIndex r) const { return parent_router_[r.value()]; }

  // The arcs of the path root -> r (kFromRoot) or r -> root (kToRoot), in
  // travel order. Empty when r is the root or unreachable.
  std::vector<ArcIndex> PathArcs(RouterIndex r) const {
    std::vector<ArcIndex> arcs;
    if (!reachable(r)) return arcs;
    for (RouterIndex at = r; at != root_; at = parent_router_[at.value()]) {
      arcs.push_back(parent_arc_[at.value()]);
    }
    if (direction_ == Direction::kFromRoot) std::reverse(arcs.begin(), arcs.end());
    return arcs;
  }

 private:
  RouterIndex root_;
  Direction direction_ = Direction::kFromRoot;
  std::vector<Weight> distance_;
  std::vector<ArcIndex> parent_arc_;
  std::vector<RouterIndex> parent_router_;
  std::vector<std::pair<Weight, uint32_t>> heap_;  // (distance, router), min-heap
};

// `weights` (one per arc) with every arc out of service set to kInfinity:
// down links, and links touching a down router.
template <typename Weight>
std::vector<Weight> InServiceArcWeights(const NetworkModel& model,
                                        std::span<const Weight> weights) {
  std::vector<Weight> out(weights.begin(), weights.end());
  const std::span<const uint8_t> in_service = model.arc_in_service();
  for (size_t a = 0; a < out.size(); ++a) {
    if (!in_service[a]) out[a] = ShortestPathTree<Weight>::kInfinity;
  }
  return out;
}

}  // namespace cpn::model

#endif  // CPN_CONTROLLER_MODEL_SHORTEST_PATH_H_
