// k loopless shortest paths by latency: Yen's algorithm with Lawler's
// refinement (spur only from where a path deviated from its parent), ranked
// by the PathKey order of constraints.h, so ties are broken the same way
// whatever the algorithm and the result is exactly the first k paths of that
// order.
//
// Three things keep it fast enough for every (ingress, site) pair of a
// 1000-router network:
//   - every search toward a target shares one TargetTree (exact distances
//     to the target under the constraints);
//   - spurs are lazy: each enters the candidate heap with a lower bound of
//     its key (O(1) from the tree, then a scan of the spur router's arcs)
//     and is searched only if it reaches the top; with k ~ 4 most never do;
//   - a searched spur first tries "best sidetrack arc, then the tree path",
//     provably the best spur when that tree path avoids the root; otherwise
//     A* with the tree's distances, stopping where tree paths are clear.
// Paths are produced one at a time and the search stops at the latency
// bound.
//
// Pure and deterministic. KspEnumerator is a workspace: one per thread.
#ifndef CPN_CONTROLLER_TE_KSP_H_
#define CPN_CONTROLLER_TE_KSP_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/model/index.h"
#include "controller/model/network_model.h"
#include "controller/te/constraints.h"
#include "controller/te/path.h"
#include "controller/te/path_search.h"

namespace cpn::te {

// Up to k loopless paths from `source` to `target` satisfying `c` (including
// c.max_delay_us), best first. Fewer than k when fewer exist. NOT_FOUND with
// the reason (see ExplainNoPath in cspf.h) when there is none;
// INVALID_ARGUMENT for k < 1 or bad indices. source == target gives the
// single empty path.
absl::StatusOr<std::vector<Path>> KShortestPaths(const model::NetworkModel& model,
                                                 model::RouterIndex source,
                                                 model::RouterIndex target, int k,
                                                 const PathConstraints& c);

// Enumerates the loopless paths source -> tree.target() in PathKey order,
// one per Next() call, lazily (work grows with the number of paths taken).
class KspEnumerator {
 public:
  // Starts an enumeration. `arc_costs` (from ArcCosts) and `tree` (computed
  // with the same costs) are not copied and must stay unchanged until the
  // enumeration ends. Only paths with delay <= max_delay_us are produced,
  // and at most max_paths of them: knowing how many paths are wanted lets
  // the search drop spurs that cannot be among them.
  void Start(const model::NetworkModel& model, std::span<const uint64_t> arc_costs,
             const TargetTree& tree, model::RouterIndex source, uint64_t max_delay_us,
             size_t max_paths = SIZE_MAX);

  // The next path: replaces *arcs with its arcs and sets *key to its
  // PathKey. False when no further path exists within the bound.
  bool Next(std::vector<model::ArcIndex>* arcs, uint64_t* key);

  // Work done so far in this enumeration, for benchmarks: spurs queued,
  // spurs whose first arcs were scanned for a tighter bound, spurs searched,
  // and searches that needed A* (the others took the sidetrack shortcut).
  uint64_t spurs_queued() const { return spurs_queued_; }
  uint64_t spurs_refined() const { return spurs_refined_; }
  uint64_t spur_searches() const { return spur_searches_; }
  uint64_t astar_searches() const { return astar_searches_; }

 private:
  // A candidate or a found path. A final one (level 0) is stored in
  // arcs_[offset, offset + length). A lazy one is the spur of
  // found_[parent] at router index `deviation`, not searched yet; its key is
  // a lower bound of the spur's: level 2, from the tree alone (O(1)); level
  // 1, from the spur router's arcs (SpurBound). See Spurs. A listed one in
  // the heap is lazies_[offset], heading the sorted list of its path's
  // spurs that runs to lazies_[length).
  struct Stored {
    uint64_t key = 0;
    uint32_t offset = 0;
    uint32_t length = 0;
    uint32_t deviation = 0;  // index of the router where it left its parent
    uint32_t parent = 0;
    uint8_t level = 0;
    bool listed = false;  // heads a list in lazies_ (see above)
  };
  std::span<const model::ArcIndex> ArcsOf(const Stored& s) const {
    return std::span<const model::ArcIndex>(arcs_).subspan(s.offset, s.length);
  }
  bool Before(const Stored& a, const Stored& b) const;
  void Push(const Stored& s);
  void LoadPath(uint32_t found_index);
  uint64_t Cutoff();
  void LoadSpur(const Stored& lazy);
  void RemovedAt(size_t j);
  void Spurs(uint32_t found_index);
  void Refine(const Stored& lazy);
  void Resolve(const Stored& lazy);
  uint64_t SpurBound(model::RouterIndex spur, model::ArcIndex* first) const;
  bool BestSpur(model::RouterIndex spur, uint64_t max_key, std::vector<model::ArcIndex>* out,
                uint64_t* key);

  const model::NetworkModel* model_ = nullptr;
  std::span<const uint64_t> costs_;
  const TargetTree* tree_ = nullptr;
  model::RouterIndex source_;
  uint64_t max_key_ = 0;
  size_t max_paths_ = SIZE_MAX;
  bool started_ = false;
  int64_t loaded_ = -1;  // found_ index of the path in path_arcs_, or -1

  std::vector<model::ArcIndex> arcs_;      // arena of all stored paths
  std::vector<Stored> found_;              // paths returned, in order
  std::vector<Stored> candidates_;         // heap (by Before) of candidates
  std::vector<Stored> lazies_;             // level-2 spurs, sorted per path
  PathSearch search_;
  // The path being spurred: its arcs, routers and key of each prefix.
  std::vector<model::ArcIndex> path_arcs_;
  std::vector<model::RouterIndex> routers_;
  std::vector<uint64_t> prefix_keys_;
  std::vector<model::ArcIndex> spur_arcs_;
  std::vector<model::ArcIndex> removed_;
  std::vector<uint64_t> final_keys_;
  uint64_t spurs_queued_ = 0;
  uint64_t spurs_refined_ = 0;
  uint64_t spur_searches_ = 0;
  uint64_t astar_searches_ = 0;
};

}  // namespace cpn::te

#endif  // CPN_CONTROLLER_TE_KSP_H_
