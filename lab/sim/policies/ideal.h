// Reference bounds, not baselines: an ideal dispatcher that knows, at the
// moment each request leaves its ingress, every site's exact state (busy
// servers, queue, requests on their way) and sends it where its expected
// completion is least: 2 × one-way propagation plus the FIFO wait for a
// server, max(0, n + 1 − c) · mean service / c with n the requests in the
// system and on their way (minimum expected delay dispatching). No network
// can steer like this — no report is that fresh and no router decides per
// request on global state — so it marks how far any steering could get on
// the same input: the room a controller has left.
//
// "ideal" decides every request (no flow affinity): the bound for any
// dispatcher. "ideal-affinity" decides only new flows and keeps a flow on
// its site while it lives, as CPN's dataplane does: the bound for
// flow-keeping steering, the one to hold CPN against.
//
// They have no weights: churn, flips and oscillations are 0 by
// construction, not by merit.
#ifndef CPN_LAB_SIM_POLICIES_IDEAL_H_
#define CPN_LAB_SIM_POLICIES_IDEAL_H_

#include "lab/sim/policy.h"

namespace cpn::lab::sim {

class IdealPolicy : public Policy {
 public:
  explicit IdealPolicy(bool affinity) : affinity_(affinity) {}
  std::string name() const override { return affinity_ ? "ideal-affinity" : "ideal"; }
  bool flow_affinity() const override { return affinity_; }
  // Rows of zeros: the requests never consult weights.
  absl::Status Decide(const PolicyView& view, Weights* weights) override;
  bool dispatches_per_request() const override { return true; }
  size_t Dispatch(const std::vector<DispatchOption>& options,
                  const std::vector<SiteNow>& sites) override;

 private:
  bool affinity_;
};

// The expected completion on `option`, less the service itself: the round
// trip's propagation and the wait for a server (see above), seconds.
double ExpectedDelayS(const DispatchOption& option, const SiteNow& site);

}  // namespace cpn::lab::sim

#endif  // CPN_LAB_SIM_POLICIES_IDEAL_H_
