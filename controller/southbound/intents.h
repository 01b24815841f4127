// From the decisions in force (the API's DecisionSet, by ids) to the SRv6
// compiler's steering intents (by model indices): the bridge between the
// decision loop and controller/srv6.
//
// Pure; safe from any thread.
#ifndef CPN_CONTROLLER_SOUTHBOUND_INTENTS_H_
#define CPN_CONTROLLER_SOUTHBOUND_INTENTS_H_

#include <optional>
#include <string>
#include <vector>

#include "controller/api/decision_engine.h"
#include "controller/model/network_model.h"
#include "controller/srv6/compiler.h"

namespace cpn::southbound {

struct IntentsResult {
  std::vector<srv6::SteeringIntent> intents;
  // Records left out because they do not resolve in `model` (a decision
  // made on an older snapshot), naming the record and the id.
  std::vector<std::string> skipped;
};

// One intent per record whose ingress, service, sites and links all exist
// in `model` and whose paths chain from the ingress to the site's router.
IntentsResult IntentsFromDecisions(const model::NetworkModel& model,
                                   const api::DecisionSet& decisions);

// The arcs of the links `link_ids` walked from router `from`; nullopt, with
// the reason in *error, when a link is unknown or does not leave the router
// reached so far.
std::optional<std::vector<model::ArcIndex>> ArcsOfLinks(const model::NetworkModel& model,
                                                       model::RouterIndex from,
                                                       const std::vector<std::string>& link_ids,
                                                       std::string* error);

}  // namespace cpn::southbound

#endif  // CPN_CONTROLLER_SOUTHBOUND_INTENTS_H_
