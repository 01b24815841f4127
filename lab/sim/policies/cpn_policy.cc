#include "lab/sim/policies/cpn_policy.h"

#include <cmath>

#include "absl/strings/str_format.h"

namespace cpn::lab::sim {

absl::Status CpnPolicy::Decide(const PolicyView& view, Weights* weights) {
  te::DecisionInputs in;
  in.model = view.model;
  in.demands = view.demands;
  in.candidates = view.candidates;
  in.metrics = in_system_ ? view.metrics_in_system : view.metrics;
  in.now = absl::UnixEpoch() + absl::Milliseconds(std::llround(view.now_s * 1000.0));
  in.epoch = view.epoch;
  absl::StatusOr<std::shared_ptr<const te::DecisionSet>> set = engine_.Decide(in, last_.get());
  if (!set.ok()) {
    return absl::InternalError(absl::StrFormat("cpn policy: epoch %d at %.1f s: %s", view.epoch,
                                               view.now_s, set.status().ToString()));
  }
  last_ = *std::move(set);
  weights->assign(view.demands->size(), {});
  for (size_t d = 0; d < view.demands->size(); ++d) {
    std::vector<double>& w = (*weights)[d];
    w.assign(view.candidates->by_demand[d].size(), 0.0);
    const te::DemandDecision* dec =
        d < last_->decisions.size() ? last_->decisions[d].get() : nullptr;
    if (dec == nullptr) continue;
    for (size_t i = 0; i < dec->candidates.size() && i < w.size(); ++i) {
      w[i] = dec->candidates[i].weight;
    }
  }
  return absl::OkStatus();
}

}  // namespace cpn::lab::sim
