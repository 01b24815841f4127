#include "controller/southbound/draining_entries.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "controller/southbound/intents.h"
#include "controller/te/path.h"

namespace cpn::southbound {
namespace {

std::vector<std::string> LinkIds(const model::NetworkModel& model, const te::Path& path) {
  std::vector<std::string> ids;
  for (model::ArcIndex a : path.arcs) ids.push_back(model.link(model::LinkOf(a)).id);
  return ids;
}

// The arcs of `link_ids` walked from `from`, or nullopt when a link is gone,
// out of service or no longer chains (its flows are lost then anyway, and
// the compiler could not reproduce the path).
std::optional<std::vector<model::ArcIndex>> Walk(const model::NetworkModel& model,
                                                 model::RouterIndex from,
                                                 const std::vector<std::string>& link_ids) {
  std::string ignored;
  std::optional<std::vector<model::ArcIndex>> arcs = ArcsOfLinks(model, from, link_ids, &ignored);
  if (!arcs.has_value()) return std::nullopt;
  for (model::ArcIndex a : *arcs) {
    if (!model.arc_in_service()[a.value()]) return std::nullopt;
  }
  return arcs;
}

}  // namespace

void DrainingEntries::Apply(const model::NetworkModel& model, absl::Time now,
                            std::vector<srv6::SteeringIntent>* intents) {
  for (srv6::SteeringIntent& intent : *intents) {
    const model::Router& ingress = model.router(intent.ingress);
    Entries& remembered =
        entries_[{ingress.id, model.service(intent.service).id}];
    std::map<std::string, bool> present;
    for (const srv6::SteeringEntry& e : intent.entries) {
      Remembered r{model.site(e.site).id, LinkIds(model, e.path), now};
      const std::string key = absl::StrCat(r.site, "|", absl::StrJoin(r.link_ids, ","));
      present[key] = true;
      if (e.weight > 0) remembered[key] = std::move(r);
    }
    for (auto it = remembered.begin(); it != remembered.end();) {
      if (now - it->second.carried_at > drain_) {
        it = remembered.erase(it);
        continue;
      }
      if (!present.count(it->first)) {
        const std::optional<model::SiteIndex> site = model.FindSite(it->second.site);
        std::optional<std::vector<model::ArcIndex>> arcs =
            Walk(model, intent.ingress, it->second.link_ids);
        if (site.has_value() && model.site(*site).up && arcs.has_value() &&
            (arcs->empty() ? intent.ingress
                           : model.arc_head(arcs->back())) == model.site(*site).attachment.router) {
          intent.entries.push_back(
              srv6::SteeringEntry{*site, te::MakePath(model, intent.ingress, *std::move(arcs)), 0});
        }
      }
      ++it;
    }
  }
  // Demands that are gone take their entries with them once drained.
  for (auto it = entries_.begin(); it != entries_.end();) {
    Entries& e = it->second;
    for (auto x = e.begin(); x != e.end();) {
      x = now - x->second.carried_at > drain_ ? e.erase(x) : std::next(x);
    }
    it = e.empty() ? entries_.erase(it) : std::next(it);
  }
}

}  // namespace cpn::southbound
