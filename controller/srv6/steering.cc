// The overlay half of CompileDesiredState: SRv6 policies and steering rules
// at ingress routers, from the steering intents.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "controller/srv6/compiler_internal.h"
#include "controller/srv6/stable_ids.h"

namespace cpn::srv6::internal {
namespace {

namespace dpv1 = cpn::dataplane::v1;
using model::RouterIndex;
using model::ServiceIndex;
using model::SiteIndex;

// A policy before its id is known, keyed by its segments' text.
struct PolicyDraft {
  PolicyInfo info;
  std::string description;
};

// A steering rule before ids are known.
struct RuleDraft {
  std::string name;  // stable name the rule id derives from
  RuleInfo info;
  std::string prefix;
  bool drop = false;
  std::map<std::string, double> shares;  // policy key -> share
  std::string description;
};

struct RouterDrafts {
  std::map<std::string, PolicyDraft> policies;
  std::vector<RuleDraft> rules;
};

std::string PolicyKey(const SegmentList& list) { return absl::StrJoin(list.Texts(), ","); }

std::string PathText(const model::NetworkModel& model, const te::Path& path) {
  std::vector<std::string> ids = {model.router(path.source).id};
  for (model::ArcIndex a : path.arcs) ids.push_back(model.router(model.arc_head(a)).id);
  return absl::StrJoin(ids, " ");
}

std::string PortsText(const std::optional<model::PortRange>& ports) {
  if (!ports) return "any";
  return absl::StrFormat("%d-%d", ports->first, ports->last);
}

// Checks the parts of intent i that do not need path computation.
absl::Status CheckIntent(const model::NetworkModel& model, const SteeringIntent& intent,
                         const std::string& where) {
  if (!intent.ingress.valid() || intent.ingress.value() >= model.num_routers()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ".ingress is not a router of this snapshot"));
  }
  if (!intent.service.valid() || intent.service.value() >= model.services().size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ".service is not a service of this snapshot"));
  }
  for (size_t k = 0; k < intent.entries.size(); ++k) {
    const SteeringEntry& e = intent.entries[k];
    const std::string field = absl::StrFormat("%s.entries[%d]", where, k);
    if (!e.site.valid() || e.site.value() >= model.sites().size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".site is not a site of this snapshot"));
    }
    const model::Site& site = model.site(e.site);
    if (!model.FindPlacement(e.site, intent.service)) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s.site: site \"%s\" does not host service \"%s\"", field, site.id,
                          model.service(intent.service).id));
    }
    if (!std::isfinite(e.weight) || e.weight < 0) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s.weight is %g; it must be finite and >= 0", field, e.weight));
    }
    if (e.path.source != intent.ingress) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s.path starts at %s, not at the ingress \"%s\"", field,
                          e.path.source.valid() && e.path.source.value() < model.num_routers()
                              ? absl::StrCat("router \"", model.router(e.path.source).id, "\"")
                              : std::string("an unknown router"),
                          model.router(intent.ingress).id));
    }
    if (e.path.target != site.attachment.router) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s.path ends at %s, but site \"%s\" attaches to router \"%s\"", field,
                          e.path.target.valid() && e.path.target.value() < model.num_routers()
                              ? absl::StrCat("router \"", model.router(e.path.target).id, "\"")
                              : std::string("an unknown router"),
                          site.id, model.router(site.attachment.router).id));
    }
  }
  return absl::OkStatus();
}

// The rules of one family of one intent: one per port range of the service.
void AddRules(const model::Service& service, ServiceIndex service_index, bool ipv4,
              const std::string& prefix, const std::string& ingress_id, bool drop,
              const std::map<std::string, double>& shares, RouterDrafts& drafts) {
  std::vector<std::optional<model::PortRange>> ranges;
  for (const model::PortRange& r : service.ports) ranges.emplace_back(r);
  if (ranges.empty()) ranges.emplace_back(std::nullopt);
  for (const std::optional<model::PortRange>& ports : ranges) {
    RuleDraft& rule = drafts.rules.emplace_back();
    rule.name = absl::StrCat(service.id, "/", ipv4 ? "ipv4" : "ipv6", "/", PortsText(ports));
    rule.info = {service_index, ipv4, ports};
    rule.prefix = prefix;
    rule.drop = drop;
    rule.shares = shares;
    rule.description = absl::StrFormat("%s at %s (%s, ports %s)", service.id, ingress_id,
                                       ipv4 ? "IPv4" : "IPv6", PortsText(ports));
  }
}

absl::Status EmitRouter(const model::NetworkModel& model, RouterDrafts& drafts,
                        const CompileOptions& options, RouterState& state) {
  // Policy ids, from the segment lists.
  std::vector<std::string> keys;
  for (const auto& [key, draft] : drafts.policies) keys.push_back(key);
  ASSIGN_OR_RETURN(
      const std::vector<uint32_t> policy_ids,
      AssignStableNumbers(keys, 1, 0x7fffffff, {},
                          absl::StrFormat("router \"%s\": policy ids", state.router_id)));
  std::map<std::string, uint32_t> id_of;
  size_t k = 0;
  for (auto& [key, draft] : drafts.policies) {
    const uint32_t id = policy_ids[k++];
    id_of[key] = id;
    dpv1::Entity e;
    dpv1::Srv6Policy* p = e.mutable_srv6_policy();
    p->set_id(id);
    p->set_source_address(model.router(state.router).loopback.ToString());
    for (std::string& s : draft.info.segments.Texts()) p->add_segments(std::move(s));
    p->set_encap_mode(options.encap_mode);
    p->set_description(draft.description);
    RETURN_IF_ERROR(AddEntity(state, std::move(e)));
    std::sort(draft.info.services.begin(), draft.info.services.end());
    draft.info.services.erase(std::unique(draft.info.services.begin(), draft.info.services.end()),
                              draft.info.services.end());
    state.policies.emplace(id, std::move(draft.info));
  }

  // Rule ids, from service id, family and port range.
  std::vector<std::string> names;
  for (const RuleDraft& r : drafts.rules) names.push_back(r.name);
  ASSIGN_OR_RETURN(
      const std::vector<uint32_t> rule_ids,
      AssignStableNumbers(names, 1, 0x7fffffff, {},
                          absl::StrFormat("router \"%s\": rule ids", state.router_id)));
  for (size_t i = 0; i < drafts.rules.size(); ++i) {
    RuleDraft& r = drafts.rules[i];
    const model::Service& service = model.service(r.info.service);
    dpv1::Entity e;
    dpv1::SteeringRule* rule = e.mutable_steering_rule();
    rule->set_id(rule_ids[i]);
    dpv1::SteeringMatch* match = rule->mutable_match();
    match->set_destination_prefix(r.prefix);
    match->set_protocol(service.protocol);
    if (r.info.ports) {
      match->mutable_destination_ports()->set_first(r.info.ports->first);
      match->mutable_destination_ports()->set_last(r.info.ports->last);
    }
    if (r.drop) {
      rule->mutable_drop();
    } else {
      std::vector<std::pair<uint32_t, double>> by_id;
      for (const auto& [key, share] : r.shares) by_id.emplace_back(id_of.at(key), share);
      std::sort(by_id.begin(), by_id.end());
      std::vector<double> shares;
      for (const auto& [id, share] : by_id) shares.push_back(share);
      const std::vector<uint32_t> weights = ScaleWeights(shares, kSteeringWeightTotal);
      dpv1::WeightedPolicies* w = rule->mutable_weighted();
      for (size_t j = 0; j < by_id.size(); ++j) {
        dpv1::WeightedPolicy* wp = w->add_policies();
        wp->set_policy_id(by_id[j].first);
        wp->set_weight(weights[j]);
      }
    }
    rule->set_description(r.description);
    RETURN_IF_ERROR(AddEntity(state, std::move(e)));
    state.rules.emplace(rule_ids[i], r.info);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CompileSteering(const model::NetworkModel& model, const SidPlan& sids, IgpView& igp,
                             std::span<const SteeringIntent> intents, const CompileOptions& options,
                             std::vector<RouterState>& routers,
                             std::vector<std::string>& warnings) {
  std::map<uint32_t, RouterDrafts> drafts;  // by ingress router
  std::set<std::pair<uint32_t, uint32_t>> seen;
  for (size_t i = 0; i < intents.size(); ++i) {
    const SteeringIntent& intent = intents[i];
    std::string where = absl::StrFormat("intents[%d]", i);
    RETURN_IF_ERROR(CheckIntent(model, intent, where));
    const model::Router& ingress = model.router(intent.ingress);
    const model::Service& service = model.service(intent.service);
    where =
        absl::StrFormat("intents[%d] (ingress \"%s\", service \"%s\")", i, ingress.id, service.id);
    if (!seen.emplace(intent.ingress.value(), intent.service.value()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": a second intent for the same ingress and service"));
    }
    RouterDrafts& d = drafts[intent.ingress.value()];
    std::map<std::string, double> shares6, shares4;
    for (size_t k = 0; k < intent.entries.size(); ++k) {
      const SteeringEntry& e = intent.entries[k];
      const model::Site& site = model.site(e.site);
      auto compile = [&](const Sid& decap, bool ipv4,
                         std::map<std::string, double>& shares) -> absl::Status {
        absl::StatusOr<SegmentList> list = MinimalSegmentList(sids, igp, e.path, decap);
        if (!list.ok()) {
          return absl::InvalidArgumentError(
              absl::StrFormat("%s.entries[%d]: %s", where, k, list.status().message()));
        }
        if (options.max_segments != 0 && list->sids.size() > options.max_segments) {
          return absl::OutOfRangeError(absl::StrFormat(
              "%s.entries[%d]: the path %s needs %d SIDs, more than max_segments %d", where, k,
              PathText(model, e.path), list->sids.size(), options.max_segments));
        }
        const std::string key = PolicyKey(*list);
        auto [it, inserted] = d.policies.try_emplace(key);
        if (inserted) {
          it->second.info = {e.site, ipv4, e.path, *std::move(list), {}};
          it->second.description = absl::StrFormat("%s -> %s (%s) via %s", ingress.id, site.id,
                                                   ipv4 ? "IPv4" : "IPv6", PathText(model, e.path));
        }
        it->second.info.services.push_back(intent.service);
        shares[key] += e.weight;
        return absl::OkStatus();
      };
      RETURN_IF_ERROR(compile(sids.decap_ipv6(e.site), false, shares6));
      if (service.anycast_prefix_ipv4) {
        if (const Sid* dx4 = sids.decap_ipv4(e.site)) RETURN_IF_ERROR(compile(*dx4, true, shares4));
      }
    }
    const bool drop6 = shares6.empty();
    if (!drop6 || options.drop_unplaceable) {
      AddRules(service, intent.service, false, service.anycast_prefix.ToString(), ingress.id, drop6,
               shares6, d);
    }
    if (service.anycast_prefix_ipv4) {
      const bool drop4 = shares4.empty();
      if (drop4 && !intent.entries.empty()) {
        warnings.push_back(absl::StrFormat(
            "%s: no site of the intent has an IPv4 next hop; IPv4 traffic to %s is %s", where,
            service.anycast_prefix_ipv4->ToString(),
            options.drop_unplaceable ? "dropped" : "not steered"));
      }
      if (!drop4 || options.drop_unplaceable) {
        AddRules(service, intent.service, true, service.anycast_prefix_ipv4->ToString(), ingress.id,
                 drop4, shares4, d);
      }
    }
  }
  for (auto& [router, d] : drafts) {
    RETURN_IF_ERROR(EmitRouter(model, d, options, routers[router]));
  }
  return absl::OkStatus();
}

}  // namespace cpn::srv6::internal
