// Compute sites for a network that has none (most Topology Zoo files): `n`
// sites at routers spread over the network by farthest-point sampling on
// propagation delay, starting from the best-connected router; the first
// 60 % become demand hubs (16 servers), the far rest resource hubs (48),
// as in the East-Data-West-Computing plan. Adds the default llm-inference
// service when the topology has no service.
//
// Pure (proto in, proto out).
#ifndef CPN_LAB_SIM_AUTO_SITES_H_
#define CPN_LAB_SIM_AUTO_SITES_H_

#include "absl/status/status.h"
#include "cpn/topology/v1/topology.pb.h"

namespace cpn::lab::sim {

absl::Status AddAutoSites(cpn::topology::v1::Topology& topology, int n);

}  // namespace cpn::lab::sim

#endif  // CPN_LAB_SIM_AUTO_SITES_H_
