// Topologies shared by the model tests.
#ifndef CPN_TESTS_CONTROLLER_MODEL_TEST_TOPOLOGIES_H_
#define CPN_TESTS_CONTROLLER_MODEL_TEST_TOPOLOGIES_H_

#include <string>

#include "cpn/topology/v1/topology.pb.h"

namespace cpn::model::testing {

// Parses a Topology in protobuf text format; fails the test on a syntax error.
cpn::topology::v1::Topology ParseTopology(const std::string& text);

// A small, valid network that sets every field of every message at least
// once (see FieldCoverage in network_model_test.cc):
//   routers bj, sh, gz, cd; links bj--sh, bj--gz, sh--gz, gz--cd, sh--cd;
//   optical nodes o-bj, o-sh, o-gz (colocated) and amplifier o-wh;
//   fibres f-bj-wh, f-wh-sh, f-wh-gz, f-sh-gz;
//   lightpaths lp-bj-sh (f-bj-wh, f-wh-sh), lp-bj-gz (f-bj-wh, f-wh-gz),
//   lp-sh-gz (f-sh-gz) carrying bj--sh, bj--gz, sh--gz respectively;
//   services llm, video; sites qy (at cd) and ws (at sh).
// bj--sh and bj--gz share fibre f-bj-wh.
cpn::topology::v1::Topology FullTopology();

// A synthetic network the size of Topology Zoo's Kdl (754 routers, 900
// links), with an optical layer under a third of the links, 20 sites and 4
// services. Deterministic.
cpn::topology::v1::Topology KdlSizedTopology();

}  // namespace cpn::model::testing

#endif  // CPN_TESTS_CONTROLLER_MODEL_TEST_TOPOLOGIES_H_
