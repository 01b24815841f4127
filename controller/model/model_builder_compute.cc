// Compute: services and sites (placements), and the check that no two routed
// prefixes (locators, link subnets, service anycast prefixes, site prefixes)
// overlap.
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "controller/model/model_builder.h"

namespace cpn::model {

namespace cv1 = cpn::compute::v1;

namespace {

bool IsNonNegative(double v) { return v >= 0 && std::isfinite(v); }

}  // namespace

void ModelBuilder::BuildServices() {
  const int n = t_.services_size();
  m_->services_.resize(n);
  m_->service_by_id_.reserve(n);
  for (int i = 0; i < n; ++i) {
    const cv1::Service& p = t_.services(i);
    const EntityRef e{"service", "services", p.id(), i};
    Service& s = m_->services_[i];
    s.id = p.id();
    s.name = p.name();
    RegisterId(e, m_->service_by_id_, ServiceIndex(i));

    if (p.anycast_prefix().empty()) {
      errors_.Add(e, "anycast_prefix is empty; a service needs its CS-ID prefix");
    } else if (absl::StatusOr<Ipv6Prefix> pre = Ipv6Prefix::Parse(p.anycast_prefix()); !pre.ok()) {
      errors_.Add(e, absl::StrCat("anycast_prefix ", pre.status().message()));
    } else {
      s.anycast_prefix = *pre;
      routed_ipv6_.push_back({*pre, e, "anycast_prefix"});
    }
    if (!p.anycast_prefix_ipv4().empty()) {
      absl::StatusOr<Ipv4Prefix> pre = Ipv4Prefix::Parse(p.anycast_prefix_ipv4());
      if (!pre.ok()) {
        errors_.Add(e, absl::StrCat("anycast_prefix_ipv4 ", pre.status().message()));
      } else {
        s.anycast_prefix_ipv4 = *pre;
        routed_ipv4_.push_back({*pre, e, "anycast_prefix_ipv4"});
      }
    }

    if (!cv1::Protocol_IsValid(p.protocol())) {
      errors_.Add(e, absl::StrFormat("protocol has unknown value %d", p.protocol()));
    }
    s.protocol = p.protocol();
    s.ports.reserve(p.ports_size());
    for (int k = 0; k < p.ports_size(); ++k) {
      const cv1::PortRange& r = p.ports(k);
      const uint32_t last = r.last() == 0 ? r.first() : r.last();
      if (r.first() == 0 || r.first() > 65535) {
        errors_.Add(e, absl::StrFormat("ports[%d].first is %u; it must be 1..65535", k, r.first()));
      } else if (last < r.first() || last > 65535) {
        errors_.Add(e, absl::StrFormat("ports[%d].last is %u; it must be 0 or %u..65535", k,
                                       r.last(), r.first()));
      } else {
        s.ports.push_back(PortRange{static_cast<uint16_t>(r.first()), static_cast<uint16_t>(last)});
      }
    }

    s.latency_bound_ms = p.latency_bound_ms();
    if (!IsNonNegative(p.latency_bound_ms())) {
      errors_.Add(e, absl::StrFormat("latency_bound_ms is %g; it must be >= 0 (0: no bound)",
                                     p.latency_bound_ms()));
    }
    s.mean_request_bytes = p.mean_request_bytes();
    s.mean_response_bytes = p.mean_response_bytes();
    s.mean_service_time_ms = p.mean_service_time_ms();
    if (!IsNonNegative(p.mean_service_time_ms())) {
      errors_.Add(e, absl::StrFormat("mean_service_time_ms is %g; it must be >= 0",
                                     p.mean_service_time_ms()));
    }
  }
}

void ModelBuilder::BuildSites() {
  const int n = t_.sites_size();
  m_->sites_.resize(n);
  m_->site_by_id_.reserve(n);
  for (int i = 0; i < n; ++i) {
    const cv1::Site& p = t_.sites(i);
    const EntityRef e{"site", "sites", p.id(), i};
    Site& site = m_->sites_[i];
    site.id = p.id();
    site.name = p.name();
    RegisterId(e, m_->site_by_id_, SiteIndex(i));
    if (p.has_location()) site.location = CheckLocation(e, p.location());
    site.up = CheckAdminState(e, p.admin_state());

    // Attachment.
    const cv1::SiteAttachment& att = p.attachment();
    SiteAttachment& out = site.attachment;
    if (att.router_id().empty()) {
      errors_.Add(e, "attachment.router_id is empty; a site must attach to a router");
    } else if (auto it = m_->router_by_id_.find(att.router_id()); it == m_->router_by_id_.end()) {
      errors_.Add(e, absl::StrFormat("attachment.router_id names unknown router %s",
                                     Quote(att.router_id())));
    } else {
      out.router = it->second;
      m_->routers_[it->second.value()].sites.push_back(SiteIndex(i));
    }
    out.interface = att.interface();
    CheckInterfaceName(e, "attachment.interface", att.interface());
    if (out.router.valid() && !att.interface().empty()) {
      ClaimInterface(out.router, att.interface(), e, "attachment.interface");
    }
    if (!att.next_hop_ipv6().empty()) {
      absl::StatusOr<Ipv6Address> a = Ipv6Address::Parse(att.next_hop_ipv6());
      if (!a.ok()) {
        errors_.Add(e, absl::StrCat("attachment.next_hop_ipv6 ", a.status().message()));
      } else {
        out.next_hop_ipv6 = *a;
      }
    }
    if (!att.next_hop_ipv4().empty()) {
      absl::StatusOr<Ipv4Address> a = Ipv4Address::Parse(att.next_hop_ipv4());
      if (!a.ok()) {
        errors_.Add(e, absl::StrCat("attachment.next_hop_ipv4 ", a.status().message()));
      } else {
        out.next_hop_ipv4 = *a;
      }
    }
    for (int k = 0; k < att.site_prefixes_size(); ++k) {
      const std::string& text = att.site_prefixes(k);
      const std::string field = absl::StrFormat("attachment.site_prefixes[%d]", k);
      if (text.find(':') != std::string::npos) {
        absl::StatusOr<Ipv6Prefix> pre = Ipv6Prefix::Parse(text);
        if (!pre.ok()) {
          errors_.Add(e, absl::StrCat(field, " ", pre.status().message()));
        } else {
          out.site_prefixes_ipv6.push_back(*pre);
          routed_ipv6_.push_back({*pre, e, field});
        }
      } else {
        absl::StatusOr<Ipv4Prefix> pre = Ipv4Prefix::Parse(text);
        if (!pre.ok()) {
          errors_.Add(e, absl::StrCat(field, " ", pre.status().message()));
        } else {
          out.site_prefixes_ipv4.push_back(*pre);
          routed_ipv4_.push_back({*pre, e, field});
        }
      }
    }

    // Power profile: passed through, but must make physical sense.
    const cv1::PowerProfile& pw = p.power();
    for (auto [field, v] : {std::pair<const char*, double>{"idle_power_w", pw.idle_power_w()},
                            {"max_power_w", pw.max_power_w()},
                            {"carbon_intensity_g_per_kwh", pw.carbon_intensity_g_per_kwh()},
                            {"electricity_price_per_mwh", pw.electricity_price_per_mwh()}}) {
      if (!IsNonNegative(v)) {
        errors_.Add(e, absl::StrFormat("power.%s is %g; it must be >= 0", field, v));
      }
    }
    if (pw.pue() != 0 && !(pw.pue() >= 1 && std::isfinite(pw.pue()))) {
      errors_.Add(e, absl::StrFormat("power.pue is %g; it must be >= 1 (or 0: unknown)", pw.pue()));
    }

    // Placements: one per capacity entry.
    site.first_placement = static_cast<uint32_t>(m_->placements_.size());
    std::vector<ServiceIndex> listed;  // services of this site so far
    for (int k = 0; k < p.capacities_size(); ++k) {
      const cv1::SiteServiceCapacity& c = p.capacities(k);
      if (c.service_id().empty()) {
        errors_.Add(e, absl::StrFormat("capacities[%d].service_id is empty", k));
        continue;
      }
      const auto it = m_->service_by_id_.find(c.service_id());
      if (it == m_->service_by_id_.end()) {
        errors_.Add(e, absl::StrFormat("capacities[%d].service_id names unknown service %s", k,
                                       Quote(c.service_id())));
        continue;
      }
      const ServiceIndex svc = it->second;
      Service& service = m_->services_[svc.value()];
      bool ok = true;
      if (std::find(listed.begin(), listed.end(), svc) != listed.end()) {
        errors_.Add(e, absl::StrFormat("capacities[%d] lists service %s a second time", k,
                                       Quote(c.service_id())));
        continue;
      }
      listed.push_back(svc);
      if (c.servers() == 0) {
        errors_.Add(e, absl::StrFormat("capacities[%d].servers is 0 for service %s; it must be "
                                       "> 0",
                                       k, Quote(c.service_id())));
        ok = false;
      }
      Placement pl;
      pl.site = SiteIndex(i);
      pl.service = svc;
      pl.servers = c.servers();
      if (!IsNonNegative(c.mean_service_time_ms())) {
        errors_.Add(e, absl::StrFormat("capacities[%d].mean_service_time_ms is %g; it must be "
                                       ">= 0 (0: the service's default)",
                                       k, c.mean_service_time_ms()));
        ok = false;
      } else if (c.mean_service_time_ms() > 0) {
        pl.mean_service_time_ms = c.mean_service_time_ms();
        pl.service_time_from_site = true;
      } else if (service.mean_service_time_ms > 0) {
        pl.mean_service_time_ms = service.mean_service_time_ms;
      } else if (!IsNonNegative(service.mean_service_time_ms)) {
        ok = false;  // the service's bad default is reported on the service
      } else {
        errors_.Add(e, absl::StrFormat("capacities[%d].mean_service_time_ms is 0 and service %s "
                                       "has no default mean_service_time_ms",
                                       k, Quote(c.service_id())));
        ok = false;
      }
      if (!IsNonNegative(c.static_weight())) {
        errors_.Add(e, absl::StrFormat("capacities[%d].static_weight is %g; it must be >= 0 "
                                       "(0: derived)",
                                       k, c.static_weight()));
        ok = false;
      }
      if (!ok) continue;
      if (c.static_weight() > 0) {
        pl.static_weight = c.static_weight();
      } else {
        pl.static_weight = pl.servers * 1000.0 / pl.mean_service_time_ms;
        pl.static_weight_derived = true;
      }
      service.placements.push_back(PlacementIndex(static_cast<uint32_t>(m_->placements_.size())));
      m_->placements_.push_back(pl);
    }
    site.num_placements = static_cast<uint32_t>(m_->placements_.size()) - site.first_placement;
  }
}

// Prefixes nest or are disjoint. Sorted by (address, length), a prefix
// overlaps an earlier one exactly when the earlier prefix reaching furthest
// contains its first address.
template <typename Prefix>
void ModelBuilder::CheckOverlaps(std::vector<RoutedPrefix<Prefix>>& prefixes) {
  std::stable_sort(prefixes.begin(), prefixes.end(),
                   [](const auto& x, const auto& y) { return x.prefix < y.prefix; });
  const RoutedPrefix<Prefix>* widest = nullptr;
  for (const RoutedPrefix<Prefix>& p : prefixes) {
    if (widest != nullptr && widest->prefix.Contains(p.prefix.address())) {
      errors_.Add(p.owner,
                  absl::StrFormat("%s %s overlaps %s %s of %s", p.field, Quote(p.prefix.ToString()),
                                  widest->field, Quote(widest->prefix.ToString()),
                                  widest->owner.ToString()));
    }
    if (widest == nullptr || widest->prefix.LastAddress() < p.prefix.LastAddress()) widest = &p;
  }
}

void ModelBuilder::CheckAddressSpace() {
  CheckOverlaps(routed_ipv6_);
  CheckOverlaps(routed_ipv4_);
}

}  // namespace cpn::model
