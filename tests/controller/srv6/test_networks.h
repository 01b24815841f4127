// Small networks for the SRv6 compiler tests, built in code, and a helper
// that makes te::Path values by hand (the tests do not link the path
// computation library).
#ifndef CPN_TESTS_CONTROLLER_SRV6_TEST_NETWORKS_H_
#define CPN_TESTS_CONTROLLER_SRV6_TEST_NETWORKS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "controller/model/network_model.h"
#include "controller/te/path.h"
#include "cpn/topology/v1/topology.pb.h"

namespace cpn::srv6::testing {

// Builds a Topology: router i gets locator fcbb:bb00:<i+1>::/48 (or the one
// given); link interfaces are named after the link id; MACs are set on both
// ends unless `with_macs` is false.
class TopologyBuilder {
 public:
  TopologyBuilder& Router(const std::string& id, const std::string& locator = "");
  TopologyBuilder& Link(const std::string& id, const std::string& a, const std::string& b,
                        uint32_t igp_metric, bool with_macs = true);
  // A site at `router` hosting `services`; IPv6 next hop when `dx6`, IPv4
  // next hop when `dx4`.
  TopologyBuilder& Site(const std::string& id, const std::string& router,
                        const std::vector<std::string>& services, bool dx6 = true,
                        bool dx4 = false);
  // A TCP service on port 443 with anycast 2001:db8:cafe:<n>::/64, and an
  // IPv4 anycast 198.51.<n>.0/24 when `ipv4`.
  TopologyBuilder& Service(const std::string& id, bool ipv4 = false);
  cpn::topology::v1::Topology& topology() { return t_; }
  std::shared_ptr<const model::NetworkModel> Build() const;

 private:
  cpn::topology::v1::Topology t_;
};

// A path through routers given by id, over the links given by id (one per
// hop). Fails the test when they do not chain.
te::Path PathOverLinks(const model::NetworkModel& model, const std::string& source,
                       const std::vector<std::string>& link_ids);
// A path through routers given by id, taking the first link between each
// consecutive pair.
te::Path PathThrough(const model::NetworkModel& model, const std::vector<std::string>& routers);

// The diamond of the desired-state tests:
//        b
//   a <     > d --- site "qy" (services "llm"; IPv4 too when `ipv4`)
//        c
// all links metric 10, so a -> d is an ECMP tie.
std::shared_ptr<const model::NetworkModel> Diamond(bool ipv4);

}  // namespace cpn::srv6::testing

#endif  // CPN_TESTS_CONTROLLER_SRV6_TEST_NETWORKS_H_
