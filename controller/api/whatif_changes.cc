#include "controller/api/whatif_changes.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "controller/api/metrics_ingest.h"
#include "controller/api/proto_time.h"

namespace cpn::api {

namespace cv1 = cpn::controller::v1;
namespace tv1 = cpn::topology::v1;
namespace compute = cpn::compute::v1;
namespace cmn = cpn::common::v1;

namespace {

std::string Quote(const std::string& s) { return absl::StrCat("\"", s, "\""); }

absl::Status Bad(int i, const std::string& field, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrFormat("changes[%d].%s: %s", i, field, what));
}

template <typename T>
T* FindById(google::protobuf::RepeatedPtrField<T>* list, const std::string& id) {
  for (T& e : *list) {
    if (e.id() == id) return &e;
  }
  return nullptr;
}

// The site and (optional) service of an override or surge, checked.
absl::Status CheckSiteService(const model::NetworkModel& m, int i, const std::string& field,
                              const std::string& site_id, const std::string& service_id) {
  std::optional<model::SiteIndex> site = m.FindSite(site_id);
  if (!site) return Bad(i, field + ".site_id", absl::StrCat("no site ", Quote(site_id)));
  if (service_id.empty()) return absl::OkStatus();
  std::optional<model::ServiceIndex> service = m.FindService(service_id);
  if (!service) {
    return Bad(i, field + ".service_id", absl::StrCat("no service ", Quote(service_id)));
  }
  if (!m.FindPlacement(*site, *service)) {
    return Bad(i, field + ".service_id",
               absl::StrCat("site ", Quote(site_id), " does not host ", Quote(service_id)));
  }
  return absl::OkStatus();
}

absl::Status ApplyDemand(const model::NetworkModel& m, int i, const cv1::Demand& d,
                         DecisionInputs& in) {
  std::optional<model::RouterIndex> r = m.FindRouter(d.ingress_router_id());
  if (!r) {
    return Bad(i, "demand.ingress_router_id",
               absl::StrCat("no router ", Quote(d.ingress_router_id())));
  }
  if (!m.router(*r).HasRole(tv1::ROUTER_ROLE_INGRESS)) {
    return Bad(i, "demand.ingress_router_id",
               absl::StrCat("router ", Quote(d.ingress_router_id()),
                            " does not have ROUTER_ROLE_INGRESS"));
  }
  if (!m.FindService(d.service_id())) {
    return Bad(i, "demand.service_id", absl::StrCat("no service ", Quote(d.service_id())));
  }
  if (!std::isfinite(d.requests_per_second()) || d.requests_per_second() < 0) {
    return Bad(i, "demand.requests_per_second",
               absl::StrFormat("%g must be a finite number >= 0", d.requests_per_second()));
  }
  if (!std::isfinite(d.bytes_per_request()) || d.bytes_per_request() < 0) {
    return Bad(i, "demand.bytes_per_request",
               absl::StrFormat("%g must be a finite number >= 0", d.bytes_per_request()));
  }
  auto key_less = [](const cv1::Demand& a, const cv1::Demand& b) {
    return std::tie(a.ingress_router_id(), a.service_id()) <
           std::tie(b.ingress_router_id(), b.service_id());
  };
  auto it = std::lower_bound(in.demands.begin(), in.demands.end(), d, key_less);
  const bool exists = it != in.demands.end() && !key_less(d, *it);
  if (d.requests_per_second() == 0) {
    if (exists) in.demands.erase(it);
    return absl::OkStatus();
  }
  cv1::Demand next = d;
  next.set_source(cv1::DEMAND_SOURCE_CONFIGURED);
  if (exists) {
    next.set_measured_requests_per_second(it->measured_requests_per_second());
    *it = std::move(next);
  } else {
    in.demands.insert(it, std::move(next));
  }
  return absl::OkStatus();
}

absl::Status ApplySiteOverride(const model::NetworkModel& m, int i,
                               const cv1::SiteMetricOverride& o, DecisionInputs& in) {
  RETURN_IF_ERROR(CheckSiteService(m, i, "metric_override.site", o.site_id(), o.service_id()));
  compute::ComputeMetrics values;
  *values.mutable_l0() = o.metrics();
  if (absl::Status s = ValidateMetricValues(values); !s.ok()) {
    return Bad(i, "metric_override.site.metrics", std::string(s.message()));
  }
  auto it = std::find_if(in.metrics.begin(), in.metrics.end(), [&](const SiteReport& r) {
    return r.report.site_id() == o.site_id() && r.report.service_id() == o.service_id();
  });
  if (it == in.metrics.end()) {
    SiteReport r;
    r.report.set_site_id(o.site_id());
    r.report.set_service_id(o.service_id());
    r.report.set_reporter_id("what-if");
    in.metrics.push_back(std::move(r));
    it = std::prev(in.metrics.end());
  }
  for (const compute::L0Metric& v : o.metrics()) {
    auto* l0 = it->report.mutable_l0();
    auto same = std::find_if(l0->begin(), l0->end(),
                             [&](const compute::L0Metric& x) { return x.type() == v.type(); });
    if (same != l0->end()) {
      *same = v;
    } else {
      *l0->Add() = v;
    }
  }
  it->measured_at = in.now;
  it->received_at = in.now;
  *it->report.mutable_measured_at() = ToProtoTime(in.now);
  std::sort(in.metrics.begin(), in.metrics.end(), [](const SiteReport& a, const SiteReport& b) {
    return std::tie(a.report.site_id(), a.report.service_id()) <
           std::tie(b.report.site_id(), b.report.service_id());
  });
  return absl::OkStatus();
}

}  // namespace

absl::Status ApplyWhatIfChanges(
    const google::protobuf::RepeatedPtrField<cv1::WhatIfChange>& changes, DecisionInputs& in) {
  const model::NetworkModel& m = *in.model;
  tv1::Topology topology = m.proto();
  bool topology_changed = false;
  for (int i = 0; i < changes.size(); ++i) {
    const cv1::WhatIfChange& c = changes[i];
    switch (c.change_case()) {
      case cv1::WhatIfChange::kLinkDown: {
        tv1::Link* l = FindById(topology.mutable_links(), c.link_down().link_id());
        if (l == nullptr) {
          return Bad(i, "link_down.link_id",
                     absl::StrCat("no link ", Quote(c.link_down().link_id())));
        }
        l->set_admin_state(cmn::ADMIN_STATE_DOWN);
        topology_changed = true;
        break;
      }
      case cv1::WhatIfChange::kRouterDown: {
        tv1::Router* r = FindById(topology.mutable_routers(), c.router_down().router_id());
        if (r == nullptr) {
          return Bad(i, "router_down.router_id",
                     absl::StrCat("no router ", Quote(c.router_down().router_id())));
        }
        r->set_admin_state(cmn::ADMIN_STATE_DOWN);
        topology_changed = true;
        break;
      }
      case cv1::WhatIfChange::kSiteDown: {
        compute::Site* s = FindById(topology.mutable_sites(), c.site_down().site_id());
        if (s == nullptr) {
          return Bad(i, "site_down.site_id",
                     absl::StrCat("no site ", Quote(c.site_down().site_id())));
        }
        s->set_admin_state(cmn::ADMIN_STATE_DOWN);
        topology_changed = true;
        break;
      }
      case cv1::WhatIfChange::kFiberCut: {
        std::optional<model::FiberIndex> f = m.FindFiber(c.fiber_cut().fiber_id());
        if (!f) {
          return Bad(i, "fiber_cut.fiber_id",
                     absl::StrCat("no fibre ", Quote(c.fiber_cut().fiber_id())));
        }
        for (model::LightpathIndex lp : m.fiber(*f).lightpaths) {
          for (model::LinkIndex l : m.lightpath(lp).links) {
            FindById(topology.mutable_links(), m.link(l).id)
                ->set_admin_state(cmn::ADMIN_STATE_DOWN);
            topology_changed = true;
          }
        }
        break;
      }
      case cv1::WhatIfChange::kSiteLoadSurge: {
        const cv1::SiteLoadSurge& s = c.site_load_surge();
        RETURN_IF_ERROR(CheckSiteService(m, i, "site_load_surge", s.site_id(), s.service_id()));
        LoadAdjustment a;
        a.site_id = s.site_id();
        a.service_id = s.service_id();
        if (s.load_case() == cv1::SiteLoadSurge::kLoadFactor) {
          if (!std::isfinite(s.load_factor()) || s.load_factor() <= 0) {
            return Bad(i, "site_load_surge.load_factor",
                       absl::StrFormat("%g must be > 0", s.load_factor()));
          }
          a.load_factor = s.load_factor();
        } else if (s.load_case() == cv1::SiteLoadSurge::kUtilization) {
          if (!std::isfinite(s.utilization()) || s.utilization() < 0 || s.utilization() > 1) {
            return Bad(i, "site_load_surge.utilization",
                       absl::StrFormat("%g is outside 0..1", s.utilization()));
          }
          a.utilization = s.utilization();
        } else {
          return Bad(i, "site_load_surge", "set load_factor or utilization");
        }
        in.load_adjustments.push_back(std::move(a));
        break;
      }
      case cv1::WhatIfChange::kDemand:
        RETURN_IF_ERROR(ApplyDemand(m, i, c.demand(), in));
        break;
      case cv1::WhatIfChange::kMetricOverride: {
        const cv1::MetricOverride& o = c.metric_override();
        if (o.target_case() == cv1::MetricOverride::kSite) {
          RETURN_IF_ERROR(ApplySiteOverride(m, i, o.site(), in));
        } else if (o.target_case() == cv1::MetricOverride::kLink) {
          const cv1::LinkMetricOverride& lo = o.link();
          tv1::Link* l = FindById(topology.mutable_links(), lo.link_id());
          if (l == nullptr) {
            return Bad(i, "metric_override.link.link_id",
                       absl::StrCat("no link ", Quote(lo.link_id())));
          }
          if (lo.has_utilization()) {
            if (!std::isfinite(lo.utilization()) || lo.utilization() < 0) {
              return Bad(i, "metric_override.link.utilization",
                         absl::StrFormat("%g must be >= 0", lo.utilization()));
            }
            in.link_adjustments.push_back(LinkLoadAdjustment{lo.link_id(), lo.utilization()});
          }
          if (lo.has_propagation_delay_us()) {
            l->set_propagation_delay_us(lo.propagation_delay_us());
            topology_changed = true;
          }
          if (lo.has_capacity_bps()) {
            if (lo.capacity_bps() == 0) {
              return Bad(i, "metric_override.link.capacity_bps", "must be > 0");
            }
            l->set_capacity_bps(lo.capacity_bps());
            topology_changed = true;
          }
        } else {
          return Bad(i, "metric_override", "set site or link");
        }
        break;
      }
      case cv1::WhatIfChange::CHANGE_NOT_SET:
        return absl::InvalidArgumentError(absl::StrFormat("changes[%d]: no change is set", i));
    }
  }
  if (topology_changed) {
    absl::StatusOr<std::shared_ptr<const model::NetworkModel>> rebuilt =
        model::NetworkModel::Build(std::move(topology));
    if (!rebuilt.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("the changed model does not validate: ", rebuilt.status().message()));
    }
    in.model = *std::move(rebuilt);
  }
  return absl::OkStatus();
}

}  // namespace cpn::api
