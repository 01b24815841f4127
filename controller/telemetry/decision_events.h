// Decision changes into the event log: a DecisionWatchHub sink that records
// one EventRecord (decision_change: why, which weights moved, the expected
// completion before and after) per changed decision.
#ifndef CPN_CONTROLLER_TELEMETRY_DECISION_EVENTS_H_
#define CPN_CONTROLLER_TELEMETRY_DECISION_EVENTS_H_

#include "controller/api/decision_watch.h"
#include "controller/telemetry/event_recorder.h"

namespace cpn::controller_telemetry {

// `recorder` must outlive the hub's use of the sink.
api::DecisionWatchHub::Sink DecisionEventSink(EventRecorder* recorder);

}  // namespace cpn::controller_telemetry

#endif  // CPN_CONTROLLER_TELEMETRY_DECISION_EVENTS_H_
