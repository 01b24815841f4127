#include "controller/srv6/segment_list.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace cpn::srv6 {
namespace {

using cpn::dataplane::v1::EncapMode;
using model::ArcIndex;
using model::RouterIndex;

absl::Status CheckPath(const IgpView& igp, const te::Path& path, const Sid& decap) {
  const model::NetworkModel& model = igp.model();
  if (!decap.decap()) {
    return absl::InvalidArgumentError(absl::StrFormat("the last SID %s must decapsulate, not be %s",
                                                      decap.address.ToString(),
                                                      std::string(BehaviorName(decap.behavior))));
  }
  if (!path.source.valid() || path.source.value() >= model.num_routers()) {
    return absl::InvalidArgumentError("path.source is not a router of this snapshot");
  }
  absl::flat_hash_set<uint32_t> visited = {path.source.value()};
  RouterIndex at = path.source;
  for (size_t i = 0; i < path.arcs.size(); ++i) {
    const ArcIndex a = path.arcs[i];
    if (!a.valid() || a.value() >= model.num_arcs()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("path.arcs[%d] is not an arc of this snapshot", i));
    }
    const std::string link = model.link(model::LinkOf(a)).id;
    if (model.arc_tail(a) != at) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "path.arcs[%d] (link \"%s\") leaves router \"%s\", not \"%s\" where the path is", i, link,
          model.router(model.arc_tail(a)).id, model.router(at).id));
    }
    if (!igp.in_service(a)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "path.arcs[%d]: link \"%s\" or one of its routers is out of service", i, link));
    }
    at = model.arc_head(a);
    if (!visited.insert(at.value()).second) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "path.arcs[%d] (link \"%s\") returns to router \"%s\": the path has a loop", i, link,
          model.router(at).id));
    }
  }
  if (at != path.target) {
    return absl::InvalidArgumentError(
        absl::StrFormat("path ends at router \"%s\", not at path.target \"%s\"",
                        model.router(at).id, model.router(path.target).id));
  }
  if (decap.router != path.target) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "path ends at router \"%s\", but decap SID %s is on router \"%s\"", model.router(at).id,
        decap.address.ToString(), model.router(decap.router).id));
  }
  return absl::OkStatus();
}

// One step of the minimisation, from a position on the path.
struct Step {
  enum Kind : uint8_t { kNone, kDecap, kNode, kAdjacency };
  Kind kind = kNone;
  size_t to = 0;  // position reached
  // (SIDs, End.X SIDs) from this position to the end; smaller is better.
  std::pair<size_t, size_t> cost{SIZE_MAX, SIZE_MAX};
};

}  // namespace

std::vector<std::string> SegmentList::Texts() const {
  std::vector<std::string> texts;
  texts.reserve(sids.size());
  for (const Sid& s : sids) texts.push_back(s.address.ToString());
  return texts;
}

size_t SegmentList::SrhSegments(EncapMode mode) const {
  if (mode == cpn::dataplane::v1::ENCAP_MODE_H_ENCAPS_RED) {
    return sids.empty() ? 0 : sids.size() - 1;
  }
  return sids.size();
}

size_t SegmentList::EncapOverheadBytes(EncapMode mode) const {
  const size_t entries = SrhSegments(mode);
  return 40 + (entries == 0 ? 0 : 8 + 16 * entries);
}

absl::StatusOr<SegmentList> MinimalSegmentList(const SidPlan& sids, IgpView& igp,
                                               const te::Path& path, const Sid& decap) {
  if (absl::Status s = CheckPath(igp, path, decap); !s.ok()) return s;
  const model::NetworkModel& model = igp.model();
  const std::vector<ArcIndex>& arcs = path.arcs;
  const size_t k = arcs.size();
  // routers[i]: the router at position i; cost[i]: IGP cost of arcs [0, i).
  std::vector<RouterIndex> routers = {path.source};
  std::vector<uint64_t> cost = {0};
  for (ArcIndex a : arcs) {
    routers.push_back(model.arc_head(a));
    cost.push_back(cost.back() + igp.arc_weights()[a.value()]);
  }
  // reach[j]: the sub-path i..j is the unique IGP shortest path, for the
  // current i. A sub-path of a unique shortest path is one too, so reach is
  // a prefix: it holds for j = i .. last[i].
  auto last_unique = [&](size_t i) {
    const IgpView::Tree& tree = igp.From(routers[i]);
    size_t j = i;
    while (j < k) {
      const uint32_t r = routers[j + 1].value();
      if (tree.paths[r] != 1 || tree.distance[r] != cost[j + 1] - cost[i]) break;
      ++j;
    }
    return j;
  };

  // best[i]: the cheapest way to finish from position i. Candidates are tried
  // from most to least preferred; only a strictly cheaper one replaces.
  std::vector<Step> best(k + 1);
  best[k] = {Step::kDecap, k, {1, 0}};
  for (size_t i = k; i-- > 0;) {
    const size_t last = last_unique(i);
    Step& b = best[i];
    auto offer = [&](Step::Kind kind, size_t to, bool adjacency) {
      const std::pair<size_t, size_t> c{best[to].cost.first + 1,
                                        best[to].cost.second + (adjacency ? 1 : 0)};
      if (c < b.cost) b = {kind, to, c};
    };
    if (last == k) b = {Step::kDecap, k, {1, 0}};
    for (size_t j = std::min(last, k - 1); j > i; --j) offer(Step::kNode, j, false);
    // End.X of arc j (position j -> j+1), reached by a unique shortest path.
    for (size_t j = std::min(last, k - 1) + 1; j-- > i;) offer(Step::kAdjacency, j + 1, true);
  }

  SegmentList list;
  for (size_t i = 0;;) {
    const Step& step = best[i];
    if (step.kind == Step::kDecap) break;
    if (step.kind == Step::kNode) {
      list.sids.push_back(sids.end(routers[step.to]));
    } else {
      list.sids.push_back(sids.end_x(arcs[step.to - 1]));
    }
    i = step.to;
  }
  list.sids.push_back(decap);
  return list;
}

std::optional<std::vector<ArcIndex>> TraceSegmentList(IgpView& igp, RouterIndex source,
                                                      const SegmentList& list) {
  const model::NetworkModel& model = igp.model();
  std::vector<ArcIndex> arcs;
  RouterIndex at = source;
  for (const Sid& sid : list.sids) {
    std::optional<std::vector<ArcIndex>> piece = igp.UniqueShortestPath(at, sid.router);
    if (!piece) return std::nullopt;
    arcs.insert(arcs.end(), piece->begin(), piece->end());
    at = sid.router;
    if (sid.behavior == SidBehavior::kEndX) {
      if (!igp.in_service(sid.arc)) return std::nullopt;
      arcs.push_back(sid.arc);
      at = model.arc_head(sid.arc);
    }
  }
  return arcs;
}

}  // namespace cpn::srv6
