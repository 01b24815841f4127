// k loopless shortest paths by latency: Yen's algorithm with Lawler's
// refinement (spur only from where a path deviated from its parent), ranked
// by the PathKey order of constraints.h, so ties are broken the same way
// whatever the algorithm and the result is exactly the first k paths of that
// order.
//
// Spur searches are cheap because every search toward a target shares one
// TargetTree (exact distances to the target under the constraints): a spur
// first tries "best sidetrack arc, then the tree path", which is provably
// the best spur when that tree path avoids the root; otherwise it runs A*
// with the tree's distances as the heuristic. Paths are produced lazily and
// the search stops at the latency bound.
//
// Pure and deterministic. KspEnumerator is a workspace: one per thread.
#ifndef CPN_CONTROLLER_TE_KSP_H_
#define CPN_CONTROLLER_TE_KSP_H_

#include <cstdint>
#include <span>
#include <utility>
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
  // enumeration ends. Only paths with delay <= max_delay_us are produced.
  void Start(const model::NetworkModel& model, std::span<const uint64_t> arc_costs,
             const TargetTree& tree, model::RouterIndex source, uint64_t max_delay_us);

  // The next path: replaces *arcs with its arcs and sets *key to its
  // PathKey. False when no further path exists within the bound.
  bool Next(std::vector<model::ArcIndex>* arcs, uint64_t* key);

  // Spur searches run so far in this enumeration, and how many of them
  // needed A* (the others took the sidetrack shortcut). For benchmarks.
  uint64_t spur_searches() const { return spur_searches_; }
  uint64_t astar_searches() const { return astar_searches_; }

 private:
  // A path stored in arcs_[offset, offset + length).
  struct Stored {
    uint64_t key = 0;
    uint32_t offset = 0;
    uint32_t length = 0;
    uint32_t deviation = 0;  // index of the router where it left its parent
  };
  std::span<const model::ArcIndex> ArcsOf(const Stored& s) const {
    return std::span<const model::ArcIndex>(arcs_).subspan(s.offset, s.length);
  }
  bool Before(const Stored& a, const Stored& b) const;
  void Spurs(const Stored& path);
  bool TrySidetrack(model::RouterIndex spur, std::span<const model::ArcIndex> removed,
                    uint64_t max_key, std::vector<model::ArcIndex>* out, uint64_t* key);

  const model::NetworkModel* model_ = nullptr;
  std::span<const uint64_t> costs_;
  const TargetTree* tree_ = nullptr;
  model::RouterIndex source_;
  uint64_t max_key_ = 0;
  bool started_ = false;

  std::vector<model::ArcIndex> arcs_;      // arena of all stored paths
  std::vector<Stored> found_;              // paths returned, in order
  std::vector<Stored> candidates_;         // heap (by Before) of candidates
  PathSearch search_;
  std::vector<model::ArcIndex> path_arcs_;
  std::vector<model::ArcIndex> spur_arcs_;
  std::vector<std::pair<uint32_t, uint32_t>> shared_;
  std::vector<model::ArcIndex> removed_;
  std::vector<model::RouterIndex> routers_;
  std::vector<uint64_t> prefix_keys_;
  uint64_t spur_searches_ = 0;
  uint64_t astar_searches_ = 0;
};

}  // namespace cpn::te

#endif  // CPN_CONTROLLER_TE_KSP_H_
