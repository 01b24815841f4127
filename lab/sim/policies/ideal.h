// References, not baselines: a dispatcher that knows, at the moment each
// request leaves its ingress, every site's exact state (busy servers, queue,
// requests on their way) and sends it where its expected delay is least:
// 2 × one-way propagation plus the FIFO wait for a server,
// max(0, n + 1 − c) · mean service / c with n the requests in the system and
// on their way (minimum expected delay dispatching, MED). No network can
// steer like this — no report is that fresh and no router decides per
// request on global state — so it shows the room steering has on the same
// input.
//
// "ideal" decides every request (no flow affinity): all servers act as one
// pool, the near-best any dispatcher does (MED is greedy, not a proven
// optimum). "ideal-affinity" decides only new flows and keeps a flow on its
// site while it lives, as CPN's dataplane does; it is greedy about the
// flow's later requests too (it fills the nearest sites to the last
// server), so a weighted policy can match or beat it: a reference, not a
// bound.
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
