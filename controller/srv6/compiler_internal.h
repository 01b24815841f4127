// Internal to cpn_srv6: the two halves of CompileDesiredState (compiler.h).
#ifndef CPN_CONTROLLER_SRV6_COMPILER_INTERNAL_H_
#define CPN_CONTROLLER_SRV6_COMPILER_INTERNAL_H_

#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "controller/model/network_model.h"
#include "controller/srv6/compiler.h"
#include "controller/srv6/desired_state.h"
#include "controller/srv6/igp.h"
#include "controller/srv6/ports.h"
#include "controller/srv6/sid_allocator.h"
#include "cpn/dataplane/v1/entities.pb.h"

namespace cpn::srv6::internal {

// Adds `entity` to `state`; INTERNAL error when its key is already there.
absl::Status AddEntity(RouterState& state, cpn::dataplane::v1::Entity entity);

// Ports, neighbors, routes and local SIDs of every router.
absl::Status CompileUnderlay(const model::NetworkModel& model, const SidPlan& sids,
                             const PortPlan& ports, IgpView& igp, const CompileOptions& options,
                             std::vector<RouterState>& routers, std::vector<std::string>& warnings);

// Policies and steering rules of the ingress routers of `intents`.
absl::Status CompileSteering(const model::NetworkModel& model, const SidPlan& sids, IgpView& igp,
                             std::span<const SteeringIntent> intents, const CompileOptions& options,
                             std::vector<RouterState>& routers, std::vector<std::string>& warnings);

}  // namespace cpn::srv6::internal

#endif  // CPN_CONTROLLER_SRV6_COMPILER_INTERNAL_H_
