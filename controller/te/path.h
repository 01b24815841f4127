// A loop-free path of directed arcs through one NetworkModel snapshot: the
// unit that path computation produces, the optimiser loads with traffic and
// the SRv6 compiler turns into a segment list.
//
// Value type; indices are only meaningful for the snapshot that produced the
// path. Safe to copy between threads.
#ifndef CPN_CONTROLLER_TE_PATH_H_
#define CPN_CONTROLLER_TE_PATH_H_

#include <cstdint>
#include <vector>

#include "controller/model/index.h"
#include "controller/model/network_model.h"

namespace cpn::te {

struct Path {
  model::RouterIndex source;
  model::RouterIndex target;
  // Arcs from source to target, in order; empty when source == target.
  std::vector<model::ArcIndex> arcs;
  // One-way propagation delay, the sum of the arcs' delays.
  uint64_t delay_us = 0;
  // Sum of the arcs' IGP metrics.
  uint64_t igp_cost = 0;
  // Smallest capacity along the path (bits/s); UINT64_MAX for an empty path.
  uint64_t bottleneck_bps = UINT64_MAX;
  // Union of the arcs' links' SRLG ids, ascending.
  std::vector<uint32_t> srlg_ids;

  bool operator==(const Path&) const = default;
};

// The routers a path visits, source first, target last.
std::vector<model::RouterIndex> PathRouters(const model::NetworkModel& model, const Path& path);

// Builds a Path (delay, IGP cost, bottleneck, SRLGs filled in) from arcs
// that chain from `source`. The caller guarantees the chain is valid.
Path MakePath(const model::NetworkModel& model, model::RouterIndex source,
              std::vector<model::ArcIndex> arcs);

}  // namespace cpn::te

#endif  // CPN_CONTROLLER_TE_PATH_H_
