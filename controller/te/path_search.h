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
  // Brings the tree up to date after the costs of a few arcs changed:
  // `arc_costs` are the new costs, `worsened` and `improved` the arcs whose
  // cost went up or down. Only the routers whose key can change are
  // revisited (those whose tree path used a worsened arc, and those an
  // improved arc brings closer), so this is much cheaper than Compute for
  // one link; the result is identical to Compute with the new costs.
  void Repair(const model::NetworkModel& model, std::span<const uint64_t> arc_costs,
              std::span<const model::ArcIndex> worsened,
              std::span<const model::ArcIndex> improved);

  model::RouterIndex target() const { return target_; }
  // kUnreachableKey when u cannot reach the target.
  uint64_t key(model::RouterIndex u) const { return keys_[u.value()]; }
  std::span<const uint64_t> keys() const { return keys_; }
  // Invalid for the target and unreachable routers.
  model::ArcIndex next_arc(model::RouterIndex u) const { return next_arc_[u.value()]; }
  // The least extra key of a path from u that does not start with
  // next_arc(u): min over u's other arcs a of cost(a) + key(head) - key(u).
  // kUnreachableKey when there is no such arc. A cheap lower bound for Yen's
  // spurs that must leave the tree at u.
  uint64_t detour(model::RouterIndex u) const { return detour_[u.value()]; }

 private:
  model::RouterIndex target_;
  model::ShortestPathTree<uint64_t> tree_;
  std::vector<uint64_t> keys_;
  // next_arc(u) and detour(u) from u's arcs and the keys.
  void RefreshRouter(const model::NetworkModel& model, std::span<const uint64_t> arc_costs,
                     model::RouterIndex u);

  std::vector<model::ArcIndex> next_arc_;
  std::vector<uint64_t> detour_;
  // Repair's workspace.
  std::vector<uint8_t> mark_;
  std::vector<uint32_t> list_;
  std::vector<std::pair<uint64_t, uint32_t>> heap_;
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
  //
  // `tree`, when given, must be the TargetTree of `target` under the same
  // arc costs (or cheaper ones with the same arcs usable); it makes the
  // search an A* with exact bounds that stops wherever the tree path to the
  // target is clear of blocked routers (Feng's "green" routers): from there
  // the tree path is the best continuation. Without it: plain Dijkstra.
  std::optional<uint64_t> Find(const model::NetworkModel& model,
                               std::span<const uint64_t> arc_costs, model::RouterIndex from,
                               model::RouterIndex target, const TargetTree* tree,
                               std::span<const model::ArcIndex> removed_arcs, uint64_t max_key,
                               std::vector<model::ArcIndex>* out);

 private:
  bool Removed(model::ArcIndex a, std::span<const model::ArcIndex> removed) const;
  // Whether the tree path from r avoids every blocked router and the start
  // (memoised per search in green_).
  bool Green(const model::NetworkModel& model, const TargetTree& tree, uint32_t r);

  uint32_t block_stamp_ = 1;
  std::vector<uint32_t> blocked_;
  // Per-search state, valid where visit_[r] == visit_stamp_.
  uint32_t visit_stamp_ = 1;
  std::vector<uint32_t> visit_;
  std::vector<uint64_t> g_;          // best key from `from` found so far
  std::vector<uint8_t> settled_;     // popped with its final g
  std::vector<uint8_t> on_best_;     // on some least-key path to target
  std::vector<uint8_t> terminal_;    // popped where the tree path is clear
  std::vector<uint32_t> green_stamp_;  // green_[r] valid when == visit_stamp_
  std::vector<uint8_t> green_;
  std::vector<uint32_t> terminals_;
  uint32_t from_ = 0;  // the start of the current search
  std::vector<std::pair<uint64_t, uint32_t>> heap_;  // (g + lower bound, router)
  std::vector<uint32_t> stack_;
};

}  // namespace cpn::te

#endif  // CPN_CONTROLLER_TE_PATH_SEARCH_H_
