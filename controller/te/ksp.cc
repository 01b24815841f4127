#include "controller/te/ksp.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "controller/te/cspf.h"

namespace cpn::te {
namespace {

using model::ArcIndex;
using model::RouterIndex;

constexpr uint64_t kInf = UINT64_MAX;

}  // namespace

void KspEnumerator::Start(const model::NetworkModel& model, std::span<const uint64_t> arc_costs,
                          const TargetTree& tree, RouterIndex source, uint64_t max_delay_us) {
  model_ = &model;
  costs_ = arc_costs;
  tree_ = &tree;
  source_ = source;
  max_key_ = MaxKeyForDelay(max_delay_us);
  started_ = false;
  arcs_.clear();
  found_.clear();
  candidates_.clear();
  spur_searches_ = 0;
  astar_searches_ = 0;
  search_.Reset(model.num_routers());
}

bool KspEnumerator::Before(const Stored& a, const Stored& b) const {
  if (a.key != b.key) return a.key < b.key;
  const std::span<const ArcIndex> x = ArcsOf(a);
  const std::span<const ArcIndex> y = ArcsOf(b);
  return std::lexicographical_compare(x.begin(), x.end(), y.begin(), y.end());
}

bool KspEnumerator::Next(std::vector<ArcIndex>* arcs, uint64_t* key) {
  if (!started_) {
    started_ = true;
    // The first path is the tree path: the best path overall.
    const uint64_t k0 = tree_->key(source_);
    if (k0 == kInf || k0 > max_key_) return false;
    Stored first{k0, 0, 0, 0};
    for (RouterIndex u = source_; u != tree_->target();) {
      const ArcIndex a = tree_->next_arc(u);
      arcs_.push_back(a);
      u = model_->arc_head(a);
    }
    first.length = static_cast<uint32_t>(arcs_.size());
    candidates_.push_back(first);
  } else if (!found_.empty()) {
    // Spur from the previous path only now that the next one is wanted: the
    // k-th path then costs no spur searches.
    Spurs(found_.back());
  }
  auto after = [this](const Stored& a, const Stored& b) { return Before(b, a); };
  while (!candidates_.empty()) {
    std::pop_heap(candidates_.begin(), candidates_.end(), after);
    const Stored c = candidates_.back();
    candidates_.pop_back();
    // Yen may generate one path from two spurs; keep its first copy.
    const std::span<const ArcIndex> c_arcs = ArcsOf(c);
    const bool duplicate = std::any_of(found_.begin(), found_.end(), [&](const Stored& f) {
      const std::span<const ArcIndex> f_arcs = ArcsOf(f);
      return f.key == c.key && std::equal(f_arcs.begin(), f_arcs.end(), c_arcs.begin(), c_arcs.end());
    });
    if (duplicate) continue;
    found_.push_back(c);
    arcs->assign(c_arcs.begin(), c_arcs.end());
    *key = c.key;
    return true;
  }
  return false;
}

void KspEnumerator::Spurs(const Stored& path) {
  const model::NetworkModel& model = *model_;
  // Copy the path: arcs_ grows below.
  path_arcs_.assign(ArcsOf(path).begin(), ArcsOf(path).end());
  const std::vector<ArcIndex>& path_arcs = path_arcs_;
  const size_t n = path_arcs.size();
  routers_.resize(n + 1);
  prefix_keys_.resize(n + 1);
  routers_[0] = source_;
  prefix_keys_[0] = 0;
  for (size_t j = 0; j < n; ++j) {
    routers_[j + 1] = model.arc_head(path_arcs[j]);
    prefix_keys_[j + 1] = prefix_keys_[j] + costs_[path_arcs[j].value()];
  }
  // Common prefix length of every found path with this one: a found path's
  // arc j is removed at spur j when it shares the root (the first j arcs).
  std::vector<std::pair<uint32_t, uint32_t>>& shared = shared_;  // (common prefix, found index)
  shared.clear();
  for (uint32_t i = 0; i < found_.size(); ++i) {
    const std::span<const ArcIndex> f = ArcsOf(found_[i]);
    const size_t m = std::min(f.size(), n);
    uint32_t lcp = 0;
    while (lcp < m && f[lcp] == path_arcs[lcp]) ++lcp;
    shared.push_back({lcp, i});
  }

  search_.ClearBlocked();
  // Root routers before the deviation point stay blocked for every spur
  // (Lawler: earlier spurs were searched when the parent was processed).
  for (size_t j = 0; j < path.deviation; ++j) search_.Block(routers_[j]);
  for (size_t j = path.deviation; j < n; ++j) {
    const RouterIndex spur = routers_[j];
    search_.Block(spur);
    removed_.clear();
    for (const auto& [lcp, i] : shared) {
      const std::span<const ArcIndex> f = ArcsOf(found_[i]);
      if (lcp >= j && f.size() > j) removed_.push_back(f[j]);
    }
    const uint64_t max_spur_key = max_key_ - prefix_keys_[j];
    spur_arcs_.clear();
    uint64_t spur_key = 0;
    ++spur_searches_;
    if (!TrySidetrack(spur, removed_, max_spur_key, &spur_arcs_, &spur_key)) continue;
    Stored c;
    c.key = prefix_keys_[j] + spur_key;
    c.offset = static_cast<uint32_t>(arcs_.size());
    c.length = static_cast<uint32_t>(j + spur_arcs_.size());
    c.deviation = static_cast<uint32_t>(j);
    arcs_.insert(arcs_.end(), path_arcs.begin(), path_arcs.begin() + static_cast<ptrdiff_t>(j));
    arcs_.insert(arcs_.end(), spur_arcs_.begin(), spur_arcs_.end());
    candidates_.push_back(c);
    std::push_heap(candidates_.begin(), candidates_.end(),
                   [this](const Stored& a, const Stored& b) { return Before(b, a); });
  }
}

// The best spur from `spur`: first the "sidetrack" shortcut, else A*. Every
// spur starts with an arc a = spur -> x and costs at least
// cost(a) + tree.key(x). Take the least such a (smallest index on ties); if
// the tree path from x avoids the blocked root, that spur is optimal and,
// since tree paths are the lexicographically smallest best paths, it is also
// the one the PathKey order picks. Returns false when no spur fits max_key.
bool KspEnumerator::TrySidetrack(RouterIndex spur, std::span<const ArcIndex> removed,
                                 uint64_t max_key, std::vector<ArcIndex>* out, uint64_t* key) {
  const model::NetworkModel& model = *model_;
  const std::span<const RouterIndex> heads = model.arc_heads();
  ArcIndex best_arc;
  uint64_t best = kInf;
  for (ArcIndex a : model.out_arcs(spur)) {
    const uint64_t c = costs_[a.value()];
    if (c == kInf || std::find(removed.begin(), removed.end(), a) != removed.end()) continue;
    const RouterIndex x = heads[a.value()];
    if (search_.blocked(x)) continue;
    const uint64_t h = tree_->key(x);
    if (h == kInf || c > kInf - h) continue;
    if (c + h < best) {
      best = c + h;
      best_arc = a;
    }
  }
  if (!best_arc.valid() || best > max_key) return false;  // no spur can fit
  out->push_back(best_arc);
  bool clear = true;
  for (RouterIndex u = heads[best_arc.value()]; u != tree_->target();) {
    const ArcIndex a = tree_->next_arc(u);
    out->push_back(a);
    u = heads[a.value()];
    if (search_.blocked(u)) {
      clear = false;
      break;
    }
  }
  if (clear) {
    *key = best;
    return true;
  }
  out->clear();
  ++astar_searches_;
  const std::optional<uint64_t> found =
      search_.Find(model, costs_, spur, tree_->target(), tree_->keys(), removed, max_key, out);
  if (!found) return false;
  *key = *found;
  return true;
}

absl::StatusOr<std::vector<Path>> KShortestPaths(const model::NetworkModel& model,
                                                 RouterIndex source, RouterIndex target, int k,
                                                 const PathConstraints& c) {
  RETURN_IF_ERROR(CheckSearchArguments(model, source, target, c));
  if (k < 1) return absl::InvalidArgumentError(absl::StrFormat("k is %d; it must be >= 1", k));
  if (source == target) return std::vector<Path>{MakePath(model, source, {})};
  const std::vector<uint64_t> costs = ArcCosts(model, c);
  TargetTree tree;
  tree.Compute(model, target, costs);
  KspEnumerator ksp;
  ksp.Start(model, costs, tree, source, c.max_delay_us);
  std::vector<Path> paths;
  std::vector<ArcIndex> arcs;
  uint64_t key = 0;
  while (static_cast<int>(paths.size()) < k && ksp.Next(&arcs, &key)) {
    paths.push_back(MakePath(model, source, arcs));
  }
  if (paths.empty()) {
    absl::Status why = ExplainNoPath(model, source, target, c);
    if (why.ok()) return absl::InternalError("k shortest paths found none but a path exists");
    return why;
  }
  return paths;
}

}  // namespace cpn::te
