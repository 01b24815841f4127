#include "controller/api/state_service.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "controller/api/proto_time.h"

namespace cpn::api {

namespace cv1 = cpn::controller::v1;
namespace tv1 = cpn::topology::v1;

namespace {

bool Matches(const google::protobuf::RepeatedPtrField<std::string>& filter,
             const std::string& value) {
  return filter.empty() || std::find(filter.begin(), filter.end(), value) != filter.end();
}

cv1::LinkLoad Load(uint64_t capacity_bps, const cv1::LinkLoad* planned,
                   const LinkLoad* measured) {
  cv1::LinkLoad load;
  if (planned != nullptr) load = *planned;
  load.set_capacity_bps(capacity_bps);
  if (measured != nullptr) {
    load.set_utilization(measured->utilization);
    load.set_rate_bps(measured->utilization * static_cast<double>(capacity_bps));
    *load.mutable_measured_at() = ToProtoTime(measured->measured_at);
  }
  return load;
}

}  // namespace

absl::Status StateService::ListSiteStates(const cv1::ListSiteStatesRequest& request,
                                          cv1::ListSiteStatesResponse* response) {
  std::shared_ptr<const ModelSnapshot> snap = model_->Current();
  const model::NetworkModel& m = *snap->model;
  std::shared_ptr<const DecisionSet> decisions = loop_->Current();
  const absl::Time now = clock_->Now();
  std::map<std::pair<std::string, std::string>, SiteReport> reports;
  for (SiteReport& r : metrics_->Latest(m)) {
    auto key = std::make_pair(r.report.site_id(), r.report.service_id());
    reports.emplace(std::move(key), std::move(r));
  }
  std::vector<cv1::SiteState> out;
  for (const model::Placement& p : m.placements()) {
    const model::Site& site = m.site(p.site);
    const model::Service& service = m.service(p.service);
    if (!Matches(request.site_ids(), site.id) || !Matches(request.service_ids(), service.id)) {
      continue;
    }
    cv1::SiteState s;
    if (const cv1::SiteState* e = decisions->FindSiteState(site.id, service.id)) s = *e;
    s.set_site_id(site.id);
    s.set_service_id(service.id);
    s.set_admin_state(m.proto().sites(static_cast<int>(p.site.value())).admin_state());
    if (s.servers() == 0 && s.service_rate_per_server() == 0) {
      s.set_servers(p.servers);
      s.set_service_rate_per_server(1000.0 / p.mean_service_time_ms);
    }
    auto it = reports.find({site.id, service.id});
    if (it == reports.end()) it = reports.find({site.id, ""});
    if (it == reports.end()) {
      s.set_freshness(cv1::METRICS_FRESHNESS_MISSING);
      s.clear_last_report();
      s.clear_received_at();
      s.clear_age();
      s.set_confidence(0);
    } else {
      const SiteReport& r = it->second;
      s.set_freshness(metrics_->FreshnessAt(r.measured_at, now));
      *s.mutable_last_report() = r.report;
      *s.mutable_received_at() = ToProtoTime(r.received_at);
      *s.mutable_age() = ToProtoDuration(now - r.measured_at);
      if (s.freshness() == cv1::METRICS_FRESHNESS_MISSING) s.set_confidence(0);
    }
    out.push_back(std::move(s));
  }
  std::stable_sort(out.begin(), out.end(), [](const cv1::SiteState& a, const cv1::SiteState& b) {
    return std::tie(a.site_id(), a.service_id()) < std::tie(b.site_id(), b.service_id());
  });
  for (cv1::SiteState& s : out) *response->add_sites() = std::move(s);
  return absl::OkStatus();
}

absl::Status StateService::ListLinkStates(const cv1::ListLinkStatesRequest& request,
                                          cv1::ListLinkStatesResponse* response) {
  std::shared_ptr<const ModelSnapshot> snap = model_->Current();
  const model::NetworkModel& m = *snap->model;
  std::shared_ptr<const DecisionSet> decisions = loop_->Current();
  std::map<std::string, const cv1::LinkState*> planned;
  for (const cv1::LinkState& l : decisions->link_states) planned[l.link_id()] = &l;
  const std::vector<LinkLoad> loads = link_loads_->Latest();
  std::map<std::pair<std::string, std::string>, const LinkLoad*> measured;  // (link, from)
  for (const LinkLoad& l : loads) measured[{l.link_id, l.from_router_id}] = &l;
  auto measured_from = [&](const std::string& link, model::RouterIndex from) -> const LinkLoad* {
    auto it = measured.find({link, m.router(from).id});
    return it == measured.end() ? nullptr : it->second;
  };
  for (size_t i = 0; i < m.num_links(); ++i) {
    const model::LinkIndex li(static_cast<uint32_t>(i));
    const model::Link& link = m.link(li);
    if (!Matches(request.link_ids(), link.id)) continue;
    cv1::LinkState* s = response->add_links();
    s->set_link_id(link.id);
    s->set_admin_state(m.proto().links(static_cast<int>(i)).admin_state());
    const bool up = m.arc_in_service()[model::ArcOf(li, model::ArcDirection::kAToB).value()] != 0;
    s->set_status(up ? cv1::LINK_STATUS_UP : cv1::LINK_STATUS_DOWN);
    auto p = planned.find(link.id);
    const cv1::LinkState* plan = p == planned.end() ? nullptr : p->second;
    *s->mutable_a_to_b() = Load(link.capacity_bps, plan ? &plan->a_to_b() : nullptr,
                                measured_from(link.id, link.a.router));
    *s->mutable_b_to_a() = Load(link.capacity_bps, plan ? &plan->b_to_a() : nullptr,
                                measured_from(link.id, link.b.router));
    for (uint32_t srlg : link.srlg_ids) s->add_srlgs(srlg);
  }
  return absl::OkStatus();
}

}  // namespace cpn::api
