#include "controller/api/decisions_service.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "controller/api/decision_diff.h"
#include "controller/api/whatif_changes.h"

namespace cpn::api {

namespace cv1 = cpn::controller::v1;

namespace {

std::string Quote(const std::string& s) { return absl::StrCat("\"", s, "\""); }

bool Matches(const google::protobuf::RepeatedPtrField<std::string>& filter,
             const std::string& value) {
  return filter.empty() || std::find(filter.begin(), filter.end(), value) != filter.end();
}

double Objective(const DecisionSet& set) {
  double sum = 0;
  for (const DecisionRecord& r : set.records) sum += r.decision.objective_value();
  return sum;
}

// RAII: leaves the hub when the watch ends, however it ends.
class Subscription {
 public:
  Subscription(DecisionWatchHub* hub, std::shared_ptr<DecisionWatcher> w)
      : hub_(hub), watcher_(std::move(w)) {}
  ~Subscription() { hub_->Unsubscribe(watcher_.get()); }
  DecisionWatcher& watcher() { return *watcher_; }

 private:
  DecisionWatchHub* hub_;
  std::shared_ptr<DecisionWatcher> watcher_;
};

}  // namespace

void DecisionsService::Annotate(std::span<cv1::Decision* const> decisions) const {
  if (const InstallView* view = install_view_.load(); view != nullptr) view->Annotate(decisions);
}

absl::Status DecisionsService::ListDecisions(const cv1::ListDecisionsRequest& request,
                                             cv1::ListDecisionsResponse* response) {
  std::shared_ptr<const DecisionSet> set = loop_->Current();
  response->set_epoch(set->epoch);
  for (const DecisionRecord& r : set->records) {
    if (!Matches(request.ingress_router_ids(), r.decision.ingress_router_id())) continue;
    if (!Matches(request.service_ids(), r.decision.service_id())) continue;
    *response->add_decisions() = r.decision;
  }
  std::vector<cv1::Decision*> listed;
  for (cv1::Decision& d : *response->mutable_decisions()) listed.push_back(&d);
  Annotate(listed);
  for (const std::string& w : set->warnings) response->add_warnings(w);
  return absl::OkStatus();
}

absl::Status DecisionsService::ExplainDecision(const cv1::ExplainDecisionRequest& request,
                                               cv1::ExplainDecisionResponse* response) {
  const cv1::DemandKey& key = request.key();
  if (key.ingress_router_id().empty()) {
    return absl::InvalidArgumentError("key.ingress_router_id is empty");
  }
  if (key.service_id().empty()) return absl::InvalidArgumentError("key.service_id is empty");
  std::shared_ptr<const DecisionSet> set = loop_->Current();
  const DecisionRecord* r = set->Find(key.ingress_router_id(), key.service_id());
  if (r == nullptr) {
    return absl::NotFoundError(absl::StrFormat(
        "no decision for service %s at ingress router %s (epoch %d); is a demand set for it?",
        Quote(key.service_id()), Quote(key.ingress_router_id()), set->epoch));
  }
  *response->mutable_decision() = r->decision;
  Annotate(response->mutable_decision());
  *response->mutable_demand() = r->demand;
  for (const cv1::CandidateExplanation& c : r->candidates) *response->add_candidates() = c;
  *response->mutable_solver() = set->solver;
  return absl::OkStatus();
}

absl::Status DecisionsService::WatchDecisions(
    const cv1::WatchDecisionsRequest& request,
    absl::FunctionRef<bool(const cv1::WatchDecisionsResponse&)> write,
    absl::FunctionRef<bool()> cancelled, absl::Duration poll) {
  ASSIGN_OR_RETURN(
      std::shared_ptr<DecisionWatcher> w,
      hub_->Subscribe({request.ingress_router_ids().begin(), request.ingress_router_ids().end()},
                      {request.service_ids().begin(), request.service_ids().end()}));
  Subscription subscription(hub_, std::move(w));
  DecisionWatcher& watcher = subscription.watcher();

  // Initial state. Changes published after the subscription but already in
  // this state (epoch <= its epoch) are skipped below.
  std::shared_ptr<const DecisionSet> set = loop_->Current();
  const uint64_t initial_epoch = set->epoch;
  cv1::WatchDecisionsResponse message;
  for (const DecisionRecord& r : set->records) {
    if (!watcher.Matches(r.decision.ingress_router_id(), r.decision.service_id())) continue;
    *message.mutable_initial() = r.decision;
    Annotate(message.mutable_initial());
    if (!write(message)) return absl::CancelledError("the stream broke");
  }
  set.reset();
  message.mutable_sync_complete()->set_epoch(initial_epoch);
  if (!write(message)) return absl::CancelledError("the stream broke");

  std::vector<cv1::DecisionEvent> events;
  while (true) {
    if (cancelled()) return absl::CancelledError("the watch was cancelled");
    events.clear();
    switch (watcher.Next(poll, &events)) {
      case DecisionWatcher::WaitResult::kClosed:
        return absl::UnavailableError("the controller is stopping; watch again");
      case DecisionWatcher::WaitResult::kTimeout:
        continue;
      case DecisionWatcher::WaitResult::kReady:
        break;
    }
    for (cv1::DecisionEvent& e : events) {
      if (e.change().epoch() <= initial_epoch) continue;
      *message.mutable_changed() = std::move(e);
      Annotate(message.mutable_changed()->mutable_decision());
      if (!write(message)) return absl::CancelledError("the stream broke");
    }
  }
}

absl::Status DecisionsService::WhatIf(const cv1::WhatIfRequest& request,
                                      cv1::WhatIfResponse* response) {
  const DecisionInputs current_inputs = loop_->GatherInputs();
  const std::shared_ptr<const DecisionSet> current = current_inputs.previous;
  DecisionInputs in = current_inputs;
  RETURN_IF_ERROR(ApplyWhatIfChanges(request.changes(), in));
  in.horizon = request.horizon() == cv1::WHAT_IF_HORIZON_STEADY_STATE ? Horizon::kSteadyState
                                                                      : Horizon::kNextEpoch;
  absl::StatusOr<DecisionSet> result = engine_->Evaluate(current_inputs, in, request);
  if (!result.ok()) {
    return absl::Status(result.status().code(),
                        absl::StrCat("what-if evaluation failed: ", result.status().message()));
  }
  DecisionSet& what_if = *result;
  response->set_based_on_epoch(current->epoch);
  for (DecisionRecord& r : what_if.records) {
    r.decision.set_epoch(in.epoch);
    r.decision.set_install_state(cv1::INSTALL_STATE_UNSPECIFIED);
    *response->add_decisions() = r.decision;
  }
  for (cv1::DecisionDiff& d : DiffDecisionSets(*current, what_if)) {
    if (d.kind() == cv1::DIFF_KIND_UNSERVED) {
      response->add_warnings(absl::StrFormat("demand %s@%s would be unserved", d.key().service_id(),
                                             d.key().ingress_router_id()));
    }
    *response->add_diffs() = std::move(d);
  }
  response->set_current_objective(Objective(*current));
  response->set_what_if_objective(Objective(what_if));
  *response->mutable_solver() = what_if.solver;
  response->mutable_solver()->set_epoch(in.epoch);
  if (response->solver().algorithm().empty()) {
    response->mutable_solver()->set_algorithm(engine_->name());
  }
  for (const std::string& w : what_if.warnings) response->add_warnings(w);
  return absl::OkStatus();
}

}  // namespace cpn::api
