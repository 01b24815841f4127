// CPN: the real controller decision (controller/te DecisionEngine: joint
// Frank–Wolfe solve, damping, staleness discounting, static fallback) run
// every epoch on the view's inputs; the installed weights are what the
// dataplane would hash new flows over. Flows keep their site (affinity).
// Both see each site's queue length (its drain rate raises the site's
// load, te::EffectivePlacement::backlog_rps) and CPN's own rate. "cpn"
// reads the sites' load as background arrival rates; "cpn-busy" as mean
// busy servers (PolicyView::metrics_in_system, the CATS L0 form the
// controller's ingestion converts), which saturates at c under overload.
#ifndef CPN_LAB_SIM_POLICIES_CPN_POLICY_H_
#define CPN_LAB_SIM_POLICIES_CPN_POLICY_H_

#include <memory>

#include "controller/te/decision.h"
#include "lab/sim/policy.h"

namespace cpn::lab::sim {

class CpnPolicy : public Policy {
 public:
  explicit CpnPolicy(bool in_system = false, te::DecisionOptions options = {})
      : in_system_(in_system), engine_(options) {}
  std::string name() const override { return in_system_ ? "cpn-busy" : "cpn"; }
  bool flow_affinity() const override { return true; }
  absl::Status Decide(const PolicyView& view, Weights* weights) override;

  // The last decision set (for reports and tests); null before the first.
  const te::DecisionSet* last() const { return last_.get(); }

 private:
  bool in_system_;
  te::DecisionEngine engine_;
  std::shared_ptr<const te::DecisionSet> last_;
};

}  // namespace cpn::lab::sim

#endif  // CPN_LAB_SIM_POLICIES_CPN_POLICY_H_
