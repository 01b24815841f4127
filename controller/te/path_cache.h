// Candidate paths for the optimiser, cached per (ingress, target router) and
// kept up to date incrementally as the network changes.
//
// For a demand (ingress router, service) the candidates are, for every
// placement of the service, the k best paths (PathKey order: delay, hops,
// arcs) from the ingress to the router the placement's site is attached to,
// that fit the service's latency bound. The bound is a round-trip budget;
// a path fits when its round-trip propagation, 2 x its one-way delay, is
// within it (see OneWayDelayBoundUs). Queueing, transfer and compute time
// are the optimiser's: this is only the necessary condition that
// propagation alone fits. Sites and placements are listed whatever their
// admin state; rejecting a down site is the optimiser's (it explains why).
//
// Each entry (ingress, target) holds the k best paths within the largest
// bound of the services hosted at the target (no bound if one has none); a
// service with a tighter bound takes a prefix of them, which is exactly its
// own k best because paths are ranked by delay first.
//
// Incremental updates. Update(next) compares the next snapshot with the
// current one link by link and recomputes only the entries that could
// change:
//   - entries with a path over a link whose cost changed (down, slower,
//     below the bandwidth floor): their paths may change. Entries over a
//     link whose labels only changed (capacity, metric, SRLGs) keep their
//     paths and get their attributes refreshed, without a search;
//   - for every arc that got better (up, faster, usable again at the
//     bandwidth floor), entries that a path through it could enter:
//     dist(ingress, u) + cost(u->v) + dist(v, target) <= the entry's k-th
//     path key (or <= its bound when it has fewer than k paths), with exact
//     distances in the next snapshot from two Dijkstra runs per arc;
//   - entries of a target whose latency bound changed.
// No other entry can change: a path that uses no changed link keeps its
// key, and one that got worse cannot overtake the paths already held. The
// result is identical to recomputing everything (tests check this). Trees
// toward targets are repaired, not recomputed: only routers whose distance
// can move are revisited (TargetTree::Repair). Structural changes (routers
// or links added, removed, renumbered or reattached) rebuild every entry
// from scratch.
//
// Threads: thread-compatible. Const methods may run concurrently; Prepare
// and Update need exclusive access. Spans and pointers returned are valid
// until the next non-const call. Copyable (what-if evaluates a change on a
// copy). Pure: no I/O, no clocks; deterministic.
#ifndef CPN_CONTROLLER_TE_PATH_CACHE_H_
#define CPN_CONTROLLER_TE_PATH_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/model/index.h"
#include "controller/model/network_model.h"
#include "controller/te/constraints.h"
#include "controller/te/ksp.h"
#include "controller/te/path.h"
#include "controller/te/path_search.h"

namespace cpn::te {

struct PathCacheOptions {
  // Paths kept per (ingress, target); >= 1.
  int k = 4;
  // Arcs whose capacity is below this are never used (0: all arcs). The
  // optimiser accounts for load itself; this only keeps thin links out.
  uint64_t min_bandwidth_bps = 0;
  // An update that improves more arcs than this (e.g. many links coming up
  // at once) recomputes every entry instead of running two Dijkstras per
  // improved arc.
  int max_improved_arcs_incremental = 16;
};

struct CandidateDemand {
  model::RouterIndex ingress;
  model::ServiceIndex service;
};

struct PathCacheEntry {
  model::RouterIndex ingress;
  model::RouterIndex target;
  // One-way delay bound the entry was computed for (kNoDelayBound: none).
  uint64_t max_delay_us = kNoDelayBound;
  // Up to k best paths with delay <= max_delay_us, best first.
  std::vector<Path> paths;
  // One-way delay of the best usable path, whatever the bound;
  // kUnreachableDelay when no path is usable. Explains empty entries.
  uint64_t shortest_delay_us = kUnreachableDelay;

  bool operator==(const PathCacheEntry& o) const {
    return ingress == o.ingress && target == o.target && max_delay_us == o.max_delay_us &&
           paths == o.paths && shortest_delay_us == o.shortest_delay_us;
  }
};

// One candidate site of a demand.
struct SiteCandidate {
  model::PlacementIndex placement;
  model::SiteIndex site;
  // The router the site is attached to (the paths' target).
  model::RouterIndex router;
  // The best paths (at most k) within the service's latency bound, best
  // first. Empty when none fits: see shortest_delay_us.
  std::span<const Path> paths;
  // One-way delay of the best usable path regardless of the bound;
  // kUnreachableDelay when the site's router cannot be reached at all.
  uint64_t shortest_delay_us = kUnreachableDelay;
};

struct CacheUpdateStats {
  // Links whose state, delay, capacity, metric or SRLGs changed.
  size_t links_changed = 0;
  // Arcs whose cost got better (need distance bounds) or worse.
  size_t arcs_improved = 0;
  size_t arcs_worsened = 0;
  // True when every entry was recomputed (structure changed, or too many
  // improved arcs).
  bool full_recompute = false;
  // Trees toward targets that a changed arc is on or could join (repaired
  // incrementally, or recomputed on a full recompute).
  size_t trees_recomputed = 0;
  size_t entries_recomputed = 0;
  // Entries whose paths stay but whose attributes (bottleneck, IGP cost,
  // SRLGs) were refreshed: only labels of their links changed.
  size_t entries_relabelled = 0;
  size_t entries_total = 0;
};

class PathCache {
 public:
  explicit PathCache(std::shared_ptr<const model::NetworkModel> model,
                     PathCacheOptions options = {});

  const model::NetworkModel& model() const { return *model_; }
  const std::shared_ptr<const model::NetworkModel>& model_ptr() const { return model_; }
  const PathCacheOptions& options() const { return options_; }
  // Number of cached (ingress, target) entries.
  size_t size() const { return entries_.size(); }
  std::span<const PathCacheEntry> entries() const { return entries_; }

  // Computes every missing entry the demands need: (ingress, router of each
  // placement of the service). Returns how many were computed.
  // INVALID_ARGUMENT (naming the demand) for an index outside the model.
  absl::StatusOr<size_t> Prepare(std::span<const CandidateDemand> demands);
  // The same for one pair.
  absl::StatusOr<size_t> Prepare(model::RouterIndex ingress, model::RouterIndex target);

  // The entry of a pair; nullptr when it was never prepared.
  const PathCacheEntry* Find(model::RouterIndex ingress, model::RouterIndex target) const;

  // The candidates of one prepared demand, one per placement of its
  // service, in the service's placement order. FAILED_PRECONDITION when a
  // pair was not prepared; INVALID_ARGUMENT for bad indices.
  absl::StatusOr<std::vector<SiteCandidate>> Candidates(const CandidateDemand& demand) const;

  // Moves the cache to `next` (a later snapshot of the same network),
  // recomputing only what may have changed (see the file comment).
  CacheUpdateStats Update(std::shared_ptr<const model::NetworkModel> next);

 private:
  struct Target {
    model::RouterIndex router;
    uint64_t max_delay_us = kNoDelayBound;
    TargetTree tree;
    // Entry index by ingress router; kNoEntry when not cached.
    std::vector<uint32_t> entry_of_ingress;
  };
  static constexpr uint32_t kNoEntry = UINT32_MAX;

  uint32_t TargetSlot(model::RouterIndex target);
  void ComputeEntry(uint32_t index);
  void RebuildLinkIndex();
  CacheUpdateStats Rebuild(std::shared_ptr<const model::NetworkModel> next);
  bool SameStructure(const model::NetworkModel& next) const;

  std::shared_ptr<const model::NetworkModel> model_;
  PathCacheOptions options_;
  std::vector<uint64_t> costs_;        // ArcCosts of model_ under the options
  std::vector<uint32_t> slot_of_router_;  // target slot by router; kNoEntry
  std::vector<Target> targets_;
  std::vector<PathCacheEntry> entries_;
  // Per entry: distinct links on its paths, and the largest key a new path
  // may have and still change it (its k-th key, or its bound if not full).
  std::vector<uint32_t> entry_links_;
  std::vector<uint64_t> entry_threshold_;
  // Entries by link on their paths. Lists may hold stale or repeated ids
  // (entries since recomputed): users check, and RebuildLinkIndex compacts
  // them when they hold twice the live references.
  std::vector<std::vector<uint32_t>> entries_of_link_;
  size_t link_refs_ = 0;
  size_t live_refs_ = 0;
  // Stamps for de-duplication (links of one entry, entries of one update).
  std::vector<uint32_t> link_stamp_;
  uint32_t link_stamp_value_ = 0;
  std::vector<uint32_t> entry_mark_;
  uint32_t entry_mark_value_ = 0;
  KspEnumerator ksp_;                  // workspace
  std::vector<model::ArcIndex> scratch_arcs_;
};

// Prepares the demands' pairs and returns their candidates, demand by
// demand (result[i] belongs to demands[i]).
absl::StatusOr<std::vector<std::vector<SiteCandidate>>> CandidatePaths(
    PathCache& cache, std::span<const CandidateDemand> demands);

// The one-way delay bound an entry toward `target` is computed for: the
// largest OneWayDelayBoundUs over the services placed at sites attached to
// `target`; kNoDelayBound when one has no bound or none is placed there.
uint64_t TargetDelayBoundUs(const model::NetworkModel& model, model::RouterIndex target);

}  // namespace cpn::te

#endif  // CPN_CONTROLLER_TE_PATH_CACHE_H_
