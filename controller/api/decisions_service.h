// DecisionsService: the decision RPCs of ControllerService — ListDecisions,
// ExplainDecision, WatchDecisions and WhatIf — over the decision loop's
// published DecisionSet (read without locks) and the watch hub; decisions
// served carry what the southbound installed of them (InstallView).
//
// Threads: any method from any RPC thread. WatchDecisions blocks its caller
// for the life of the stream and holds no lock while writing.
#ifndef CPN_CONTROLLER_API_DECISIONS_SERVICE_H_
#define CPN_CONTROLLER_API_DECISIONS_SERVICE_H_

#include <atomic>
#include <span>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "controller/api/decision_engine.h"
#include "controller/api/decision_loop.h"
#include "controller/api/decision_watch.h"
#include "controller/api/install_view.h"
#include "cpn/controller/v1/decision.pb.h"
#include "cpn/controller/v1/whatif.pb.h"

namespace cpn::api {

class DecisionsService {
 public:
  // Every pointer must outlive the service.
  DecisionsService(DecisionLoop* loop, DecisionWatchHub* hub, const DecisionEngine* engine)
      : loop_(loop), hub_(hub), engine_(engine) {}

  // Attaches the southbound's view of what is installed (null detaches:
  // decisions keep the install_state the loop gave them). Any thread; the
  // view must outlive its attachment.
  void SetInstallView(const InstallView* view) { install_view_.store(view); }

  absl::Status ListDecisions(const cpn::controller::v1::ListDecisionsRequest& request,
                             cpn::controller::v1::ListDecisionsResponse* response);
  // NOT_FOUND when there is no decision for the key.
  absl::Status ExplainDecision(const cpn::controller::v1::ExplainDecisionRequest& request,
                               cpn::controller::v1::ExplainDecisionResponse* response);
  // Sends the matching decisions, a SyncComplete, then every change, through
  // `write` (false: the stream broke). Returns CANCELLED once `cancelled`
  // says so, UNAVAILABLE when the controller stops, RESOURCE_EXHAUSTED when
  // too many watches are open. `poll` bounds how long a cancellation may go
  // unnoticed.
  absl::Status WatchDecisions(
      const cpn::controller::v1::WatchDecisionsRequest& request,
      absl::FunctionRef<bool(const cpn::controller::v1::WatchDecisionsResponse&)> write,
      absl::FunctionRef<bool()> cancelled, absl::Duration poll = absl::Milliseconds(200));
  // INVALID_ARGUMENT naming the change for an unknown id or a bad value.
  absl::Status WhatIf(const cpn::controller::v1::WhatIfRequest& request,
                      cpn::controller::v1::WhatIfResponse* response);

 private:
  // Annotates `decisions` through the install view, if one is attached.
  void Annotate(std::span<cpn::controller::v1::Decision* const> decisions) const;
  void Annotate(cpn::controller::v1::Decision* decision) const {
    Annotate(std::span<cpn::controller::v1::Decision* const>(&decision, 1));
  }

  DecisionLoop* loop_;
  DecisionWatchHub* hub_;
  const DecisionEngine* engine_;
  std::atomic<const InstallView*> install_view_{nullptr};
};

}  // namespace cpn::api

#endif  // CPN_CONTROLLER_API_DECISIONS_SERVICE_H_
