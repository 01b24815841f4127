// Constrained shortest path first (CSPF) by latency: the best path (PathKey
// order of constraints.h: least one-way delay, then fewest hops, then
// smallest arc sequence) from a source to a target over arcs in service with
// enough available bandwidth, avoiding excluded links, routers and SRLGs,
// within a latency bound.
//
// Pure and deterministic; callable from any thread (each call has its own
// workspace).
#ifndef CPN_CONTROLLER_TE_CSPF_H_
#define CPN_CONTROLLER_TE_CSPF_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "controller/model/index.h"
#include "controller/model/network_model.h"
#include "controller/te/constraints.h"
#include "controller/te/path.h"

namespace cpn::te {

// The best path satisfying `c`. source == target gives the empty path.
// NOT_FOUND when there is none, with the reason (ExplainNoPath).
// INVALID_ARGUMENT for indices outside the model or a malformed
// c.available_bps.
absl::StatusOr<Path> ConstrainedShortestPath(const model::NetworkModel& model,
                                             model::RouterIndex source, model::RouterIndex target,
                                             const PathConstraints& c);

// Why no path from `source` to `target` satisfies `c`, as a NOT_FOUND status
// naming the routers and the first cause found, in this order:
//   - the source or the target is down or excluded;
//   - no in-service path connects them at all (down links or routers);
//   - every in-service path uses an arc the constraints forbid (with counts
//     of arcs lacking bandwidth, excluded links, SRLGs, routers);
//   - the best path satisfying the other constraints is longer than
//     c.max_delay_us (its delay is given).
// OK when a path does exist. Runs up to three searches: call it only to
// explain a failure.
absl::Status ExplainNoPath(const model::NetworkModel& model, model::RouterIndex source,
                           model::RouterIndex target, const PathConstraints& c);

// INVALID_ARGUMENT unless source and target are routers of `model` and
// c.available_bps is empty or has one entry per arc. Shared by the searches.
absl::Status CheckSearchArguments(const model::NetworkModel& model, model::RouterIndex source,
                                  model::RouterIndex target, const PathConstraints& c);

}  // namespace cpn::te

#endif  // CPN_CONTROLLER_TE_CSPF_H_
