#include "controller/te/path_cache.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace cpn::te {
namespace {

using model::ArcIndex;
using model::LinkIndex;
using model::RouterIndex;
using Tree = model::ShortestPathTree<uint64_t>;

constexpr uint64_t kInf = UINT64_MAX;

uint64_t SaturatingAdd(uint64_t a, uint64_t b) { return b > kInf - a ? kInf : a + b; }

std::vector<uint64_t> CacheArcCosts(const model::NetworkModel& m, const PathCacheOptions& o) {
  PathConstraints c;
  c.min_bandwidth_bps = o.min_bandwidth_bps;
  return ArcCosts(m, c);
}

// Whatever a cached path reads from a link: its arcs' usability, delay,
// capacity (bottleneck), metric (IGP cost) and SRLGs.
bool LinkChanged(const model::NetworkModel& a, const model::NetworkModel& b, uint32_t l,
                 std::span<const uint64_t> costs_a, std::span<const uint64_t> costs_b) {
  const model::Link& x = a.link(LinkIndex(l));
  const model::Link& y = b.link(LinkIndex(l));
  return costs_a[2 * l] != costs_b[2 * l] || costs_a[2 * l + 1] != costs_b[2 * l + 1] ||
         x.delay_us != y.delay_us || x.capacity_bps != y.capacity_bps ||
         x.igp_metric != y.igp_metric || x.srlg_ids != y.srlg_ids;
}

}  // namespace

uint64_t TargetDelayBoundUs(const model::NetworkModel& model, RouterIndex target) {
  bool any = false;
  uint64_t bound = 0;
  for (model::SiteIndex s : model.router(target).sites) {
    for (const model::Placement& p : model.placements_of(s)) {
      any = true;
      bound = std::max(bound, OneWayDelayBoundUs(model.service(p.service).latency_bound_ms));
    }
  }
  return any ? bound : kNoDelayBound;
}

PathCache::PathCache(std::shared_ptr<const model::NetworkModel> model, PathCacheOptions options)
    : model_(std::move(model)), options_(options) {
  options_.k = std::max(options_.k, 1);
  costs_ = CacheArcCosts(*model_, options_);
  slot_of_router_.assign(model_->num_routers(), kNoEntry);
}

uint32_t PathCache::TargetSlot(RouterIndex target) {
  uint32_t& slot = slot_of_router_[target.value()];
  if (slot == kNoEntry) {
    slot = static_cast<uint32_t>(targets_.size());
    Target& t = targets_.emplace_back();
    t.router = target;
    t.max_delay_us = TargetDelayBoundUs(*model_, target);
    t.tree.Compute(*model_, target, costs_);
    t.entry_of_ingress.assign(model_->num_routers(), kNoEntry);
  }
  return slot;
}

void PathCache::ComputeEntry(PathCacheEntry& e) {
  const Target& t = targets_[slot_of_router_[e.target.value()]];
  e.max_delay_us = t.max_delay_us;
  e.paths.clear();
  e.link_filter = 0;
  const uint64_t best = t.tree.key(e.ingress);
  e.shortest_delay_us = best == kInf ? kUnreachableDelay : DelayOfKey(best);
  if (best == kInf || e.shortest_delay_us > e.max_delay_us) return;
  if (e.ingress == e.target) {
    e.paths.push_back(MakePath(*model_, e.ingress, {}));
    return;
  }
  ksp_.Start(*model_, costs_, t.tree, e.ingress, e.max_delay_us);
  uint64_t key = 0;
  while (static_cast<int>(e.paths.size()) < options_.k && ksp_.Next(&scratch_arcs_, &key)) {
    for (ArcIndex a : scratch_arcs_) e.link_filter |= uint64_t{1} << (model::LinkOf(a).value() % 64);
    e.paths.push_back(MakePath(*model_, e.ingress, scratch_arcs_));
  }
}

absl::StatusOr<size_t> PathCache::Prepare(RouterIndex ingress, RouterIndex target) {
  if (ingress.value() >= model_->num_routers() || target.value() >= model_->num_routers()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "pair (ingress %d, target %d) names a router outside the model (%d routers)",
        static_cast<int64_t>(ingress.value()), static_cast<int64_t>(target.value()),
        model_->num_routers()));
  }
  const uint32_t slot = TargetSlot(target);
  uint32_t& index = targets_[slot].entry_of_ingress[ingress.value()];
  if (index != kNoEntry) return 0;
  index = static_cast<uint32_t>(entries_.size());
  PathCacheEntry& e = entries_.emplace_back();
  e.ingress = ingress;
  e.target = target;
  ComputeEntry(e);
  return 1;
}

absl::StatusOr<size_t> PathCache::Prepare(std::span<const CandidateDemand> demands) {
  // Collect the missing pairs first and compute them target by target, so
  // that one target's tree stays in cache while its entries are computed.
  std::vector<std::pair<uint32_t, uint32_t>> pairs;  // (target, ingress)
  for (size_t i = 0; i < demands.size(); ++i) {
    const CandidateDemand& d = demands[i];
    if (d.ingress.value() >= model_->num_routers() ||
        d.service.value() >= model_->services().size()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "demands[%d] names ingress router %d and service %d; the model has %d routers and %d "
          "services",
          i, static_cast<int64_t>(d.ingress.value()), static_cast<int64_t>(d.service.value()),
          model_->num_routers(), model_->services().size()));
    }
    for (model::PlacementIndex p : model_->service(d.service).placements) {
      const RouterIndex t = model_->site(model_->placement(p).site).attachment.router;
      if (Find(d.ingress, t) == nullptr) pairs.push_back({t.value(), d.ingress.value()});
    }
  }
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  entries_.reserve(entries_.size() + pairs.size());
  for (const auto& [t, s] : pairs) {
    absl::StatusOr<size_t> done = Prepare(RouterIndex(s), RouterIndex(t));
    if (!done.ok()) return done.status();
  }
  return pairs.size();
}

const PathCacheEntry* PathCache::Find(RouterIndex ingress, RouterIndex target) const {
  if (ingress.value() >= slot_of_router_.size() || target.value() >= slot_of_router_.size()) {
    return nullptr;
  }
  const uint32_t slot = slot_of_router_[target.value()];
  if (slot == kNoEntry) return nullptr;
  const uint32_t index = targets_[slot].entry_of_ingress[ingress.value()];
  return index == kNoEntry ? nullptr : &entries_[index];
}

absl::StatusOr<std::vector<SiteCandidate>> PathCache::Candidates(
    const CandidateDemand& demand) const {
  if (demand.ingress.value() >= model_->num_routers() ||
      demand.service.value() >= model_->services().size()) {
    return absl::InvalidArgumentError("demand names a router or service outside the model");
  }
  const model::Service& service = model_->service(demand.service);
  const uint64_t bound = OneWayDelayBoundUs(service.latency_bound_ms);
  std::vector<SiteCandidate> out;
  out.reserve(service.placements.size());
  for (model::PlacementIndex p : service.placements) {
    SiteCandidate c;
    c.placement = p;
    c.site = model_->placement(p).site;
    c.router = model_->site(c.site).attachment.router;
    const PathCacheEntry* e = Find(demand.ingress, c.router);
    if (e == nullptr) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "paths from router \"%s\" to router \"%s\" (site \"%s\") were not prepared",
          model_->router(demand.ingress).id, model_->router(c.router).id,
          model_->site(c.site).id));
    }
    size_t n = 0;
    while (n < e->paths.size() && e->paths[n].delay_us <= bound) ++n;
    c.paths = std::span<const Path>(e->paths).first(n);
    c.shortest_delay_us = e->shortest_delay_us;
    out.push_back(c);
  }
  return out;
}

bool PathCache::SameStructure(const model::NetworkModel& next) const {
  const model::NetworkModel& m = *model_;
  if (m.num_routers() != next.num_routers() || m.num_links() != next.num_links()) return false;
  for (size_t r = 0; r < m.num_routers(); ++r) {
    if (m.routers()[r].id != next.routers()[r].id) return false;
  }
  for (size_t l = 0; l < m.num_links(); ++l) {
    const model::Link& x = m.links()[l];
    const model::Link& y = next.links()[l];
    if (x.id != y.id || x.a.router != y.a.router || x.b.router != y.b.router) return false;
  }
  return true;
}

CacheUpdateStats PathCache::Rebuild(std::shared_ptr<const model::NetworkModel> next) {
  std::vector<std::pair<std::string, std::string>> pairs;  // (ingress id, target id)
  pairs.reserve(entries_.size());
  for (const PathCacheEntry& e : entries_) {
    pairs.push_back({model_->router(e.ingress).id, model_->router(e.target).id});
  }
  *this = PathCache(std::move(next), options_);
  CacheUpdateStats stats;
  stats.full_recompute = true;
  for (const auto& [s, t] : pairs) {
    const std::optional<RouterIndex> si = model_->FindRouter(s);
    const std::optional<RouterIndex> ti = model_->FindRouter(t);
    if (si && ti) stats.entries_recomputed += *Prepare(*si, *ti);
  }
  stats.entries_total = entries_.size();
  stats.trees_recomputed = targets_.size();
  return stats;
}

CacheUpdateStats PathCache::Update(std::shared_ptr<const model::NetworkModel> next) {
  CacheUpdateStats stats;
  stats.entries_total = entries_.size();
  if (next == model_) return stats;
  if (!SameStructure(*next)) return Rebuild(std::move(next));

  // 1. What changed, link by link and arc by arc.
  std::vector<uint64_t> costs = CacheArcCosts(*next, options_);
  std::vector<uint8_t> link_changed(next->num_links(), 0);
  uint64_t changed_filter = 0;
  std::vector<ArcIndex> improved;
  std::vector<ArcIndex> worsened;
  for (uint32_t l = 0; l < next->num_links(); ++l) {
    if (!LinkChanged(*model_, *next, l, costs_, costs)) continue;
    link_changed[l] = 1;
    changed_filter |= uint64_t{1} << (l % 64);
    ++stats.links_changed;
    for (uint32_t a = 2 * l; a <= 2 * l + 1; ++a) {
      if (costs[a] < costs_[a]) improved.push_back(ArcIndex(a));
      if (costs[a] > costs_[a]) worsened.push_back(ArcIndex(a));
    }
  }
  stats.arcs_improved = improved.size();
  stats.arcs_worsened = worsened.size();
  costs_ = std::move(costs);
  model_ = std::move(next);
  const model::NetworkModel& m = *model_;
  const bool full =
      static_cast<int>(improved.size()) > options_.max_improved_arcs_incremental;
  stats.full_recompute = full;

  // 2. Targets: new bounds, and trees a changed arc is on or could join.
  std::vector<uint8_t> bound_changed(targets_.size(), 0);
  for (size_t i = 0; i < targets_.size(); ++i) {
    Target& t = targets_[i];
    const uint64_t bound = TargetDelayBoundUs(m, t.router);
    bound_changed[i] = bound != t.max_delay_us;
    t.max_delay_us = bound;
    bool affected = full;
    for (ArcIndex a : worsened) {
      affected = affected || t.tree.next_arc(m.arc_tail(a)) == a;
    }
    for (ArcIndex a : improved) {
      affected = affected || SaturatingAdd(costs_[a.value()], t.tree.key(m.arc_head(a))) <=
                                 t.tree.key(m.arc_tail(a));
    }
    if (affected) {
      t.tree.Compute(m, t.router, costs_);
      ++stats.trees_recomputed;
    }
  }

  // 3. Distances through each improved arc u -> v: to u from every ingress,
  // from v to every target, in the next snapshot.
  std::vector<std::vector<uint64_t>> to_tail;
  std::vector<std::vector<uint64_t>> from_head;
  if (!full) {
    Tree tree;
    for (ArcIndex a : improved) {
      tree.Compute(m, m.arc_tail(a), costs_, Tree::Direction::kToRoot);
      to_tail.emplace_back(tree.distances().begin(), tree.distances().end());
      tree.Compute(m, m.arc_head(a), costs_, Tree::Direction::kFromRoot);
      from_head.emplace_back(tree.distances().begin(), tree.distances().end());
    }
  }

  // 4. Recompute the entries that could change; refresh the others' best
  // delay (it can move even when the k paths cannot, e.g. beyond the bound).
  for (PathCacheEntry& e : entries_) {
    const uint32_t slot = slot_of_router_[e.target.value()];
    bool recompute = full || bound_changed[slot];
    if (!recompute && (e.link_filter & changed_filter) != 0) {
      for (const Path& p : e.paths) {
        for (ArcIndex a : p.arcs) recompute = recompute || link_changed[model::LinkOf(a).value()];
      }
    }
    if (!recompute && !improved.empty()) {
      const uint64_t threshold = static_cast<int>(e.paths.size()) == options_.k
                                     ? PathKey(e.paths.back().delay_us, e.paths.back().arcs.size())
                                     : MaxKeyForDelay(e.max_delay_us);
      for (size_t i = 0; i < improved.size() && !recompute; ++i) {
        const uint64_t through = SaturatingAdd(
            SaturatingAdd(to_tail[i][e.ingress.value()], costs_[improved[i].value()]),
            from_head[i][e.target.value()]);
        recompute = through <= threshold;
      }
    }
    if (recompute) {
      ComputeEntry(e);
      ++stats.entries_recomputed;
    } else {
      const uint64_t best = targets_[slot].tree.key(e.ingress);
      e.shortest_delay_us = best == kInf ? kUnreachableDelay : DelayOfKey(best);
    }
  }
  return stats;
}

absl::StatusOr<std::vector<std::vector<SiteCandidate>>> CandidatePaths(
    PathCache& cache, std::span<const CandidateDemand> demands) {
  absl::StatusOr<size_t> prepared = cache.Prepare(demands);
  if (!prepared.ok()) return prepared.status();
  std::vector<std::vector<SiteCandidate>> out;
  out.reserve(demands.size());
  for (const CandidateDemand& d : demands) {
    absl::StatusOr<std::vector<SiteCandidate>> c = cache.Candidates(d);
    if (!c.ok()) return c.status();
    out.push_back(*std::move(c));
  }
  return out;
}

}  // namespace cpn::te
