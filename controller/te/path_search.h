// Building blocks of every path search in controller/te: the best-path tree
// toward one target, and a reusable point-to-point search. Both rank paths
// by the PathKey order of constraints.h, so the path they return is unique:
// the least (delay, hops), then the lexicographically smallest arc sequence.
//
// Most callers want cspf.h, ksp.h or path_cache.h instead.
//
// Both classes are workspaces: keep one per thread and reuse it; it
// reallocates only for a bigger model. Not safe to share between threads.
#ifndef CPN_CONTROLLER_TE_PATH_SEARCH_H_
#define CPN_CONTROLLER_TE_PATH_SEARCH_H_

#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "controller/model/index.h"
#include "controller/model/network_model.h"
#include "controller/model/shortest_path.h"

namespace cpn::te {

// Key of an unreachable router in a TargetTree.
inline constexpr uint64_t kUnreachableKey = UINT64_MAX;

// The best paths from every router to one target, under arc costs from
// ArcCosts(): key(u) is the PathKey of the best u -> target path and
// next_arc(u) its first arc, so following next_arc from any router walks the
// best path (the lexicographically smallest among the least-key ones).
class TargetTree {
 public:
  void Compute(const model::NetworkModel& model, model::RouterIndex target,
               std::span<const uint64_t> arc_costs);

  model::RouterIndex target() const { return target_; }
  // kUnreachableKey when u cannot reach the target.
  uint64_t key(model::RouterIndex u) const { return keys_[u.value()]; }
  std::span<const uint64_t> keys() const { return keys_; }
  // Invalid for the target and unreachable routers.
  model::ArcIndex next_arc(model::RouterIndex u) const { return next_arc_[u.value()]; }

 private:
  model::RouterIndex target_;
  model::ShortestPathTree<uint64_t> tree_;
  std::vector<uint64_t> keys_;
  std::vector<model::ArcIndex> next_arc_;
};

// Point-to-point best-path search (A* when given lower bounds, else
// Dijkstra) that can avoid a set of routers and some arcs out of the start:
// exactly what Yen's spur searches need.
class PathSearch {
 public:
  // Prepares for `num_routers` routers and unblocks every router.
  void Reset(size_t num_routers);

  // Blocked routers cannot be entered (the start may be blocked itself).
  void ClearBlocked() { ++block_stamp_; }
  void Block(model::RouterIndex r) { blocked_[r.value()] = block_stamp_; }
  bool blocked(model::RouterIndex r) const { return blocked_[r.value()] == block_stamp_; }

  // The best path from `from` to `target` over arcs with a finite cost in
  // `arc_costs` that enters no blocked router, does not start with one of
  // `removed_arcs` (arcs out of `from`), and has a key <= max_key. Appends
  // its arcs to *out and returns its key; nullopt when there is none.
  // `lower_bounds`, when not empty, holds for every router a lower bound of
  // its key to `target` that is consistent with `arc_costs` (a TargetTree
  // computed with the same or cheaper costs); it only speeds the search up.
  std::optional<uint64_t> Find(const model::NetworkModel& model,
                               std::span<const uint64_t> arc_costs, model::RouterIndex from,
                               model::RouterIndex target, std::span<const uint64_t> lower_bounds,
                               std::span<const model::ArcIndex> removed_arcs, uint64_t max_key,
                               std::vector<model::ArcIndex>* out);

 private:
  bool Removed(model::ArcIndex a, std::span<const model::ArcIndex> removed) const;

  uint32_t block_stamp_ = 1;
  std::vector<uint32_t> blocked_;
  // Per-search state, valid where visit_[r] == visit_stamp_.
  uint32_t visit_stamp_ = 1;
  std::vector<uint32_t> visit_;
  std::vector<uint64_t> g_;          // best key from `from` found so far
  std::vector<uint8_t> settled_;     // popped with its final g
  std::vector<uint8_t> on_best_;     // on some least-key path to target
  std::vector<std::pair<uint64_t, uint32_t>> heap_;  // (g + lower bound, router)
  std::vector<uint32_t> stack_;
};

}  // namespace cpn::te

#endif  // CPN_CONTROLLER_TE_PATH_SEARCH_H_
