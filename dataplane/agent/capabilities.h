// GetCapabilities (identity, limits, defaults) and SetPortEmulation (lab
// fault injection, which this dataplane does not enable: FAILED_PRECONDITION).
//
// THREADS: gRPC handler threads; reads only immutable configuration.
#ifndef CPN_DATAPLANE_AGENT_CAPABILITIES_H_
#define CPN_DATAPLANE_AGENT_CAPABILITIES_H_

#include "cpn/dataplane/v1/dataplane.pb.h"
#include "dataplane/agent/agent_state.h"
#include "grpcpp/grpcpp.h"

namespace cpn::dataplane::agent {

v1::GetCapabilitiesResponse Capabilities(const AgentState& st);

grpc::Status SetPortEmulation(const AgentState& st, const v1::SetPortEmulationRequest& request,
                              v1::SetPortEmulationResponse* response);

}  // namespace cpn::dataplane::agent

#endif  // CPN_DATAPLANE_AGENT_CAPABILITIES_H_
