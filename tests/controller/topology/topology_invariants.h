// Test helper: the structural rules a strict validator applies to an
// imported Topology, checked here independently of controller/model so the
// import tests do not depend on it.
#ifndef CPN_TESTS_CONTROLLER_TOPOLOGY_TOPOLOGY_INVARIANTS_H_
#define CPN_TESTS_CONTROLLER_TOPOLOGY_TOPOLOGY_INVARIANTS_H_

#include <string>
#include <vector>

#include "cpn/topology/v1/topology.pb.h"

namespace cpn::topology::testing {

// Every violated rule, one message each; empty when the topology is sound.
// Rules: at least one router and one link; ids unique per kind and made of
// [A-Za-z0-9._-]; router locations in range; SRv6 locators valid /48s that
// do not overlap; loopbacks inside their locators; links between two
// different existing routers, with interface names unique per router,
// capacity > 0, delay > 0, metric > 0; sites attached to existing routers
// on unique interfaces, hosting existing services with servers > 0.
std::vector<std::string> CheckTopologyInvariants(const cpn::topology::v1::Topology& topology);

}  // namespace cpn::topology::testing

#endif  // CPN_TESTS_CONTROLLER_TOPOLOGY_TOPOLOGY_INVARIANTS_H_
