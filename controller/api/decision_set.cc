#include <algorithm>
#include <tuple>

#include "controller/api/decision_engine.h"

namespace cpn::api {

namespace cv1 = cpn::controller::v1;

const DecisionRecord* DecisionSet::Find(std::string_view ingress_router_id,
                                        std::string_view service_id) const {
  auto key = std::make_tuple(ingress_router_id, service_id);
  auto it = std::lower_bound(
      records.begin(), records.end(), key, [](const DecisionRecord& r, const auto& k) {
        return std::make_tuple(std::string_view(r.decision.ingress_router_id()),
                               std::string_view(r.decision.service_id())) < k;
      });
  if (it == records.end() || it->decision.ingress_router_id() != ingress_router_id ||
      it->decision.service_id() != service_id) {
    return nullptr;
  }
  return &*it;
}

const cv1::SiteState* DecisionSet::FindSiteState(std::string_view site_id,
                                                 std::string_view service_id) const {
  for (const cv1::SiteState& s : site_states) {
    if (s.site_id() == site_id && s.service_id() == service_id) return &s;
  }
  return nullptr;
}

}  // namespace cpn::api
