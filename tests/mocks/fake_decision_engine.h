// FakeDecisionEngine — a TEST FAKE, not the controller's optimiser.
//
// A small, deterministic stand-in for the joint optimiser (controller/te,
// wrapped by controller/api/te_engine.h) so that API tests can predict
// decisions exactly: each demand is spread over the up sites hosting its
// service, reachable from its ingress, in proportion to their free servers
// (servers x (1 - utilisation) from the latest metrics; equal shares when
// none is free); the path is the least-delay path; the cost terms are
// simple formulas. No damping, no queueing model. cpn-controller never
// uses it.
//
// Threads: Decide from the decision loop, Evaluate from anywhere; the
// counters are atomic.
#ifndef CPN_TESTS_MOCKS_FAKE_DECISION_ENGINE_H_
#define CPN_TESTS_MOCKS_FAKE_DECISION_ENGINE_H_

#include <atomic>
#include <string>

#include "controller/api/decision_engine.h"

namespace cpn::testing {

class FakeDecisionEngine final : public cpn::api::DecisionEngine {
 public:
  std::string name() const override { return "fake"; }
  absl::StatusOr<cpn::api::DecisionSet> Decide(const cpn::api::DecisionInputs& inputs) override;
  absl::StatusOr<cpn::api::DecisionSet> Evaluate(
      const cpn::api::DecisionInputs& current, const cpn::api::DecisionInputs& changed,
      const cpn::controller::v1::WhatIfRequest& request) const override;

  // The pure computation behind both.
  static cpn::api::DecisionSet Compute(const cpn::api::DecisionInputs& inputs);

  // Calls of Decide so far.
  int decide_calls() const { return decide_calls_.load(); }
  // Makes the next Decide fail with INTERNAL.
  void FailNextDecide() { fail_next_ = true; }

 private:
  std::atomic<int> decide_calls_{0};
  std::atomic<bool> fail_next_{false};
};

}  // namespace cpn::testing

#endif  // CPN_TESTS_MOCKS_FAKE_DECISION_ENGINE_H_
