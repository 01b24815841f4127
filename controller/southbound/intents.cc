#include "controller/southbound/intents.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "controller/te/path.h"

namespace cpn::southbound {

std::optional<std::vector<model::ArcIndex>> ArcsOfLinks(const model::NetworkModel& model,
                                                       model::RouterIndex from,
                                                       const std::vector<std::string>& link_ids,
                                                       std::string* error) {
  std::vector<model::ArcIndex> arcs;
  model::RouterIndex at = from;
  for (const std::string& id : link_ids) {
    std::optional<model::LinkIndex> l = model.FindLink(id);
    if (!l.has_value()) {
      *error = absl::StrCat("unknown link \"", id, "\"");
      return std::nullopt;
    }
    const model::ArcIndex ab = model::ArcOf(*l, model::ArcDirection::kAToB);
    const model::ArcIndex ba = model::ArcOf(*l, model::ArcDirection::kBToA);
    if (model.arc_tail(ab) == at) {
      arcs.push_back(ab);
    } else if (model.arc_tail(ba) == at) {
      arcs.push_back(ba);
    } else {
      *error =
          absl::StrCat("link \"", id, "\" does not leave router \"", model.router(at).id, "\"");
      return std::nullopt;
    }
    at = model.arc_head(arcs.back());
  }
  return arcs;
}

IntentsResult IntentsFromDecisions(const model::NetworkModel& model,
                                   const api::DecisionSet& decisions) {
  IntentsResult out;
  for (const api::DecisionRecord& rec : decisions.records) {
    const cpn::controller::v1::Decision& d = rec.decision;
    const std::string where =
        absl::StrCat("decision (", d.ingress_router_id(), ", ", d.service_id(), ")");
    std::optional<model::RouterIndex> ingress = model.FindRouter(d.ingress_router_id());
    std::optional<model::ServiceIndex> service = model.FindService(d.service_id());
    if (!ingress.has_value() || !service.has_value()) {
      out.skipped.push_back(absl::StrCat(where, ": unknown ingress router or service"));
      continue;
    }
    srv6::SteeringIntent intent{*ingress, *service, {}};
    bool ok = true;
    for (int i = 0; i < d.candidates_size() && ok; ++i) {
      const cpn::controller::v1::WeightedCandidate& c = d.candidates(i);
      std::optional<model::SiteIndex> site = model.FindSite(c.site_id());
      std::string error;
      std::optional<std::vector<model::ArcIndex>> arcs;
      if (!site.has_value()) {
        error = absl::StrCat("unknown site \"", c.site_id(), "\"");
      } else {
        arcs = ArcsOfLinks(model, *ingress, {c.path().link_ids().begin(), c.path().link_ids().end()},
                           &error);
      }
      if (!arcs.has_value()) {
        out.skipped.push_back(absl::StrCat(where, ": candidates[", i, "]: ", error));
        ok = false;
        break;
      }
      intent.entries.push_back(
          srv6::SteeringEntry{*site, te::MakePath(model, *ingress, *std::move(arcs)), c.weight()});
    }
    if (ok) out.intents.push_back(std::move(intent));
  }
  return out;
}

}  // namespace cpn::southbound
