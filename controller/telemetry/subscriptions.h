// The controller's TelemetryService.Subscribe (cpn.telemetry.v1), gNMI-like:
// per subscription a path (decisions, site metrics, link utilisation,
// dataplane counters, events), a filter and a mode — ON_CHANGE, or SAMPLE
// at an interval. One stream: the initial state of every subscription, one
// SyncComplete, then updates until the client cancels.
//
// Sources: decisions and their changes from the decision loop and its watch
// hub; site and link state from the current DecisionSet (an ON_CHANGE
// subscription sends an item when anything but its age changed since it
// was last sent, checked once per epoch); dataplane counters from
// `counters` (may be empty: no southbound client); events from the
// EventRecorder.
//
// Threads: Subscribe runs on the RPC's thread for the stream's life; every
// source it reads is thread-safe.
#ifndef CPN_CONTROLLER_TELEMETRY_SUBSCRIPTIONS_H_
#define CPN_CONTROLLER_TELEMETRY_SUBSCRIPTIONS_H_

#include <functional>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "controller/api/decision_loop.h"
#include "controller/api/decision_watch.h"
#include "controller/telemetry/event_recorder.h"
#include "cpn/telemetry/v1/telemetry.pb.h"

namespace cpn::controller_telemetry {

// The latest counters of every dataplane the controller talks to.
using CountersSource = std::function<std::vector<cpn::telemetry::v1::DataplaneCounters>()>;

class TelemetrySubscriptions {
 public:
  // Every pointer must outlive the object; `counters` may be empty.
  TelemetrySubscriptions(api::DecisionLoop* loop, api::DecisionWatchHub* hub,
                         EventRecorder* events, CountersSource counters)
      : loop_(loop), hub_(hub), events_(events), counters_(std::move(counters)) {}

  // Validates `request` (INVALID_ARGUMENT naming the subscription and
  // field), then streams through `write` until `cancelled()` or a failed
  // write. `poll` bounds how late a cancellation is noticed.
  absl::Status Subscribe(const cpn::telemetry::v1::SubscribeRequest& request,
                         absl::FunctionRef<bool(const cpn::telemetry::v1::SubscribeResponse&)> write,
                         absl::FunctionRef<bool()> cancelled,
                         absl::Duration poll = absl::Milliseconds(50));

  // The checks Subscribe makes before streaming.
  static absl::Status Validate(const cpn::telemetry::v1::SubscribeRequest& request);

 private:
  api::DecisionLoop* const loop_;
  api::DecisionWatchHub* const hub_;
  EventRecorder* const events_;
  const CountersSource counters_;
};

}  // namespace cpn::controller_telemetry

#endif  // CPN_CONTROLLER_TELEMETRY_SUBSCRIPTIONS_H_
