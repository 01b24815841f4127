#include "controller/srv6/ports.h"

#include <algorithm>
#include <array>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "controller/srv6/stable_ids.h"

namespace cpn::srv6 {

using model::ArcDirection;
using model::Ipv6Address;
using model::RouterIndex;

namespace {

Ipv6Address LinkLocal(uint8_t last) {
  std::array<uint8_t, 16> b{};
  b[0] = 0xfe;
  b[1] = 0x80;
  b[15] = last;
  return Ipv6Address(b);
}

// Where an interface's binding goes.
struct InterfaceSlot {
  std::string name;
  PortBinding* out;
};

}  // namespace

Ipv6Address SiteOnLinkIpv6() { return LinkLocal(1); }

Ipv6Address FarEndAddress(const model::Link& link, ArcDirection near_end) {
  const bool far_is_a = near_end == ArcDirection::kBToA;
  const model::LinkEnd& far = far_is_a ? link.a : link.b;
  if (far.ipv6_address) return far.ipv6_address->address;
  return LinkLocal(far_is_a ? 1 : 2);
}

absl::StatusOr<PortPlan> PortPlan::Build(const model::NetworkModel& model,
                                         const PortBindings& bindings) {
  PortPlan plan;
  plan.link_ends_.resize(model.num_arcs());
  plan.sites_.resize(model.sites().size());

  std::vector<std::vector<InterfaceSlot>> per_router(model.num_routers());
  for (uint32_t l = 0; l < model.num_links(); ++l) {
    const model::Link& link = model.link(model::LinkIndex(l));
    per_router[link.a.router.value()].push_back({link.a.interface, &plan.link_ends_[2 * l]});
    per_router[link.b.router.value()].push_back({link.b.interface, &plan.link_ends_[2 * l + 1]});
  }
  for (uint32_t s = 0; s < model.sites().size(); ++s) {
    const model::SiteAttachment& att = model.site(model::SiteIndex(s)).attachment;
    per_router[att.router.value()].push_back({att.interface, &plan.sites_[s]});
  }

  static const std::map<std::string, PortBinding> kNoBindings;
  for (uint32_t r = 0; r < model.num_routers(); ++r) {
    const std::string& router_id = model.router(RouterIndex(r)).id;
    const auto it = bindings.find(router_id);
    const std::map<std::string, PortBinding>& bound =
        it == bindings.end() ? kNoBindings : it->second;
    absl::flat_hash_map<uint32_t, std::string> bound_ids;
    for (const auto& [name, b] : bound) {
      if (b.id == 0) {
        return absl::InvalidArgumentError(
            absl::StrFormat("port binding of router \"%s\" interface \"%s\": id 0 is not a port id",
                            router_id, name));
      }
      auto [at, inserted] = bound_ids.emplace(b.id, name);
      if (!inserted) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "port bindings of router \"%s\": interfaces \"%s\" and \"%s\" both have id %d",
            router_id, at->second, name, b.id));
      }
    }
    absl::flat_hash_set<uint32_t> reserved;
    for (const auto& [id, name] : bound_ids) reserved.insert(id);
    std::vector<std::string> unbound_names;
    std::vector<PortBinding*> unbound_slots;
    for (const InterfaceSlot& slot : per_router[r]) {
      if (const auto b = bound.find(slot.name); b != bound.end()) {
        *slot.out = b->second;
      } else {
        unbound_names.push_back(slot.name);
        unbound_slots.push_back(slot.out);
        plan.unbound_.push_back(absl::StrCat(router_id, "/", slot.name));
      }
    }
    ASSIGN_OR_RETURN(const std::vector<uint32_t> ids,
                     AssignStableNumbers(unbound_names, 1, 65535, reserved,
                                         absl::StrFormat("router \"%s\": port ids", router_id)));
    for (size_t k = 0; k < ids.size(); ++k) unbound_slots[k]->id = ids[k];
  }
  std::sort(plan.unbound_.begin(), plan.unbound_.end());
  return plan;
}

}  // namespace cpn::srv6
