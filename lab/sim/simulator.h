// The flow-level, request-level discrete-event simulator.
//
// Requests arrive at ingress routers (the workload's arrival process, split
// over the ingresses by weight; flash crowds on top), on client connections
// (a new connection is a new flow). A flow's site and path come from the
// policy's current weights (a weighted hash of the flow); a policy with flow
// affinity keeps a flow on its site and path while they live. Each request
// crosses its path (propagation + transfer at the share of the bottleneck
// left by the link's background load), waits in the site's FIFO for one of
// its c servers, is served (service time from the workload) and returns.
// Sites also serve background work. Site agents report every
// report_interval_s; reports reach the controller metric_delay_s later;
// the controller sees failures detect_delay_s after they happen. Every
// epoch the policy decides on that aged view.
//
// Deterministic for a seed: arrivals, service times, flows and background
// come from their own seeded streams, so every policy sees the same input.
// Pure: no I/O. Single-threaded; a Simulator may run many policies in turn.
#ifndef CPN_LAB_SIM_SIMULATOR_H_
#define CPN_LAB_SIM_SIMULATOR_H_

#include "absl/status/statusor.h"
#include "lab/sim/metrics.h"
#include "lab/sim/policy.h"
#include "lab/sim/setup.h"

namespace cpn::lab::sim {

// Path computation for the policies' candidates.
struct SimOptions {
  int k_paths = 2;
};

// Runs one policy through the setup's scenario from scratch.
absl::StatusOr<RunResult> Simulate(const SimSetup& setup, Policy& policy,
                                   const SimOptions& options = {});

}  // namespace cpn::lab::sim

#endif  // CPN_LAB_SIM_SIMULATOR_H_
