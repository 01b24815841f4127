// Ports and next-hop addresses of every router (docs/srv6.md, "Ports and
// neighbors").
//
// A router's ports are its interfaces in the model: one per link end and one
// per attached site (SiteAttachment.interface). A port's id and DPDK devargs
// are not in the model; the caller binds them per router and interface name
// (from the lab's configuration, or from the ports a dataplane reports by
// Read). An unbound interface gets a derived id, stable per interface name:
// AssignStableNumbers(name) in 1..65535, avoiding bound ids. A dataplane
// cannot create a port without devargs, so unbound interfaces are listed in
// PortPlan::unbound() for the caller to warn about.
//
// Next-hop addresses. The dataplane runs no ND: a next-hop address is only
// the key of a Neighbor entry the controller installs. The address by which
// a router reaches the far end of a link is that end's ipv6_address when
// set, else a link-local address fixed by the end: fe80::1 for end a,
// fe80::2 for end b (unique on a point-to-point link, and unchanged when
// MACs are learnt later). A Neighbor needs the far end's MAC; without it no
// Neighbor is installed and packets drop as NO_NEIGHBOR until it is known.
//
// Immutable once built; safe to share between threads.
#ifndef CPN_CONTROLLER_SRV6_PORTS_H_
#define CPN_CONTROLLER_SRV6_PORTS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/model/index.h"
#include "controller/model/ip_address.h"
#include "controller/model/network_model.h"

namespace cpn::srv6 {

// How one interface of one router is realised in its dataplane.
struct PortBinding {
  uint32_t id = 0;      // Port.id, > 0, unique within the router
  std::string devargs;  // Port.devargs
};
// Router id -> interface name -> binding.
using PortBindings = std::map<std::string, std::map<std::string, PortBinding>>;

// The on-link address of a site's IPv6 gateway when the site has no
// next_hop_ipv6 (End.DT6 sites): fe80::1 on the site's port.
model::Ipv6Address SiteOnLinkIpv6();

// The address by which the far end of `link`, seen from `near_end`'s router,
// is reached: the far end's ipv6_address, else fe80::1 (end a) / fe80::2
// (end b).
model::Ipv6Address FarEndAddress(const model::Link& link, model::ArcDirection near_end);

class PortPlan {
 public:
  // INVALID_ARGUMENT when a binding has id 0 or two interfaces of a router
  // share an id; RESOURCE_EXHAUSTED when derived ids run out.
  static absl::StatusOr<PortPlan> Build(const model::NetworkModel& model,
                                        const PortBindings& bindings);

  // The port of link l's end on side `end` (kAToB: end a).
  const PortBinding& link_end(model::LinkIndex l, model::ArcDirection end) const {
    return link_ends_[2 * l.value() + static_cast<uint32_t>(end)];
  }
  // The port of arc a at its tail router (the port the arc leaves by).
  const PortBinding& arc_port(model::ArcIndex a) const { return link_ends_[a.value()]; }
  // The port of site s at its router.
  const PortBinding& site(model::SiteIndex s) const { return sites_[s.value()]; }
  // "router/interface" of every interface without a binding, sorted.
  const std::vector<std::string>& unbound() const { return unbound_; }

 private:
  std::vector<PortBinding> link_ends_;  // indexed like arcs: 2*l + end
  std::vector<PortBinding> sites_;
  std::vector<std::string> unbound_;
};

}  // namespace cpn::srv6

#endif  // CPN_CONTROLLER_SRV6_PORTS_H_
