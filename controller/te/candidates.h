// The joint decision's input from path computation: for every demand, the
// (placement, path) candidates it may be assigned to.
//
// Paths live once in a pool and candidates refer to them, so demands of
// different services entering at the same router share their paths. A
// candidate may have no path (kNoPath): the site hosts the service but no
// path fits the bound or reaches it; it is kept so that explanations list
// the site and say why it was not used.
//
// BuildCandidates is the adapter over path computation's PathCache
// (path_cache.h); tests may build a CandidateSet by hand.
//
// Value types; the adapter needs exclusive access to the cache. Pure,
// deterministic.
#ifndef CPN_CONTROLLER_TE_CANDIDATES_H_
#define CPN_CONTROLLER_TE_CANDIDATES_H_

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/model/index.h"
#include "controller/model/network_model.h"
#include "controller/te/demand.h"
#include "controller/te/path.h"

namespace cpn::te {

class PathCache;

inline constexpr uint32_t kNoPath = std::numeric_limits<uint32_t>::max();

struct Candidate {
  model::PlacementIndex placement;
  // Index into CandidateSet::paths; kNoPath when there is none.
  uint32_t path = kNoPath;
  // For kNoPath candidates: one-way delay of the best usable path ignoring
  // the latency bound, microseconds; UINT64_MAX when the site's router is
  // unreachable.
  uint64_t shortest_delay_us = std::numeric_limits<uint64_t>::max();

  bool operator==(const Candidate&) const = default;
};

struct CandidateSet {
  // Shared pool of paths.
  std::vector<Path> paths;
  // Candidates of demand i (parallel to the demand list).
  std::vector<std::vector<Candidate>> by_demand;

  size_t num_candidates() const;
};

// Checks a candidate set against a snapshot and its demands: one list per
// demand, placements of the demand's service, paths from the demand's
// ingress to the placement's site router with valid arcs. INVALID_ARGUMENT
// naming the demand and candidate.
absl::Status ValidateCandidates(const model::NetworkModel& model, std::span<const Demand> demands,
                                const CandidateSet& candidates);

struct CandidateOptions {
  // Keep only the candidate sites of each demand with the smallest one-way
  // delay (the best path regardless of the bound; ties by placement order),
  // at most this many; 0 keeps every site hosting the service. Sites left
  // out do not appear in explanations.
  int max_sites_per_demand = 0;
};

// Builds the candidates of `demands` from the path cache (its k paths per
// (ingress, site router) within the service's latency bound). The cache
// must be on the same snapshot the demands refer to.
absl::StatusOr<CandidateSet> BuildCandidates(PathCache& cache, std::span<const Demand> demands,
                                             const CandidateOptions& options = {});

}  // namespace cpn::te

#endif  // CPN_CONTROLLER_TE_CANDIDATES_H_
