// Segment lists: the fewest SIDs that make the IGP carry a packet along a
// chosen path exactly (docs/srv6.md, "Segment lists").
//
// A packet with segment list s1..sn, sent from the path's source, travels
// from where it is to each SID in turn along the IGP shortest path to the
// router that owns the SID (every router forwards a SID by the route to its
// owner's locator); an End.X SID then also crosses its adjacency. The list
// reproduces the path when these pieces, joined, are exactly its arcs. A
// piece is accepted only when its IGP shortest path is unique: with an ECMP
// tie the routers would spread packets over the tied paths, so a tie needs
// another SID.
//
// MinimalSegmentList returns a shortest such list whose last SID is the
// site's decapsulation SID (it doubles as the node segment to the site's
// router). Among lists of that length it prefers fewer End.X SIDs (node SIDs
// survive a parallel link failing), then the longest first pieces. When the
// whole path is the unique IGP shortest path the list is the decap SID alone.
// The first SID may be an SID of the source itself (its own End.X, when the
// first hop is not the IGP's choice; or its own decap SID when the source
// is the site's router): the headend delivers it locally through the route
// to its own locator.
//
// Pure; the IgpView caches trees, so one thread at a time per IgpView.
#ifndef CPN_CONTROLLER_SRV6_SEGMENT_LIST_H_
#define CPN_CONTROLLER_SRV6_SEGMENT_LIST_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/model/network_model.h"
#include "controller/srv6/igp.h"
#include "controller/srv6/sid_allocator.h"
#include "controller/te/path.h"
#include "cpn/dataplane/v1/entities.pb.h"

namespace cpn::srv6 {

struct SegmentList {
  // SIDs in the order the packet visits them; the last is a decap SID.
  std::vector<Sid> sids;

  // The SIDs as canonical text (Srv6Policy.segments).
  std::vector<std::string> Texts() const;
  // Entries in the SRH under `mode`: all SIDs for H.Encaps; all but the
  // first for H.Encaps.Red (the first rides only in the outer destination).
  size_t SrhSegments(cpn::dataplane::v1::EncapMode mode) const;
  // Bytes the encapsulation adds: the outer IPv6 header (40), plus the SRH
  // (8 + 16 per entry) when it has entries.
  size_t EncapOverheadBytes(cpn::dataplane::v1::EncapMode mode) const;

  bool operator==(const SegmentList&) const = default;
};

// Checks that `path` is a loop-free chain of in-service arcs from
// path.source to path.target (which must be decap.router) and returns its
// minimal segment list ending in `decap`. INVALID_ARGUMENT naming the arc
// otherwise.
absl::StatusOr<SegmentList> MinimalSegmentList(const SidPlan& sids, IgpView& igp,
                                               const te::Path& path, const Sid& decap);

// Where the packet goes with `list` from `source`, following the IGP as the
// routers would; nullopt when some piece is not a unique IGP shortest path
// (or its SID's router is unreachable). For tests and diagnostics.
std::optional<std::vector<model::ArcIndex>> TraceSegmentList(IgpView& igp,
                                                             model::RouterIndex source,
                                                             const SegmentList& list);

}  // namespace cpn::srv6

#endif  // CPN_CONTROLLER_SRV6_SEGMENT_LIST_H_
