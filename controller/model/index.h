// Dense indices into a NetworkModel snapshot.
//
// Every entity kind of a snapshot is numbered 0..n-1 in the order it appears
// in the source Topology (router i is Topology.routers(i), and so on). Indices
// are strong types so that a RouterIndex cannot be passed where a LinkIndex is
// expected; `value()` gives the raw uint32_t for indexing dense arrays in hot
// loops. Indices are only meaningful for the snapshot that produced them: a
// rebuilt snapshot may renumber entities, so keep string ids across snapshots.
//
// Directed arcs: link l gives two arcs, 2*l (a -> b) and 2*l+1 (b -> a).
//
// Value types; no state, safe from any thread.
#ifndef CPN_CONTROLLER_MODEL_INDEX_H_
#define CPN_CONTROLLER_MODEL_INDEX_H_

#include <compare>
#include <cstdint>
#include <limits>
#include <utility>

namespace cpn::model {

template <typename Tag>
class DenseIndex {
 public:
  static constexpr uint32_t kInvalidValue = std::numeric_limits<uint32_t>::max();

  // An invalid index (compares unequal to every real one).
  constexpr DenseIndex() = default;
  constexpr explicit DenseIndex(uint32_t value) : value_(value) {}

  constexpr uint32_t value() const { return value_; }
  constexpr bool valid() const { return value_ != kInvalidValue; }

  friend constexpr auto operator<=>(DenseIndex, DenseIndex) = default;

  template <typename H>
  friend H AbslHashValue(H h, DenseIndex i) {
    return H::combine(std::move(h), i.value_);
  }

 private:
  uint32_t value_ = kInvalidValue;
};

using RouterIndex = DenseIndex<struct RouterIndexTag>;
using LinkIndex = DenseIndex<struct LinkIndexTag>;
using ArcIndex = DenseIndex<struct ArcIndexTag>;
using OpticalNodeIndex = DenseIndex<struct OpticalNodeIndexTag>;
using FiberIndex = DenseIndex<struct FiberIndexTag>;
using LightpathIndex = DenseIndex<struct LightpathIndexTag>;
using SiteIndex = DenseIndex<struct SiteIndexTag>;
using ServiceIndex = DenseIndex<struct ServiceIndexTag>;
// A (site, service) pair: one SiteServiceCapacity entry. See Placement.
using PlacementIndex = DenseIndex<struct PlacementIndexTag>;
// Dense number of a distinct SRLG id used by at least one link. See Srlg.
using SrlgIndex = DenseIndex<struct SrlgIndexTag>;

// Direction of an arc along its link.
enum class ArcDirection : uint32_t {
  kAToB = 0,  // from endpoint a to endpoint b
  kBToA = 1,
};

constexpr ArcIndex ArcOf(LinkIndex link, ArcDirection dir) {
  return ArcIndex(2 * link.value() + static_cast<uint32_t>(dir));
}
constexpr LinkIndex LinkOf(ArcIndex arc) { return LinkIndex(arc.value() / 2); }
constexpr ArcDirection DirectionOf(ArcIndex arc) {
  return static_cast<ArcDirection>(arc.value() & 1u);
}
// The arc of the same link in the other direction.
constexpr ArcIndex ReverseOf(ArcIndex arc) { return ArcIndex(arc.value() ^ 1u); }

}  // namespace cpn::model

#endif  // CPN_CONTROLLER_MODEL_INDEX_H_
