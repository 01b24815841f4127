// Random small networks and brute-force references for the path tests.
//
// The references are written independently of controller/te: they decide
// arc usability from the model directly, enumerate every simple path by
// DFS and sort by (delay, hops, arc sequence).
#ifndef CPN_TESTS_CONTROLLER_TE_PATHS_TEST_UTIL_H_
#define CPN_TESTS_CONTROLLER_TE_PATHS_TEST_UTIL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "controller/model/network_model.h"
#include "controller/te/constraints.h"
#include "controller/te/path.h"
#include "cpn/topology/v1/topology.pb.h"

namespace cpn::te::testing {

// Deterministic, portable generator (SplitMix64): the same seed gives the
// same network on every platform and standard library.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  // Uniform in [0, bound).
  uint64_t Below(uint64_t bound) { return Next() % bound; }
  // True with probability p.
  bool Chance(double p) { return static_cast<double>(Next() >> 11) * 0x1.0p-53 < p; }

 private:
  uint64_t state_;
};

struct RandomNetworkOptions {
  int min_routers = 5;
  int max_routers = 9;
  // Links per router (about); parallel links between two routers allowed.
  double links_per_router = 1.8;
  // Delays are drawn from [0, max_delay_us]: small, so that ties abound.
  uint64_t max_delay_us = 6;
  double link_down_probability = 0.08;
  double router_down_probability = 0.03;
  // SRLG ids 1..num_srlgs, each link in each with this probability.
  int num_srlgs = 4;
  double srlg_probability = 0.2;
  // Services and sites (for the cache tests).
  int num_services = 2;
  int num_sites = 3;
};

// A valid random network: routers r0.., links with delays, capacities from
// {1, 2, 5, 10} Gbit/s, SRLGs, some links and routers down, services with
// random latency bounds (some none) and sites at random routers.
cpn::topology::v1::Topology RandomNetwork(uint64_t seed, const RandomNetworkOptions& options = {});

std::shared_ptr<const model::NetworkModel> MustBuild(const cpn::topology::v1::Topology& t);

// Random constraints for `model`: sometimes a bandwidth floor, excluded
// links, routers (never `keep_a`/`keep_b`), SRLGs, a delay bound.
PathConstraints RandomConstraints(Rng& rng, const model::NetworkModel& model,
                                  model::RouterIndex keep_a, model::RouterIndex keep_b);

// Every simple path source -> target over arcs usable under `c` (ignoring
// c.max_delay_us), sorted best first; source == target gives the empty path.
std::vector<Path> AllSimplePaths(const model::NetworkModel& model, model::RouterIndex source,
                                 model::RouterIndex target, const PathConstraints& c);

// The first k of AllSimplePaths within c.max_delay_us.
std::vector<Path> BruteKShortest(const model::NetworkModel& model, model::RouterIndex source,
                                 model::RouterIndex target, int k, const PathConstraints& c);

// Independent disjointness check (links, SRLGs, inner routers).
bool BruteDisjoint(const model::NetworkModel& model, const Path& a, const Path& b,
                   bool srlg_disjoint, bool router_disjoint);

// "r0 -a-> r1 ..." for failure messages.
std::string Describe(const model::NetworkModel& model, const Path& p);
std::string Describe(const model::NetworkModel& model, const std::vector<Path>& paths);

}  // namespace cpn::te::testing

#endif  // CPN_TESTS_CONTROLLER_TE_PATHS_TEST_UTIL_H_
