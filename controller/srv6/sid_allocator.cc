#include "controller/srv6/sid_allocator.h"

#include <algorithm>
#include <array>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "controller/srv6/stable_ids.h"

namespace cpn::srv6 {
namespace {

using model::ArcIndex;
using model::Ipv6Address;
using model::RouterIndex;
using model::SiteIndex;

// The 16-bit function field of `address` under a locator of `length` bits.
uint16_t FunctionOf(const Ipv6Address& address, int length) {
  uint16_t f = 0;
  for (int b = 0; b < kFunctionBits; ++b) {
    f = static_cast<uint16_t>((f << 1) | (address.bit(length + b) ? 1u : 0u));
  }
  return f;
}

}  // namespace

std::string_view BehaviorName(SidBehavior behavior) {
  switch (behavior) {
    case SidBehavior::kEnd:
      return "End";
    case SidBehavior::kEndX:
      return "End.X";
    case SidBehavior::kEndDx6:
      return "End.DX6";
    case SidBehavior::kEndDt6:
      return "End.DT6";
    case SidBehavior::kEndDx4:
      return "End.DX4";
  }
  return "?";
}

Ipv6Address SidAddress(const model::Ipv6Prefix& locator, uint16_t function) {
  std::array<uint8_t, 16> bytes = locator.address().bytes();
  const int length = locator.length();
  for (int b = 0; b < kFunctionBits; ++b) {
    const int bit = length + b;
    const uint8_t mask = static_cast<uint8_t>(0x80u >> (bit % 8));
    if ((function >> (kFunctionBits - 1 - b)) & 1u) {
      bytes[bit / 8] |= mask;
    } else {
      bytes[bit / 8] &= static_cast<uint8_t>(~mask);
    }
  }
  return Ipv6Address(bytes);
}

absl::StatusOr<SidPlan> SidPlan::Allocate(const model::NetworkModel& model) {
  SidPlan plan;
  const size_t n = model.num_routers();
  plan.router_begin_.assign(n + 1, 0);
  plan.end_.assign(n, kNone);
  plan.end_x_.assign(model.num_arcs(), kNone);
  plan.decap6_.assign(model.sites().size(), kNone);
  plan.decap4_.assign(model.sites().size(), kNone);

  for (uint32_t r = 0; r < n; ++r) {
    const model::Router& router = model.router(RouterIndex(r));
    const model::Ipv6Prefix& locator = router.srv6_locator;
    plan.router_begin_[r] = static_cast<uint32_t>(plan.sids_.size());

    // A loopback that is exactly a SID address takes that function out of use.
    absl::flat_hash_set<uint32_t> reserved_function;
    const uint16_t lo_function = FunctionOf(router.loopback, locator.length());
    if (SidAddress(locator, lo_function) == router.loopback) {
      if (lo_function == kFunctionEnd) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "router \"%s\": loopback_ipv6 %s is the router's End SID; choose another loopback "
            "(e.g. %s)",
            router.id, router.loopback.ToString(), locator.address().WithLastBitSet().ToString()));
      }
      reserved_function.insert(lo_function);
    }
    auto reserved_slots = [&](uint32_t base, uint32_t slots) {
      absl::flat_hash_set<uint32_t> out;
      for (uint32_t f : reserved_function) {
        if (f >= base && f - base < slots) out.insert(f - base);
      }
      return out;
    };

    auto add = [&](SidBehavior behavior, uint16_t function) -> Sid& {
      Sid& sid = plan.sids_.emplace_back();
      sid.address = SidAddress(locator, function);
      sid.behavior = behavior;
      sid.function = function;
      sid.router = RouterIndex(r);
      return sid;
    };

    add(SidBehavior::kEnd, kFunctionEnd);

    // Sites: one slot each, keyed by site id.
    std::vector<std::string> site_ids;
    for (SiteIndex s : router.sites) site_ids.push_back(model.site(s).id);
    absl::flat_hash_set<uint32_t> site_reserved = reserved_slots(kFunctionDecapIpv6, kSiteSlots);
    for (uint32_t slot : reserved_slots(kFunctionDecapIpv4, kSiteSlots)) site_reserved.insert(slot);
    ASSIGN_OR_RETURN(const std::vector<uint32_t> site_slots,
                     AssignStableNumbers(site_ids, 0, kSiteSlots, site_reserved,
                                         absl::StrFormat("router \"%s\": site SIDs", router.id)));
    for (size_t k = 0; k < router.sites.size(); ++k) {
      const SiteIndex s = router.sites[k];
      const model::SiteAttachment& att = model.site(s).attachment;
      Sid& v6 = add(att.next_hop_ipv6 ? SidBehavior::kEndDx6 : SidBehavior::kEndDt6,
                    static_cast<uint16_t>(kFunctionDecapIpv6 + site_slots[k]));
      v6.site = s;
      if (att.next_hop_ipv4) {
        Sid& v4 =
            add(SidBehavior::kEndDx4, static_cast<uint16_t>(kFunctionDecapIpv4 + site_slots[k]));
        v4.site = s;
      }
    }

    // Adjacencies: one slot per link of the router, keyed by link id.
    const std::span<const ArcIndex> out = model.out_arcs(RouterIndex(r));
    std::vector<std::string> link_ids;
    for (ArcIndex a : out) link_ids.push_back(model.link(model::LinkOf(a)).id);
    ASSIGN_OR_RETURN(const std::vector<uint32_t> adj_slots,
                     AssignStableNumbers(link_ids, 0, kAdjacencySlots,
                                         reserved_slots(kFunctionEndX, kAdjacencySlots),
                                         absl::StrFormat("router \"%s\": End.X SIDs", router.id)));
    for (size_t k = 0; k < out.size(); ++k) {
      Sid& x = add(SidBehavior::kEndX, static_cast<uint16_t>(kFunctionEndX + adj_slots[k]));
      x.arc = out[k];
    }

    // Order the router's SIDs by address (= by function), then index them.
    const auto begin = plan.sids_.begin() + plan.router_begin_[r];
    std::sort(begin, plan.sids_.end(),
              [](const Sid& x, const Sid& y) { return x.function < y.function; });
  }
  plan.router_begin_[n] = static_cast<uint32_t>(plan.sids_.size());

  plan.by_address_.reserve(plan.sids_.size());
  for (uint32_t i = 0; i < plan.sids_.size(); ++i) {
    const Sid& sid = plan.sids_[i];
    plan.by_address_.emplace(sid.address, i);
    switch (sid.behavior) {
      case SidBehavior::kEnd:
        plan.end_[sid.router.value()] = i;
        break;
      case SidBehavior::kEndX:
        plan.end_x_[sid.arc.value()] = i;
        break;
      case SidBehavior::kEndDx6:
      case SidBehavior::kEndDt6:
        plan.decap6_[sid.site.value()] = i;
        break;
      case SidBehavior::kEndDx4:
        plan.decap4_[sid.site.value()] = i;
        break;
    }
  }
  return plan;
}

const Sid* SidPlan::Find(const Ipv6Address& address) const {
  const auto it = by_address_.find(address);
  return it == by_address_.end() ? nullptr : &sids_[it->second];
}

}  // namespace cpn::srv6
