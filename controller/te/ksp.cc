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
                          const TargetTree& tree, RouterIndex source, uint64_t max_delay_us,
                          size_t max_paths) {
  model_ = &model;
  costs_ = arc_costs;
  tree_ = &tree;
  source_ = source;
  max_key_ = MaxKeyForDelay(max_delay_us);
  max_paths_ = max_paths;
  started_ = false;
  loaded_ = -1;
  arcs_.clear();
  found_.clear();
  candidates_.clear();
  lazies_.clear();
  spurs_queued_ = 0;
  spurs_refined_ = 0;
  spur_searches_ = 0;
  astar_searches_ = 0;
  search_.Reset(model.num_routers());
}

// The heap order: by key; at equal keys lazier candidates first (a final
// candidate is taken only once nothing unsearched could tie with it), then
// finals by arc sequence. Lazy ones among themselves by (parent, spur), for
// determinism.
bool KspEnumerator::Before(const Stored& a, const Stored& b) const {
  if (a.key != b.key) return a.key < b.key;
  if (a.level != b.level) return a.level > b.level;
  if (a.level != 0) return std::pair(a.parent, a.deviation) < std::pair(b.parent, b.deviation);
  const std::span<const ArcIndex> x = ArcsOf(a);
  const std::span<const ArcIndex> y = ArcsOf(b);
  return std::lexicographical_compare(x.begin(), x.end(), y.begin(), y.end());
}

void KspEnumerator::Push(const Stored& s) {
  if (s.level == 0) {
    // Keep finals distinct (two spurs may yield one path), so that Cutoff
    // can count them.
    const std::span<const ArcIndex> arcs = ArcsOf(s);
    for (const Stored& c : candidates_) {
      if (c.level == 0 && c.key == s.key && c.length == s.length &&
          std::equal(arcs.begin(), arcs.end(), ArcsOf(c).begin())) {
        return;
      }
    }
  }
  candidates_.push_back(s);
  std::push_heap(candidates_.begin(), candidates_.end(),
                 [this](const Stored& a, const Stored& b) { return Before(b, a); });
}

// The largest key a spur may have and still be among the paths wanted:
// with r more paths wanted and r distinct final candidates queued, a spur
// whose key exceeds the r-th smallest of theirs can never be taken (equal
// keys may still win on the arc order, so they stay). It only decreases.
uint64_t KspEnumerator::Cutoff() {
  if (max_paths_ == SIZE_MAX || found_.size() >= max_paths_) return max_key_;
  const size_t wanted = max_paths_ - found_.size();
  final_keys_.clear();
  for (const Stored& c : candidates_) {
    if (c.level == 0) final_keys_.push_back(c.key);
  }
  if (final_keys_.size() < wanted) return max_key_;
  std::nth_element(final_keys_.begin(), final_keys_.begin() + static_cast<ptrdiff_t>(wanted - 1),
                   final_keys_.end());
  return std::min(max_key_, final_keys_[wanted - 1]);
}

bool KspEnumerator::Next(std::vector<ArcIndex>* arcs, uint64_t* key) {
  if (found_.size() >= max_paths_) return false;
  if (!started_) {
    started_ = true;
    // The first path is the tree path: the best path overall.
    const uint64_t k0 = tree_->key(source_);
    if (k0 == kInf || k0 > max_key_) return false;
    Stored first;
    first.key = k0;
    for (RouterIndex u = source_; u != tree_->target();) {
      const ArcIndex a = tree_->next_arc(u);
      arcs_.push_back(a);
      u = model_->arc_head(a);
    }
    first.length = static_cast<uint32_t>(arcs_.size());
    Push(first);
  } else if (!found_.empty()) {
    // Spur from the previous path only now that the next one is wanted: the
    // k-th path then costs no spur work at all.
    Spurs(static_cast<uint32_t>(found_.size() - 1));
  }
  auto after = [this](const Stored& a, const Stored& b) { return Before(b, a); };
  while (!candidates_.empty()) {
    std::pop_heap(candidates_.begin(), candidates_.end(), after);
    const Stored c = candidates_.back();
    candidates_.pop_back();
    if (c.listed && c.offset + 1 < c.length) {
      // The spurs of one path wait in lazies_, sorted; only the first
      // waiting one of each path is in the heap.
      Stored next = lazies_[c.offset + 1];
      next.offset = c.offset + 1;
      next.length = c.length;
      Push(next);
    }
    if (c.level == 2) {
      Refine(c);
      continue;
    }
    if (c.level == 1) {
      Resolve(c);
      continue;
    }
    // Finals are distinct (Push) and never repeat a found path: a spur is
    // searched with the arcs of every path found so far removed.
    const std::span<const ArcIndex> c_arcs = ArcsOf(c);
    found_.push_back(c);
    arcs->assign(c_arcs.begin(), c_arcs.end());
    *key = c.key;
    return true;
  }
  return false;
}

void KspEnumerator::LoadPath(uint32_t found_index) {
  if (loaded_ == found_index) return;
  loaded_ = found_index;
  // Copied: arcs_ may grow while the path is in use.
  const Stored& path = found_[found_index];
  path_arcs_.assign(ArcsOf(path).begin(), ArcsOf(path).end());
  const size_t n = path_arcs_.size();
  routers_.resize(n + 1);
  prefix_keys_.resize(n + 1);
  routers_[0] = source_;
  prefix_keys_[0] = 0;
  for (size_t j = 0; j < n; ++j) {
    routers_[j + 1] = model_->arc_head(path_arcs_[j]);
    prefix_keys_[j + 1] = prefix_keys_[j] + costs_[path_arcs_[j].value()];
  }
}

// Loads a lazy spur's parent, blocks its root routers (the spur router
// included) and collects the arcs the spur may not take.
void KspEnumerator::LoadSpur(const Stored& lazy) {
  LoadPath(lazy.parent);
  search_.ClearBlocked();
  for (size_t i = 0; i <= lazy.deviation; ++i) search_.Block(routers_[i]);
  // Paths found since the spur was queued are excluded too: it then cannot
  // produce one of them again, and queued bounds stay lower bounds.
  RemovedAt(lazy.deviation);
}

// removed_ = arc j of every found path whose first j arcs are those of the
// loaded path (the root): Yen's spur may not repeat a found path's choice.
void KspEnumerator::RemovedAt(size_t j) {
  removed_.clear();
  for (const Stored& f : found_) {
    const std::span<const ArcIndex> arcs = ArcsOf(f);
    if (arcs.size() > j && std::equal(arcs.begin(), arcs.begin() + static_cast<ptrdiff_t>(j),
                                      path_arcs_.begin())) {
      removed_.push_back(arcs[j]);
    }
  }
}

// Every spur of found_[index] from its deviation point on (Lawler: earlier
// spurs were taken when its ancestors were processed). Spurs are not
// searched here: each enters the heap with a lower bound of its key and is
// refined only if it reaches the top, so with k ~ 4 most cost O(1):
//   level 2: prefix + key(v) + detour(v) when the path follows the tree at
//            v (the spur must leave it: the path's own arc is removed), else
//            prefix + key(v);
//   level 1: prefix + min over the usable first arcs a of cost(a) +
//            key(head(a)), with the root blocked (SpurBound); routers with
//            at most 3 arcs get it at once, it is as cheap as level 2;
//   level 0: the spur searched (BestSpur).
void KspEnumerator::Spurs(uint32_t index) {
  LoadPath(index);
  const size_t n = path_arcs_.size();
  const size_t begin = lazies_.size();
  const uint64_t cutoff = Cutoff();
  const uint32_t deviation = found_[index].deviation;
  // Block the root as it grows, for the scans below; the blocked set is
  // rebuilt (LoadSpur) before any spur is refined or searched.
  search_.ClearBlocked();
  for (size_t j = 0; j < deviation; ++j) search_.Block(routers_[j]);
  for (size_t j = deviation; j < n; ++j) {
    const RouterIndex v = routers_[j];
    search_.Block(v);
    Stored lazy;
    lazy.deviation = static_cast<uint32_t>(j);
    lazy.parent = index;
    uint64_t bound = tree_->key(v);
    const std::span<const ArcIndex> out = model_->out_arcs(v);
    if (out.size() <= 3) {
      // Few arcs (chains of long paths are full of them): scan them now,
      // removing only this path's own arc, a subset of what the spur will
      // remove. Often it shows there is no way out at all.
      removed_.assign(1, path_arcs_[j]);
      ArcIndex first;
      bound = SpurBound(v, &first);
      if (!first.valid()) continue;
      lazy.level = 1;
    } else {
      if (path_arcs_[j] == tree_->next_arc(v)) {
        const uint64_t detour = tree_->detour(v);
        if (detour == kInf || detour > kInf - bound) continue;  // no other way out
        bound += detour;
      }
      lazy.level = 2;
    }
    // No spur fits, or none could be among the paths wanted.
    if (prefix_keys_[j] > cutoff || bound > cutoff - prefix_keys_[j]) continue;
    lazy.key = prefix_keys_[j] + bound;
    lazy.listed = true;
    ++spurs_queued_;
    lazies_.push_back(lazy);
  }
  // Queue them as one sorted list: fewer heap operations, same order.
  if (lazies_.size() == begin) return;
  std::sort(lazies_.begin() + static_cast<ptrdiff_t>(begin), lazies_.end(),
            [this](const Stored& a, const Stored& b) { return Before(a, b); });
  Stored head = lazies_[begin];
  head.offset = static_cast<uint32_t>(begin);
  head.length = static_cast<uint32_t>(lazies_.size());
  Push(head);
}

void KspEnumerator::Refine(const Stored& lazy) {
  ++spurs_refined_;
  LoadSpur(lazy);
  const size_t j = lazy.deviation;
  ArcIndex first;
  const uint64_t bound = SpurBound(routers_[j], &first);
  const uint64_t cutoff = Cutoff();
  if (!first.valid() || prefix_keys_[j] > cutoff || bound > cutoff - prefix_keys_[j]) return;
  Stored refined = lazy;
  refined.key = prefix_keys_[j] + bound;
  refined.level = 1;
  refined.listed = false;
  Push(refined);
}

void KspEnumerator::Resolve(const Stored& lazy) {
  LoadSpur(lazy);
  const size_t j = lazy.deviation;
  spur_arcs_.clear();
  uint64_t spur_key = 0;
  ++spur_searches_;
  const uint64_t cutoff = Cutoff();
  if (prefix_keys_[j] > cutoff) return;
  // (Searching only up to the next candidate's key and requeueing the spur
  // with the bound proven was tried: it makes spurs of near-equal keys
  // leapfrog each other, searching again and again. Slower on every net.)
  if (!BestSpur(routers_[j], cutoff - prefix_keys_[j], &spur_arcs_, &spur_key)) return;
  Stored c;
  c.key = prefix_keys_[j] + spur_key;
  c.offset = static_cast<uint32_t>(arcs_.size());
  c.length = static_cast<uint32_t>(j + spur_arcs_.size());
  c.deviation = static_cast<uint32_t>(j);
  arcs_.insert(arcs_.end(), path_arcs_.begin(), path_arcs_.begin() + static_cast<ptrdiff_t>(j));
  arcs_.insert(arcs_.end(), spur_arcs_.begin(), spur_arcs_.end());
  Push(c);
}

// A lower bound of the key of any spur from `spur` (blocked routers and
// removed_ as set): every spur starts with an arc a = spur -> x and costs at
// least cost(a) + tree.key(x). Sets *first to the arc attaining it (the
// smallest index on ties), invalid when no arc can start a spur.
uint64_t KspEnumerator::SpurBound(RouterIndex spur, ArcIndex* first) const {
  const std::span<const RouterIndex> heads = model_->arc_heads();
  uint64_t best = kInf;
  for (ArcIndex a : model_->out_arcs(spur)) {
    const uint64_t c = costs_[a.value()];
    if (c == kInf) continue;
    const RouterIndex x = heads[a.value()];
    const uint64_t h = tree_->key(x);
    if (h == kInf || c > kInf - h || c + h >= best || search_.blocked(x)) continue;
    // Checked last: the list is short but this is the hottest loop.
    if (std::find(removed_.begin(), removed_.end(), a) != removed_.end()) continue;
    best = c + h;
    *first = a;
  }
  return best;
}

// The best spur from `spur`: first the "sidetrack" shortcut, else A*. If the
// tree path from the head x of the bounding arc avoids the blocked root,
// that arc plus the tree path attains the lower bound, so it is a best spur;
// and since tree paths are the lexicographically smallest best paths and
// the arc the smallest bounding one, it is the one the PathKey order picks.
// Returns false when no spur fits max_key.
bool KspEnumerator::BestSpur(RouterIndex spur, uint64_t max_key, std::vector<ArcIndex>* out,
                             uint64_t* key) {
  const std::span<const RouterIndex> heads = model_->arc_heads();
  ArcIndex first;
  const uint64_t bound = SpurBound(spur, &first);
  if (!first.valid() || bound > max_key) return false;
  out->push_back(first);
  bool clear = true;
  for (RouterIndex u = heads[first.value()]; u != tree_->target();) {
    const ArcIndex a = tree_->next_arc(u);
    out->push_back(a);
    u = heads[a.value()];
    if (search_.blocked(u)) {
      clear = false;
      break;
    }
  }
  if (clear) {
    *key = bound;
    return true;
  }
  out->clear();
  ++astar_searches_;
  const std::optional<uint64_t> found =
      search_.Find(*model_, costs_, spur, tree_->target(), tree_, removed_, max_key, out);
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
  ksp.Start(model, costs, tree, source, c.max_delay_us, static_cast<size_t>(k));
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
