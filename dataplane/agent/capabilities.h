// GetCapabilities (identity, limits, defaults) and SetPortEmulation (lab
// fault injection: overrides a port's link emulation without a Write; only
// when the dataplane runs with --lab-emulation).
//
// THREADS: gRPC handler threads. Capabilities reads only immutable
// configuration; SetPortEmulation takes AgentState::mu exclusively, like a
// Write, and publishes a recompiled ForwardingState.
#ifndef CPN_DATAPLANE_AGENT_CAPABILITIES_H_
#define CPN_DATAPLANE_AGENT_CAPABILITIES_H_

#include "cpn/dataplane/v1/dataplane.pb.h"
#include "dataplane/agent/agent_state.h"
#include "grpcpp/grpcpp.h"

namespace cpn::dataplane::agent {

v1::GetCapabilitiesResponse Capabilities(const AgentState& st);

// FAILED_PRECONDITION without lab emulation (checked first), NOT_FOUND for a
// port that is not installed, INVALID_ARGUMENT for a bad emulation or no
// change. Sets or clears the override, republishes (the installed version
// does not change) and returns the port's new status.
grpc::Status SetPortEmulation(AgentState& st, const v1::SetPortEmulationRequest& request,
                              v1::SetPortEmulationResponse* response);

}  // namespace cpn::dataplane::agent

#endif  // CPN_DATAPLANE_AGENT_CAPABILITIES_H_
