// Core of the builder: errors, ids, routers, links, SRLGs and arcs. The
// optical layer and compute live in model_builder_{optical,compute}.cc.
#include "controller/model/model_builder.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace cpn::model {

namespace tv1 = cpn::topology::v1;

std::string Quote(absl::string_view s) { return absl::StrCat("\"", absl::CHexEscape(s), "\""); }

std::string EntityRef::ToString() const {
  if (id.empty()) return absl::StrFormat("%s[%d]", plural, index);
  return absl::StrCat(kind, " ", Quote(id));
}

void ErrorList::Add(const EntityRef& entity, absl::string_view message) {
  ++total_;
  if (messages_.size() < kMaxReported) {
    messages_.push_back(absl::StrCat(entity.ToString(), ": ", message));
  }
}

absl::Status ErrorList::ToStatus(absl::string_view topology_name) const {
  if (total_ == 0) return absl::OkStatus();
  if (total_ == 1) return absl::InvalidArgumentError(messages_.front());
  std::string text = absl::StrFormat("topology %s has %d errors:\n  %s", Quote(topology_name),
                                     total_, absl::StrJoin(messages_, "\n  "));
  if (total_ > messages_.size()) {
    absl::StrAppendFormat(&text, "\n  ... and %d more", total_ - messages_.size());
  }
  return absl::InvalidArgumentError(text);
}

ModelBuilder::ModelBuilder(tv1::Topology topology) : m_(new NetworkModel()), t_(m_->proto_) {
  m_->proto_ = std::move(topology);
}

absl::StatusOr<std::shared_ptr<const NetworkModel>> ModelBuilder::Build() && {
  BuildRouters();
  BuildOpticalNodes();
  BuildFibers();
  BuildLightpaths();
  BuildLinks();
  CheckLinkOptics();
  BuildServices();
  BuildSites();
  CheckAddressSpace();
  if (!errors_.empty()) return errors_.ToStatus(t_.name());
  DeriveSrlgs();
  BuildArcs();
  return std::shared_ptr<const NetworkModel>(std::move(m_));
}

bool ModelBuilder::CheckIdSyntax(const EntityRef& e) {
  constexpr size_t kMaxIdLength = 128;
  if (e.id.empty()) {
    errors_.Add(e, "id is empty");
    return false;
  }
  if (e.id.size() > kMaxIdLength) {
    errors_.Add(e, absl::StrFormat("id is %d characters long; at most %d are allowed", e.id.size(),
                                   kMaxIdLength));
    return false;
  }
  for (char c : e.id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) {
      errors_.Add(e, absl::StrFormat("id contains %s; ids use only letters, digits, '-', '_' "
                                     "and '.'",
                                     Quote(absl::string_view(&c, 1))));
      return false;
    }
  }
  return true;
}

void ModelBuilder::ReportDuplicateId(const EntityRef& e, uint32_t first_index) {
  errors_.Add(e, absl::StrFormat("duplicate id (%s[%d] has it too)", e.plural, first_index));
}

std::optional<GeoPoint> ModelBuilder::CheckLocation(const EntityRef& e,
                                                    const cpn::common::v1::GeoLocation& loc) {
  bool ok = true;
  if (!(loc.latitude_deg() >= -90 && loc.latitude_deg() <= 90)) {
    errors_.Add(e,
                absl::StrFormat("location.latitude_deg %g is outside -90..90", loc.latitude_deg()));
    ok = false;
  }
  if (!(loc.longitude_deg() >= -180 && loc.longitude_deg() <= 180)) {
    errors_.Add(
        e, absl::StrFormat("location.longitude_deg %g is outside -180..180", loc.longitude_deg()));
    ok = false;
  }
  if (!ok) return std::nullopt;
  return GeoPoint{loc.latitude_deg(), loc.longitude_deg()};
}

bool ModelBuilder::CheckAdminState(const EntityRef& e, cpn::common::v1::AdminState state) {
  if (!cpn::common::v1::AdminState_IsValid(state)) {
    errors_.Add(e, absl::StrFormat("admin_state has unknown value %d", state));
  }
  return state != cpn::common::v1::ADMIN_STATE_DOWN;
}

void ModelBuilder::CheckSrlgIds(const EntityRef& e,
                                const google::protobuf::RepeatedField<uint32_t>& ids) {
  for (int k = 0; k < ids.size(); ++k) {
    if (ids[k] >= kFirstDerivedSrlg) {
      errors_.Add(e, absl::StrFormat("srlgs[%d] = %u is in the range reserved for SRLGs derived "
                                     "from fibres (>= %u)",
                                     k, ids[k], kFirstDerivedSrlg));
    }
  }
}

void ModelBuilder::CheckInterfaceName(const EntityRef& e, absl::string_view field,
                                      absl::string_view name) {
  constexpr size_t kMaxInterfaceLength = 64;
  if (name.empty()) {
    errors_.Add(e, absl::StrCat(field, " is empty"));
    return;
  }
  const bool printable = std::all_of(name.begin(), name.end(), [](char c) {
    return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
  if (!printable || name.size() > kMaxInterfaceLength) {
    errors_.Add(e, absl::StrFormat("%s %s is not an interface name (1..%d printable characters, "
                                   "no spaces)",
                                   field, Quote(name), kMaxInterfaceLength));
  }
}

void ModelBuilder::ClaimInterface(RouterIndex router, absl::string_view name,
                                  const EntityRef& owner, std::string field) {
  auto [it, inserted] =
      interfaces_.try_emplace(std::make_pair(router.value(), name), InterfaceOwner{owner, field});
  if (!inserted) {
    errors_.Add(owner,
                absl::StrFormat("%s %s on router %s is already used by %s (%s)", field, Quote(name),
                                RouterName(router), it->second.owner.ToString(), it->second.field));
  }
}

std::string ModelBuilder::RouterName(RouterIndex r) const {
  return Quote(m_->routers_[r.value()].id);
}

void ModelBuilder::BuildRouters() {
  const int n = t_.routers_size();
  m_->routers_.resize(n);
  m_->router_by_id_.reserve(n);
  for (int i = 0; i < n; ++i) {
    const tv1::Router& p = t_.routers(i);
    const EntityRef e{"router", "routers", p.id(), i};
    Router& r = m_->routers_[i];
    r.id = p.id();
    r.name = p.name();
    RegisterId(e, m_->router_by_id_, RouterIndex(i));
    if (p.has_location()) r.location = CheckLocation(e, p.location());

    bool locator_ok = false;
    if (p.srv6_locator().empty()) {
      errors_.Add(e, "srv6_locator is empty");
    } else if (absl::StatusOr<Ipv6Prefix> loc = Ipv6Prefix::Parse(p.srv6_locator()); !loc.ok()) {
      errors_.Add(e, absl::StrCat("srv6_locator ", loc.status().message()));
    } else if (loc->length() < 16 || loc->length() > 64) {
      errors_.Add(e, absl::StrFormat("srv6_locator %s has length %d; it must be 16..64",
                                     Quote(p.srv6_locator()), loc->length()));
    } else {
      r.srv6_locator = *loc;
      locator_ok = true;
      routed_ipv6_.push_back({*loc, e, "srv6_locator"});
    }

    if (p.loopback_ipv6().empty()) {
      r.loopback = r.srv6_locator.address().WithLastBitSet();
      r.loopback_defaulted = true;
    } else if (absl::StatusOr<Ipv6Address> lo = Ipv6Address::Parse(p.loopback_ipv6()); !lo.ok()) {
      errors_.Add(e, absl::StrCat("loopback_ipv6 ", lo.status().message()));
    } else {
      r.loopback = *lo;
      if (locator_ok && !r.srv6_locator.Contains(*lo)) {
        errors_.Add(e, absl::StrFormat("loopback_ipv6 %s is outside the router's srv6_locator %s",
                                       Quote(p.loopback_ipv6()), Quote(p.srv6_locator())));
      }
    }

    for (int k = 0; k < p.roles_size(); ++k) {
      const int role = p.roles(k);
      if (!tv1::RouterRole_IsValid(role)) {
        errors_.Add(e, absl::StrFormat("roles[%d] has unknown value %d", k, role));
      } else {
        r.role_bits |= 1u << role;
      }
    }
    r.up = CheckAdminState(e, p.admin_state());
  }
}

void ModelBuilder::ResolveLinkEnd(const EntityRef& e, const char* end, const tv1::LinkEndpoint& p,
                                  LinkEnd* out) {
  if (p.router_id().empty()) {
    errors_.Add(e, absl::StrFormat("%s.router_id is empty", end));
  } else if (auto it = m_->router_by_id_.find(p.router_id()); it == m_->router_by_id_.end()) {
    errors_.Add(e,
                absl::StrFormat("%s.router_id names unknown router %s", end, Quote(p.router_id())));
  } else {
    out->router = it->second;
  }
  out->interface = p.interface();
  const std::string field = absl::StrCat(end, ".interface");
  CheckInterfaceName(e, field, p.interface());
  if (out->router.valid() && !p.interface().empty()) {
    ClaimInterface(out->router, p.interface(), e, field);
  }
  if (!p.ipv6_address().empty()) {
    absl::StatusOr<Ipv6InterfaceAddress> a = Ipv6InterfaceAddress::Parse(p.ipv6_address());
    if (!a.ok()) {
      errors_.Add(e, absl::StrFormat("%s.ipv6_address %s", end, a.status().message()));
    } else {
      out->ipv6_address = *a;
    }
  }
  if (!p.mac_address().empty()) {
    absl::StatusOr<MacAddress> mac = MacAddress::Parse(p.mac_address());
    if (!mac.ok()) {
      errors_.Add(e, absl::StrFormat("%s.mac_address %s", end, mac.status().message()));
    } else {
      out->mac_address = *mac;
    }
  }
}

void ModelBuilder::BuildLinks() {
  const int n = t_.links_size();
  m_->links_.resize(n);
  m_->link_by_id_.reserve(n);
  interfaces_.reserve(2 * n + t_.sites_size());
  for (int i = 0; i < n; ++i) {
    const tv1::Link& p = t_.links(i);
    const EntityRef e{"link", "links", p.id(), i};
    Link& l = m_->links_[i];
    l.id = p.id();
    RegisterId(e, m_->link_by_id_, LinkIndex(i));
    ResolveLinkEnd(e, "a", p.a(), &l.a);
    ResolveLinkEnd(e, "b", p.b(), &l.b);
    if (l.a.router.valid() && l.a.router == l.b.router) {
      errors_.Add(e, absl::StrFormat("a.router_id and b.router_id both name router %s; a link "
                                     "must join two different routers",
                                     RouterName(l.a.router)));
    }
    if (l.a.ipv6_address && l.b.ipv6_address) {
      const Ipv6Prefix subnet = l.a.ipv6_address->Subnet();
      if (subnet != l.b.ipv6_address->Subnet()) {
        errors_.Add(e, absl::StrFormat("a.ipv6_address %s and b.ipv6_address %s are not in one "
                                       "subnet",
                                       Quote(p.a().ipv6_address()), Quote(p.b().ipv6_address())));
      } else if (l.a.ipv6_address->address == l.b.ipv6_address->address) {
        errors_.Add(e, absl::StrFormat("a.ipv6_address and b.ipv6_address are both %s",
                                       Quote(p.a().ipv6_address())));
      }
    }
    // Each distinct subnet of the link is routed; two links must not share.
    for (const auto* end : {&l.a, &l.b}) {
      if (!end->ipv6_address) continue;
      const Ipv6Prefix subnet = end->ipv6_address->Subnet();
      if (end == &l.b && l.a.ipv6_address && l.a.ipv6_address->Subnet() == subnet) continue;
      routed_ipv6_.push_back({subnet, e, end == &l.a ? "a.ipv6_address" : "b.ipv6_address"});
    }

    l.delay_us = p.propagation_delay_us();
    l.capacity_bps = p.capacity_bps();
    if (p.capacity_bps() == 0) errors_.Add(e, "capacity_bps is 0; it must be > 0");
    if (p.igp_metric() == 0) {
      l.igp_metric =
          static_cast<uint32_t>(std::clamp<uint64_t>(p.propagation_delay_us(), 1, kMaxIgpMetric));
      l.igp_metric_derived = true;
    } else if (p.igp_metric() > kMaxIgpMetric) {
      errors_.Add(e, absl::StrFormat("igp_metric %u is above the maximum %u", p.igp_metric(),
                                     kMaxIgpMetric));
    } else {
      l.igp_metric = p.igp_metric();
    }
    CheckSrlgIds(e, p.srlgs());

    l.lightpaths.reserve(p.lightpath_ids_size());
    for (int k = 0; k < p.lightpath_ids_size(); ++k) {
      const std::string& id = p.lightpath_ids(k);
      auto it = m_->lightpath_by_id_.find(id);
      if (it == m_->lightpath_by_id_.end()) {
        errors_.Add(e,
                    absl::StrFormat("lightpath_ids[%d] names unknown lightpath %s", k, Quote(id)));
      } else if (std::find(l.lightpaths.begin(), l.lightpaths.end(), it->second) !=
                 l.lightpaths.end()) {
        errors_.Add(
            e, absl::StrFormat("lightpath_ids[%d] lists lightpath %s a second time", k, Quote(id)));
      } else {
        l.lightpaths.push_back(it->second);
        m_->lightpaths_[it->second.value()].links.push_back(LinkIndex(i));
      }
    }
    l.up = CheckAdminState(e, p.admin_state());
  }
}

// A link's lightpaths must end at the link's routers (where the optical
// nodes say which router they house), and the links riding a lightpath must
// fit its line rate. A link on several lightpaths puts an equal share of its
// capacity, rounded up, on each.
void ModelBuilder::CheckLinkOptics() {
  for (size_t i = 0; i < m_->links_.size(); ++i) {
    const Link& l = m_->links_[i];
    const EntityRef e{"link", "links", l.id, static_cast<int>(i)};
    if (!l.a.router.valid() || !l.b.router.valid()) continue;
    for (LightpathIndex lpi : l.lightpaths) {
      const Lightpath& lp = m_->lightpaths_[lpi.value()];
      if (!lp.a.valid() || !lp.z.valid()) continue;
      const std::optional<RouterIndex>& ra = m_->optical_nodes_[lp.a.value()].colocated_router;
      const std::optional<RouterIndex>& rz = m_->optical_nodes_[lp.z.value()].colocated_router;
      auto fits = [](const std::optional<RouterIndex>& node_router, RouterIndex link_router) {
        return !node_router || *node_router == link_router;
      };
      if ((fits(ra, l.a.router) && fits(rz, l.b.router)) ||
          (fits(ra, l.b.router) && fits(rz, l.a.router))) {
        continue;
      }
      auto describe = [&](OpticalNodeIndex n, const std::optional<RouterIndex>& r) {
        return absl::StrFormat("%s (router %s)", Quote(m_->optical_nodes_[n.value()].id),
                               r ? RouterName(*r) : std::string("none"));
      };
      errors_.Add(e, absl::StrFormat("lightpath_ids: lightpath %s ends at optical nodes %s and "
                                     "%s, which are not colocated with the link's routers %s "
                                     "and %s",
                                     Quote(lp.id), describe(lp.a, ra), describe(lp.z, rz),
                                     RouterName(l.a.router), RouterName(l.b.router)));
    }
  }
  for (size_t i = 0; i < m_->lightpaths_.size(); ++i) {
    const Lightpath& lp = m_->lightpaths_[i];
    if (lp.line_rate_bps == 0 || lp.links.empty()) continue;
    auto share_of = [&](LinkIndex li) {
      const Link& l = m_->links_[li.value()];
      const uint64_t n = l.lightpaths.size();
      return l.capacity_bps / n + (l.capacity_bps % n != 0 ? 1 : 0);
    };
    uint64_t load = 0;  // saturating
    for (LinkIndex li : lp.links) {
      const uint64_t share = share_of(li);
      load = share > std::numeric_limits<uint64_t>::max() - load
                 ? std::numeric_limits<uint64_t>::max()
                 : load + share;
    }
    if (load <= lp.line_rate_bps) continue;
    std::vector<std::string> shares;
    for (LinkIndex li : lp.links) {
      shares.push_back(
          absl::StrFormat("link %s: %u", Quote(m_->links_[li.value()].id), share_of(li)));
    }
    errors_.Add(EntityRef{"lightpath", "lightpaths", lp.id, static_cast<int>(i)},
                absl::StrFormat("the links riding it need %u bps (%s) but line_rate_bps is %u",
                                load, absl::StrJoin(shares, ", "), lp.line_rate_bps));
  }
}

// SRLGs of a link: its own, its fibres' own, and one derived per fibre.
void ModelBuilder::DeriveSrlgs() {
  std::vector<std::pair<uint32_t, LinkIndex>> memberships;
  for (size_t i = 0; i < m_->links_.size(); ++i) {
    Link& l = m_->links_[i];
    const tv1::Link& p = t_.links(static_cast<int>(i));
    l.srlg_ids.assign(p.srlgs().begin(), p.srlgs().end());
    for (LightpathIndex lpi : l.lightpaths) {
      for (FiberIndex fi : m_->lightpaths_[lpi.value()].fibers) {
        const Fiber& f = m_->fibers_[fi.value()];
        l.srlg_ids.insert(l.srlg_ids.end(), f.configured_srlg_ids.begin(),
                          f.configured_srlg_ids.end());
        l.srlg_ids.push_back(f.derived_srlg_id);
      }
    }
    std::sort(l.srlg_ids.begin(), l.srlg_ids.end());
    l.srlg_ids.erase(std::unique(l.srlg_ids.begin(), l.srlg_ids.end()), l.srlg_ids.end());
    for (uint32_t id : l.srlg_ids) memberships.emplace_back(id, LinkIndex(i));
  }
  std::sort(memberships.begin(), memberships.end());
  for (const auto& [id, link] : memberships) {
    if (m_->srlgs_.empty() || m_->srlgs_.back().id != id) {
      Srlg s;
      s.id = id;
      s.derived_from = m_->FiberOfSrlg(id);
      m_->srlg_by_id_.emplace(id, SrlgIndex(static_cast<uint32_t>(m_->srlgs_.size())));
      m_->srlgs_.push_back(std::move(s));
    }
    m_->srlgs_.back().links.push_back(link);
  }
  for (Link& l : m_->links_) {
    l.srlgs.reserve(l.srlg_ids.size());
    for (uint32_t id : l.srlg_ids) l.srlgs.push_back(m_->srlg_by_id_.at(id));
  }
}

void ModelBuilder::BuildArcs() {
  const size_t num_routers = m_->routers_.size();
  const size_t num_arcs = 2 * m_->links_.size();
  m_->arc_head_.resize(num_arcs);
  m_->arc_delay_us_.resize(num_arcs);
  m_->arc_igp_metric_.resize(num_arcs);
  m_->arc_capacity_bps_.resize(num_arcs);
  m_->arc_in_service_.resize(num_arcs);
  m_->out_arc_begin_.assign(num_routers + 1, 0);
  for (size_t li = 0; li < m_->links_.size(); ++li) {
    const Link& l = m_->links_[li];
    const bool in_service =
        l.up && m_->routers_[l.a.router.value()].up && m_->routers_[l.b.router.value()].up;
    for (ArcDirection dir : {ArcDirection::kAToB, ArcDirection::kBToA}) {
      const uint32_t a = ArcOf(LinkIndex(static_cast<uint32_t>(li)), dir).value();
      const RouterIndex tail = l.router(dir);
      m_->arc_head_[a] = dir == ArcDirection::kAToB ? l.b.router : l.a.router;
      m_->arc_delay_us_[a] = l.delay_us;
      m_->arc_igp_metric_[a] = l.igp_metric;
      m_->arc_capacity_bps_[a] = l.capacity_bps;
      m_->arc_in_service_[a] = in_service ? 1 : 0;
      ++m_->out_arc_begin_[tail.value() + 1];
    }
  }
  for (size_t r = 0; r < num_routers; ++r) m_->out_arc_begin_[r + 1] += m_->out_arc_begin_[r];
  m_->out_arcs_.resize(num_arcs);
  std::vector<uint32_t> next(m_->out_arc_begin_.begin(), m_->out_arc_begin_.end() - 1);
  for (uint32_t a = 0; a < num_arcs; ++a) {
    const RouterIndex tail = m_->arc_head_[a ^ 1u];
    m_->out_arcs_[next[tail.value()]++] = ArcIndex(a);
  }
}

}  // namespace cpn::model
