// InstallView: what the southbound made of the decisions in force — the
// Srv6Policy id and segment list each candidate is installed as on its
// ingress dataplane, and whether that dataplane has the decision
// (Decision.install_state). The southbound client implements it;
// DecisionsService asks it when it serves decisions, so a decision read
// shows what is installed at the time of the read, not at the time it was
// made.
//
// Threads: Annotate from any thread.
#ifndef CPN_CONTROLLER_API_INSTALL_VIEW_H_
#define CPN_CONTROLLER_API_INSTALL_VIEW_H_

#include <span>

#include "cpn/controller/v1/decision.pb.h"

namespace cpn::api {

class InstallView {
 public:
  virtual ~InstallView() = default;
  // Sets install_state of every decision, and policy_id and path.segments
  // of the candidates compiled for it (left as they are for the others).
  virtual void Annotate(std::span<cpn::controller::v1::Decision* const> decisions) const = 0;
};

}  // namespace cpn::api

#endif  // CPN_CONTROLLER_API_INSTALL_VIEW_H_
