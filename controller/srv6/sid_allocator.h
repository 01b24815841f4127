// SID allocation: every SID of every router, derived from the router's
// srv6_locator and stable entity ids (docs/srv6.md, "SID plan").
//
// Layout. A SID is the locator (its first L bits, L = 16..64), then a 16-bit
// function field (bits L .. L+15), then zeros. With a /48 locator
// fcbb:bb00:1::/48 the SIDs read fcbb:bb00:1:<function>::.
//
//   function         behaviour                       one per
//   0x0000           reserved (the locator itself; the default loopback
//                    locator::1 lies here)
//   0x0001           End (node SID)                  router
//   0x0002..0x0fff   reserved
//   0x1000 + slot    End.DX6, or End.DT6 when the    site attached to the
//                    site has no IPv6 next hop        router
//   0x2000 + slot    End.DX4 (sites with an IPv4     site attached to the
//                    next hop)                        router
//   0x3000..0x7fff   reserved
//   0x8000 + slot    End.X                           link of the router
//
// Slots come from AssignStableNumbers (stable_ids.h): a site's slot (0..4095)
// from its id, an adjacency's slot (0..32767) from its link id, each unique
// within the router. So SIDs depend only on ids: they stay the same across
// snapshots, when the topology is reordered, and when unrelated links or
// sites are added or removed (except for a rare hash collision, see
// stable_ids.h). A site's IPv6 and IPv4 SIDs share a slot, so they differ
// only in the function's top nibble. End.X SIDs exist for every link, in
// service or not; the compiler installs those of links in service.
//
// An End.DT6 site gets the FIB table 0x1000 + slot (its SID's function).
//
// An explicitly configured loopback that equals one of these addresses
// removes that function from use (it is never allocated); a loopback equal
// to the End SID is an error.
//
// SidPlan is an immutable value; safe to share between threads once built.
#ifndef CPN_CONTROLLER_SRV6_SID_ALLOCATOR_H_
#define CPN_CONTROLLER_SRV6_SID_ALLOCATOR_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "controller/model/index.h"
#include "controller/model/ip_address.h"
#include "controller/model/network_model.h"

namespace cpn::srv6 {

inline constexpr int kFunctionBits = 16;
inline constexpr uint16_t kFunctionEnd = 0x0001;
inline constexpr uint16_t kFunctionDecapIpv6 = 0x1000;  // + site slot
inline constexpr uint16_t kFunctionDecapIpv4 = 0x2000;  // + site slot
inline constexpr uint32_t kSiteSlots = 0x1000;
inline constexpr uint16_t kFunctionEndX = 0x8000;  // + adjacency slot
inline constexpr uint32_t kAdjacencySlots = 0x8000;

enum class SidBehavior : uint8_t { kEnd, kEndX, kEndDx6, kEndDt6, kEndDx4 };

// "End", "End.X", "End.DX6", "End.DT6", "End.DX4".
std::string_view BehaviorName(SidBehavior behavior);

struct Sid {
  model::Ipv6Address address;
  SidBehavior behavior = SidBehavior::kEnd;
  uint16_t function = 0;
  // The router that instantiates the SID (its locator holds the address).
  model::RouterIndex router;
  // End.X: the adjacency, an arc leaving `router`. Invalid otherwise.
  model::ArcIndex arc;
  // Decapsulation SIDs: the site. Invalid otherwise.
  model::SiteIndex site;

  bool decap() const {
    return behavior == SidBehavior::kEndDx6 || behavior == SidBehavior::kEndDt6 ||
           behavior == SidBehavior::kEndDx4;
  }
  bool operator==(const Sid&) const = default;
};

// The SID with `function` in `locator` (length 16..64).
model::Ipv6Address SidAddress(const model::Ipv6Prefix& locator, uint16_t function);

class SidPlan {
 public:
  // Allocates every SID of `model`. Errors: INVALID_ARGUMENT when a router's
  // loopback is its End SID; RESOURCE_EXHAUSTED when a router has more than
  // kAdjacencySlots links or kSiteSlots sites.
  static absl::StatusOr<SidPlan> Allocate(const model::NetworkModel& model);

  // The End SID of router r.
  const Sid& end(model::RouterIndex r) const { return sids_[end_[r.value()]]; }
  // The End.X SID of arc a, instantiated at the arc's tail router.
  const Sid& end_x(model::ArcIndex a) const { return sids_[end_x_[a.value()]]; }
  // The IPv6 decapsulation SID of site s (End.DX6 or End.DT6), at its router.
  const Sid& decap_ipv6(model::SiteIndex s) const { return sids_[decap6_[s.value()]]; }
  // The End.DX4 SID of site s; nullptr when the site has no IPv4 next hop.
  const Sid* decap_ipv4(model::SiteIndex s) const {
    const uint32_t i = decap4_[s.value()];
    return i == kNone ? nullptr : &sids_[i];
  }
  // The FIB table End.DT6 of site s looks up in; 0 when s uses End.DX6.
  uint32_t dt6_table(model::SiteIndex s) const {
    const Sid& sid = decap_ipv6(s);
    return sid.behavior == SidBehavior::kEndDt6 ? sid.function : 0;
  }
  // Every SID of router r, ascending by address.
  std::span<const Sid> sids_of(model::RouterIndex r) const {
    return std::span<const Sid>(sids_).subspan(
        router_begin_[r.value()], router_begin_[r.value() + 1] - router_begin_[r.value()]);
  }
  // Every SID, grouped by router in router order.
  std::span<const Sid> all() const { return sids_; }
  // The SID at `address`, or nullptr.
  const Sid* Find(const model::Ipv6Address& address) const;

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  SidPlan() = default;

  std::vector<Sid> sids_;
  std::vector<uint32_t> router_begin_;  // num_routers + 1
  std::vector<uint32_t> end_;           // per router
  std::vector<uint32_t> end_x_;         // per arc
  std::vector<uint32_t> decap6_;        // per site
  std::vector<uint32_t> decap4_;        // per site, kNone when absent
  absl::flat_hash_map<model::Ipv6Address, uint32_t> by_address_;
};

}  // namespace cpn::srv6

#endif  // CPN_CONTROLLER_SRV6_SID_ALLOCATOR_H_
