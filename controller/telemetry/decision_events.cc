#include "controller/telemetry/decision_events.h"

namespace cpn::controller_telemetry {

api::DecisionWatchHub::Sink DecisionEventSink(EventRecorder* recorder) {
  return [recorder](std::span<const api::DecisionChangeItem> items) {
    for (const api::DecisionChangeItem& item : items) {
      cpn::telemetry::v1::EventRecord r;
      *r.mutable_timestamp() = item.event.timestamp();
      cpn::controller::v1::DecisionEvent* e = r.mutable_decision_change();
      *e = item.event;
      // The log keeps the decision's weights, not every candidate's cost
      // (ExplainDecision has those): lines stay short.
      e->mutable_decision()->clear_candidates();
      for (const auto& c : item.event.decision().candidates()) {
        if (c.weight() > 0) *e->mutable_decision()->add_candidates() = c;
      }
      recorder->Record(std::move(r));
    }
  };
}

}  // namespace cpn::controller_telemetry
