// A client's request-rate schedule over a run, with the scenario's load
// surges folded in: what cpn-lab hands to each cpn-loadgen (--schedule).
// Pure; callable from any thread.
#ifndef CPN_LAB_SCENARIO_CLIENT_SCHEDULE_H_
#define CPN_LAB_SCENARIO_CLIENT_SCHEDULE_H_

#include <string>
#include <vector>

#include "cpn/lab/v1/scenario.pb.h"
#include "lab/scenario/traces.h"

namespace cpn::lab {

// The step function of `client`'s base rate (constant or piecewise; for a
// trace, `trace` is its content) multiplied, over each load surge aimed at
// the client or its region, by the surge's factor (overlapping surges
// multiply). Steps start at 0, increase, and end before duration_s;
// consecutive equal rates are merged. `scenario` must be validated.
std::vector<RatePoint> ClientSchedule(const cpn::lab::v1::Scenario& scenario,
                                      const cpn::lab::v1::ClientSpec& client,
                                      const std::vector<RatePoint>& trace = {});

// The rate at time t of a step function (0 before its first step).
double RateAt(const std::vector<RatePoint>& steps, double t);

// "0:50,10:200" (time_s:rps pairs) and back.
std::string FormatSchedule(const std::vector<RatePoint>& steps);

}  // namespace cpn::lab

#endif  // CPN_LAB_SCENARIO_CLIENT_SCHEDULE_H_
