#include "controller/te/disjoint.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "controller/te/cspf.h"
#include "controller/te/ksp.h"
#include "controller/te/path_search.h"

namespace cpn::te {
namespace {

using model::ArcIndex;
using model::LinkIndex;
using model::RouterIndex;

std::vector<LinkIndex> LinksOf(const Path& p) {
  std::vector<LinkIndex> links;
  for (ArcIndex a : p.arcs) links.push_back(model::LinkOf(a));
  std::sort(links.begin(), links.end());
  return links;
}

// SRLG ids of the path's links, from the model (not from p.srlg_ids, which
// the caller may have built for another purpose).
std::vector<uint32_t> SrlgsOf(const model::NetworkModel& model, const Path& p) {
  std::vector<uint32_t> ids;
  for (ArcIndex a : p.arcs) {
    const std::vector<uint32_t>& s = model.link(model::LinkOf(a)).srlg_ids;
    ids.insert(ids.end(), s.begin(), s.end());
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

template <typename T>
bool Intersect(const std::vector<T>& a, const std::vector<T>& b) {  // both sorted
  for (size_t i = 0, j = 0; i < a.size() && j < b.size();) {
    if (a[i] == b[j]) return true;
    a[i] < b[j] ? ++i : ++j;
  }
  return false;
}

absl::Status CheckPath(const model::NetworkModel& model, const Path& p) {
  if (p.source.value() >= model.num_routers()) {
    return absl::InvalidArgumentError("the primary's source is not a router of the model");
  }
  RouterIndex at = p.source;
  for (ArcIndex a : p.arcs) {
    if (a.value() >= model.num_arcs() || model.arc_tail(a) != at) {
      return absl::InvalidArgumentError(
          "the primary's arcs do not form a chain from its source in this model");
    }
    at = model.arc_head(a);
  }
  if (p.arcs.empty()) {
    return absl::InvalidArgumentError(
        "the primary is empty (source == target); it has nothing to protect");
  }
  return absl::OkStatus();
}

// --- Suurballe / Bhandari: min-cost flow of two units --------------------

// A residual network with unit capacities. Node ids: router r is node r,
// or with split routers r_in = 2r and r_out = 2r + 1.
class TwoPathFlow {
 public:
  TwoPathFlow(const model::NetworkModel& model, std::span<const uint64_t> costs,
              bool split_routers, RouterIndex source, RouterIndex target)
      : split_(split_routers) {
    const size_t n = model.num_routers();
    num_nodes_ = split_ ? 2 * n : n;
    first_.assign(num_nodes_, -1);
    if (split_) {
      for (uint32_t r = 0; r < n; ++r) {
        // Two units may pass the ends, one any other router.
        const int cap = (r == source.value() || r == target.value()) ? 2 : 1;
        AddArc(2 * r, 2 * r + 1, 0, cap, ArcIndex());
      }
    }
    for (uint32_t a = 0; a < model.num_arcs(); ++a) {
      if (costs[a] == UINT64_MAX) continue;
      const ArcIndex arc(a);
      AddArc(Out(model.arc_tail(arc)), In(model.arc_head(arc)), static_cast<int64_t>(costs[a]), 1,
             arc);
    }
    source_ = Out(source);
    sink_ = In(target);
  }

  // Pushes up to two units; returns how many paths were found.
  int Run() {
    std::vector<int64_t> potential(num_nodes_, 0);
    int units = 0;
    for (; units < 2; ++units) {
      if (!Augment(potential)) break;
    }
    return units;
  }

  // The paths carried by the flow, as arcs. The flow has no cycles (every
  // arc costs > 0 and it is a min-cost flow), so walks never revisit a node;
  // at forks the smallest arc index is taken, for determinism.
  std::vector<std::vector<ArcIndex>> Paths() {
    std::vector<std::vector<ArcIndex>> paths;
    std::vector<uint8_t> used(arcs_.size(), 0);
    for (int p = 0; p < 2; ++p) {
      std::vector<ArcIndex> path;
      for (uint32_t u = source_; u != sink_;) {
        int pick = -1;
        for (int e = first_[u]; e >= 0; e = arcs_[e].next) {
          const Arc& arc = arcs_[e];
          if (!arc.forward || used[e] || arc.cap != 0) continue;  // saturated = carries flow
          if (pick < 0 || arc.model_arc < arcs_[pick].model_arc) pick = e;
        }
        if (pick < 0) return {};
        used[pick] = 1;
        if (arcs_[pick].model_arc.valid()) path.push_back(arcs_[pick].model_arc);
        u = arcs_[pick].to;
      }
      paths.push_back(std::move(path));
    }
    return paths;
  }

 private:
  struct Arc {
    uint32_t to;
    int64_t cost;
    int cap;
    int next;  // next arc out of the same node
    int rev;   // index of the reverse residual arc
    bool forward;
    ArcIndex model_arc;
  };

  uint32_t In(RouterIndex r) const { return split_ ? 2 * r.value() : r.value(); }
  uint32_t Out(RouterIndex r) const { return split_ ? 2 * r.value() + 1 : r.value(); }

  void AddArc(uint32_t from, uint32_t to, int64_t cost, int cap, ArcIndex model_arc) {
    const int e = static_cast<int>(arcs_.size());
    arcs_.push_back({to, cost, cap, first_[from], e + 1, true, model_arc});
    first_[from] = e;
    arcs_.push_back({from, -cost, 0, first_[to], e, false, model_arc});
    first_[to] = e + 1;
  }

  // One shortest augmenting path by Dijkstra on reduced costs (Johnson
  // potentials keep them >= 0 once negative residual arcs appear).
  bool Augment(std::vector<int64_t>& potential) {
    constexpr int64_t kInf = INT64_MAX;
    std::vector<int64_t> dist(num_nodes_, kInf);
    std::vector<int> via(num_nodes_, -1);
    std::vector<std::pair<int64_t, uint32_t>> heap;
    dist[source_] = 0;
    heap.push_back({0, source_});
    while (!heap.empty()) {
      std::pop_heap(heap.begin(), heap.end(), std::greater<>());
      const auto [d, u] = heap.back();
      heap.pop_back();
      if (d > dist[u]) continue;
      for (int e = first_[u]; e >= 0; e = arcs_[e].next) {
        const Arc& arc = arcs_[e];
        if (arc.cap <= 0) continue;
        const int64_t reduced = arc.cost + potential[u] - potential[arc.to];
        const int64_t nd = d + reduced;
        if (nd < dist[arc.to]) {
          dist[arc.to] = nd;
          via[arc.to] = e;
          heap.push_back({nd, arc.to});
          std::push_heap(heap.begin(), heap.end(), std::greater<>());
        }
      }
    }
    if (dist[sink_] == kInf) return false;
    for (size_t v = 0; v < num_nodes_; ++v) {
      if (dist[v] != kInf) potential[v] += dist[v];
    }
    for (uint32_t v = sink_; v != source_;) {
      const int e = via[v];
      arcs_[e].cap -= 1;
      arcs_[arcs_[e].rev].cap += 1;
      v = arcs_[arcs_[e].rev].to;
    }
    return true;
  }

  bool split_;
  size_t num_nodes_ = 0;
  uint32_t source_ = 0;
  uint32_t sink_ = 0;
  std::vector<int> first_;
  std::vector<Arc> arcs_;
};

}  // namespace

bool AreDisjoint(const model::NetworkModel& model, const Path& a, const Path& b,
                 const DisjointOptions& options) {
  if (Intersect(LinksOf(a), LinksOf(b))) return false;
  if (options.srlg_disjoint && Intersect(SrlgsOf(model, a), SrlgsOf(model, b))) return false;
  if (options.router_disjoint) {
    std::vector<RouterIndex> ra = PathRouters(model, a);
    std::vector<RouterIndex> rb = PathRouters(model, b);
    auto is_end = [&](RouterIndex r) {
      return r == a.source || r == a.target || r == b.source || r == b.target;
    };
    std::erase_if(ra, is_end);
    std::erase_if(rb, is_end);
    std::sort(ra.begin(), ra.end());
    std::sort(rb.begin(), rb.end());
    if (Intersect(ra, rb)) return false;
  }
  return true;
}

absl::StatusOr<Path> DisjointBackupPath(const model::NetworkModel& model, const Path& primary,
                                        const PathConstraints& c, const DisjointOptions& options) {
  RETURN_IF_ERROR(CheckPath(model, primary));
  const RouterIndex target = model.arc_head(primary.arcs.back());
  PathConstraints backup = c;
  for (LinkIndex l : LinksOf(primary)) backup.excluded_links.push_back(l);
  const std::vector<uint32_t> srlgs = SrlgsOf(model, primary);
  if (options.srlg_disjoint) {
    backup.excluded_srlg_ids.insert(backup.excluded_srlg_ids.end(), srlgs.begin(), srlgs.end());
  }
  size_t routers = 0;
  if (options.router_disjoint) {
    for (size_t j = 0; j + 1 < primary.arcs.size(); ++j) {
      backup.excluded_routers.push_back(model.arc_head(primary.arcs[j]));
      ++routers;
    }
  }
  absl::StatusOr<Path> path = ConstrainedShortestPath(model, primary.source, target, backup);
  if (path.ok() || !absl::IsNotFound(path.status())) return path;
  return absl::NotFoundError(absl::StrFormat(
      "no backup path disjoint from the primary (avoiding its %d links, %d SRLGs and %d "
      "routers): %s",
      primary.arcs.size(), options.srlg_disjoint ? srlgs.size() : 0, routers,
      path.status().message()));
}

absl::StatusOr<DisjointPair> ShortestDisjointPair(const model::NetworkModel& model,
                                                  RouterIndex source, RouterIndex target,
                                                  const PathConstraints& c,
                                                  const DisjointPairOptions& options) {
  RETURN_IF_ERROR(CheckSearchArguments(model, source, target, c));
  if (source == target) {
    return absl::InvalidArgumentError("source and target are the same router; no pair to find");
  }
  const std::vector<uint64_t> costs = ArcCosts(model, c);
  const char* kind = options.disjoint.router_disjoint ? "router-disjoint" : "link-disjoint";

  // 1. The optimal link-/router-disjoint pair (ignoring SRLGs and the bound).
  TwoPathFlow flow(model, costs, options.disjoint.router_disjoint, source, target);
  if (flow.Run() < 2) {
    return absl::NotFoundError(absl::StrFormat(
        "no two %s paths from router \"%s\" to router \"%s\" under the constraints", kind,
        model.router(source).id, model.router(target).id));
  }
  std::vector<std::vector<ArcIndex>> arcs = flow.Paths();
  if (arcs.size() == 2) {
    DisjointPair pair{MakePath(model, source, arcs[0]), MakePath(model, source, arcs[1]), true};
    if (PathLess(pair.second, pair.first)) std::swap(pair.first, pair.second);
    if (pair.second.delay_us <= c.max_delay_us && AreDisjoint(model, pair.first, pair.second,
                                                              options.disjoint)) {
      return pair;
    }
  }

  // 2. Fallback: primaries in PathKey order, each with its best backup. The
  // cheaper path X of the best pair is reached by the time primaries cost
  // more than half the best total found, and X's best backup is at most as
  // long as its partner, so stopping there is exact.
  TargetTree tree;
  tree.Compute(model, target, costs);
  KspEnumerator primaries;
  primaries.Start(model, costs, tree, source, c.max_delay_us);
  std::optional<DisjointPair> best;
  std::vector<ArcIndex> primary_arcs;
  uint64_t key = 0;
  int tried = 0;
  bool exhausted = false;
  while (true) {
    if (tried == options.max_primaries) break;
    if (!primaries.Next(&primary_arcs, &key)) {
      exhausted = true;
      break;
    }
    ++tried;
    Path primary = MakePath(model, source, primary_arcs);
    if (best && 2 * primary.delay_us >= best->first.delay_us + best->second.delay_us) {
      exhausted = true;
      break;
    }
    absl::StatusOr<Path> backup = DisjointBackupPath(model, primary, c, options.disjoint);
    if (!backup.ok()) continue;
    if (!best || primary.delay_us + backup->delay_us <
                     best->first.delay_us + best->second.delay_us) {
      best = DisjointPair{std::move(primary), *std::move(backup), false};
    }
  }
  if (!best) {
    if (exhausted) {
      return absl::NotFoundError(absl::StrFormat(
          "no pair of disjoint paths from router \"%s\" to router \"%s\" satisfies the "
          "constraints: %s pairs exist, but every one shares an SRLG or breaks the delay bound",
          model.router(source).id, model.router(target).id, kind));
    }
    return absl::NotFoundError(absl::StrFormat(
        "no disjoint pair from router \"%s\" to router \"%s\" found among the %d best primaries "
        "(none proven not to exist)",
        model.router(source).id, model.router(target).id, tried));
  }
  best->optimal = exhausted;
  if (PathLess(best->second, best->first)) std::swap(best->first, best->second);
  return *std::move(best);
}

}  // namespace cpn::te
