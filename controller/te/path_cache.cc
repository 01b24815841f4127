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
  entries_of_link_.resize(model_->num_links());
  link_stamp_.assign(model_->num_links(), 0);
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

void PathCache::ComputeEntry(uint32_t index) {
  PathCacheEntry& e = entries_[index];
  const Target& t = targets_[slot_of_router_[e.target.value()]];
  e.max_delay_us = t.max_delay_us;
  e.paths.clear();
  const uint64_t best = t.tree.key(e.ingress);
  e.shortest_delay_us = best == kInf ? kUnreachableDelay : DelayOfKey(best);
  if (best != kInf && e.shortest_delay_us <= e.max_delay_us) {
    if (e.ingress == e.target) {
      e.paths.push_back(MakePath(*model_, e.ingress, {}));
    } else {
      ksp_.Start(*model_, costs_, t.tree, e.ingress, e.max_delay_us,
                 static_cast<size_t>(options_.k));
      uint64_t key = 0;
      while (static_cast<int>(e.paths.size()) < options_.k && ksp_.Next(&scratch_arcs_, &key)) {
        e.paths.push_back(MakePath(*model_, e.ingress, scratch_arcs_));
      }
    }
  }
  entry_threshold_[index] = static_cast<int>(e.paths.size()) == options_.k
                                ? PathKey(e.paths.back().delay_us, e.paths.back().arcs.size())
                                : MaxKeyForDelay(e.max_delay_us);
  // Register under every distinct link of the paths.
  if (++link_stamp_value_ == 0) {
    std::fill(link_stamp_.begin(), link_stamp_.end(), 0);
    link_stamp_value_ = 1;
  }
  live_refs_ -= entry_links_[index];
  uint32_t links = 0;
  for (const Path& p : e.paths) {
    for (ArcIndex a : p.arcs) {
      const uint32_t l = model::LinkOf(a).value();
      if (link_stamp_[l] == link_stamp_value_) continue;
      link_stamp_[l] = link_stamp_value_;
      entries_of_link_[l].push_back(index);
      ++links;
    }
  }
  entry_links_[index] = links;
  live_refs_ += links;
  link_refs_ += links;
}

void PathCache::RebuildLinkIndex() {
  for (std::vector<uint32_t>& list : entries_of_link_) list.clear();
  link_refs_ = 0;
  for (uint32_t i = 0; i < entries_.size(); ++i) {
    if (++link_stamp_value_ == 0) {
      std::fill(link_stamp_.begin(), link_stamp_.end(), 0);
      link_stamp_value_ = 1;
    }
    for (const Path& p : entries_[i].paths) {
      for (ArcIndex a : p.arcs) {
        const uint32_t l = model::LinkOf(a).value();
        if (link_stamp_[l] == link_stamp_value_) continue;
        link_stamp_[l] = link_stamp_value_;
        entries_of_link_[l].push_back(i);
        ++link_refs_;
      }
    }
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
  entry_links_.push_back(0);
  entry_threshold_.push_back(0);
  entry_mark_.push_back(0);
  ComputeEntry(index);
  return 1;
}

absl::StatusOr<size_t> PathCache::Prepare(std::span<const CandidateDemand> demands) {
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
  }
  // Register the missing entries first, then compute them target by target
  // so that one target's tree stays in cache while its entries are computed.
  const size_t first_new = entries_.size();
  std::vector<std::vector<uint32_t>> pending(targets_.size());
  for (const CandidateDemand& d : demands) {
    for (model::PlacementIndex p : model_->service(d.service).placements) {
      const uint32_t slot = TargetSlot(model_->site(model_->placement(p).site).attachment.router);
      uint32_t& index = targets_[slot].entry_of_ingress[d.ingress.value()];
      if (index != kNoEntry) continue;
      index = static_cast<uint32_t>(entries_.size());
      PathCacheEntry& e = entries_.emplace_back();
      e.ingress = d.ingress;
      e.target = targets_[slot].router;
      if (pending.size() <= slot) pending.resize(slot + 1);
      pending[slot].push_back(index);
    }
  }
  entry_links_.resize(entries_.size(), 0);
  entry_threshold_.resize(entries_.size(), 0);
  entry_mark_.resize(entries_.size(), 0);
  for (const std::vector<uint32_t>& indices : pending) {
    for (uint32_t i : indices) ComputeEntry(i);
  }
  return entries_.size() - first_new;
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
  std::vector<uint32_t> changed_links;   // arc costs changed
  std::vector<uint32_t> relabelled_links;  // only capacity, metric or SRLGs
  std::vector<ArcIndex> improved;
  std::vector<ArcIndex> worsened;
  for (uint32_t l = 0; l < next->num_links(); ++l) {
    if (!LinkChanged(*model_, *next, l, costs_, costs)) continue;
    if (costs[2 * l] == costs_[2 * l] && costs[2 * l + 1] == costs_[2 * l + 1]) {
      relabelled_links.push_back(l);
      continue;
    }
    changed_links.push_back(l);
    for (uint32_t a = 2 * l; a <= 2 * l + 1; ++a) {
      if (costs[a] < costs_[a]) improved.push_back(ArcIndex(a));
      if (costs[a] > costs_[a]) worsened.push_back(ArcIndex(a));
    }
  }
  stats.links_changed = changed_links.size() + relabelled_links.size();
  stats.arcs_improved = improved.size();
  stats.arcs_worsened = worsened.size();
  costs_ = std::move(costs);
  model_ = std::move(next);
  const model::NetworkModel& m = *model_;
  const size_t n = m.num_routers();
  const bool full = static_cast<int>(improved.size()) > options_.max_improved_arcs_incremental;
  stats.full_recompute = full;

  // 2. Targets: new bounds, and the trees a changed arc is on or could join.
  std::vector<uint8_t> bound_changed(targets_.size(), 0);
  std::vector<uint8_t> tree_changed(targets_.size(), 0);
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
    if (full) {
      t.tree.Compute(m, t.router, costs_);
    } else {
      // Even when no key moves, a changed arc may move its tail's detour
      // (a search bound), so every tree is repaired; unaffected ones cheaply.
      t.tree.Repair(m, costs_, worsened, improved);
    }
    if (affected) {
      tree_changed[i] = 1;
      ++stats.trees_recomputed;
    }
  }

  // 3. The entries to recompute.
  if (++entry_mark_value_ == 0) {
    std::fill(entry_mark_.begin(), entry_mark_.end(), 0);
    entry_mark_value_ = 1;
  }
  std::vector<uint32_t> todo;
  std::vector<uint32_t> relabel;
  auto add = [&](uint32_t i) {
    if (entry_mark_[i] == entry_mark_value_) return;
    entry_mark_[i] = entry_mark_value_;
    todo.push_back(i);
  };
  if (full) {
    for (uint32_t i = 0; i < entries_.size(); ++i) add(i);
  } else {
    auto uses = [&](uint32_t i, uint32_t l) {
      for (const Path& p : entries_[i].paths) {
        for (ArcIndex a : p.arcs) {
          if (model::LinkOf(a).value() == l) return true;
        }
      }
      return false;
    };
    // Entries with a path over a link whose cost changed. Every one found is
    // recomputed and registers again under its new links, so the list can
    // be emptied.
    for (uint32_t l : changed_links) {
      for (uint32_t i : entries_of_link_[l]) {
        if (uses(i, l)) add(i);
      }
      link_refs_ -= entries_of_link_[l].size();
      entries_of_link_[l].clear();
    }
    // Over a link with only new labels (capacity, metric, SRLGs; the costs,
    // hence the paths, are the same): their paths' attributes are refreshed
    // below unless they are recomputed anyway. The list keeps its live ids.
    for (uint32_t l : relabelled_links) {
      std::vector<uint32_t>& list = entries_of_link_[l];
      const size_t before = list.size();
      std::erase_if(list, [&](uint32_t i) { return !uses(i, l); });
      link_refs_ -= before - list.size();
      relabel.insert(relabel.end(), list.begin(), list.end());
    }
    for (size_t t = 0; t < targets_.size(); ++t) {
      if (!bound_changed[t]) continue;
      for (uint32_t i : targets_[t].entry_of_ingress) {
        if (i != kNoEntry) add(i);
      }
    }
    // Entries a path through an improved arc u -> v could enter:
    // dist(ingress, u) + cost + dist(v, target) <= the entry's threshold,
    // with exact distances in the next snapshot.
    model::ShortestPathTree<uint64_t> to_tail;
    model::ShortestPathTree<uint64_t> from_head;
    for (ArcIndex a : improved) {
      to_tail.Compute(m, m.arc_tail(a), costs_, Tree::Direction::kToRoot);
      from_head.Compute(m, m.arc_head(a), costs_, Tree::Direction::kFromRoot);
      for (const Target& t : targets_) {
        const uint64_t rest = SaturatingAdd(costs_[a.value()], from_head.distance(t.router));
        if (rest == kInf) continue;
        for (size_t s = 0; s < n; ++s) {
          const uint32_t i = t.entry_of_ingress[s];
          if (i != kNoEntry &&
              SaturatingAdd(to_tail.distances()[s], rest) <= entry_threshold_[i]) {
            add(i);
          }
        }
      }
    }
  }

  // 4. Recompute them; refresh the best delay of the others toward targets
  // whose tree changed (it can move even when the k paths cannot, e.g.
  // beyond the bound).
  for (uint32_t i : todo) ComputeEntry(i);
  stats.entries_recomputed = todo.size();
  std::sort(relabel.begin(), relabel.end());
  relabel.erase(std::unique(relabel.begin(), relabel.end()), relabel.end());
  for (uint32_t i : relabel) {
    if (entry_mark_[i] == entry_mark_value_) continue;  // recomputed
    for (Path& p : entries_[i].paths) p = MakePath(m, p.source, std::move(p.arcs));
    ++stats.entries_relabelled;
  }
  for (size_t t = 0; t < targets_.size(); ++t) {
    if (!tree_changed[t]) continue;
    for (size_t s = 0; s < n; ++s) {
      const uint32_t i = targets_[t].entry_of_ingress[s];
      if (i == kNoEntry || entry_mark_[i] == entry_mark_value_) continue;
      const uint64_t best = targets_[t].tree.key(RouterIndex(static_cast<uint32_t>(s)));
      entries_[i].shortest_delay_us = best == kInf ? kUnreachableDelay : DelayOfKey(best);
    }
  }
  if (link_refs_ > 2 * live_refs_ + 4096) RebuildLinkIndex();
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
