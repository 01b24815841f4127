// The run's timeline: what the runner does when, from a scenario — the
// demand the controller is told (each client's scheduled rate, surges
// included, split evenly over its services and summed per ingress and
// service), link down/up, site down/up, metric delays and controller
// restarts (a stop, and a start down_s later). Load surges
// themselves are in each cpn-loadgen's schedule; here they only change the
// configured demand. Pure; callable from any thread.
#ifndef CPN_LAB_RUNNER_TIMELINE_H_
#define CPN_LAB_RUNNER_TIMELINE_H_

#include <map>
#include <string>
#include <vector>

#include "lab/scenario/scenario_validate.h"
#include "lab/scenario/traces.h"

namespace cpn::lab {

struct TimelineAction {
  enum class Kind {
    kDemand,
    kLinkDown,
    kLinkUp,
    kSiteDown,
    kSiteUp,
    kMetricDelay,
    kControllerStop,   // SIGKILL (a controller_restart event) ...
    kControllerStart,  // ... and the new start, down_s later (value: down_s)
  };
  double at_s = 0;
  Kind kind = Kind::kDemand;
  std::string target;   // link or site id; the ingress router for kDemand
  std::string service;  // kDemand
  double value = 0;     // kDemand: requests/s; kMetricDelay: ms; kControllerStart: down_s
  std::string note;     // the event's note, or a description
};

// Sorted by time; at equal times demand first, then events in file order
// (a restart's stop before its start).
// `rate_traces` holds the schedule of each client whose rate is a trace.
std::vector<TimelineAction> BuildTimeline(
    const ResolvedScenario& scenario,
    const std::map<std::string, std::vector<RatePoint>>& rate_traces = {});

// A marked event of the report: a span [from_s, to_s] (to == from for an
// instant) and its label ("surge x3 c1", "link r1--r2 down", "controller
// restart", a span when the controller stays down a while).
struct MarkedEvent {
  double from_s = 0, to_s = 0;
  std::string label;
};
std::vector<MarkedEvent> MarkedEvents(const cpn::lab::v1::Scenario& scenario);

std::string ActionText(const TimelineAction& a);

}  // namespace cpn::lab

#endif  // CPN_LAB_RUNNER_TIMELINE_H_
