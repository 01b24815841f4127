// The SRv6 compiler: turns a snapshot and the decision's steering intents
// into the desired state of every dataplane (docs/srv6.md).
//
//   underlay, per router (from the model alone):
//     ports and neighbors of its links and sites; FIB routes (own locator
//     local; every other router's locator and IPv6 site prefixes over the
//     IGP next hops, ECMP when tied; its own sites' prefixes to the site);
//     local SIDs (End; End.X per adjacency in service; End.DX6/DT6/DX4 per
//     attached site; an End.DT6 site's FIB table)
//   overlay, per ingress router (from the intents):
//     one Srv6Policy per distinct minimal segment list; one SteeringRule per
//     (service, address family, port range) spreading new flows over the
//     policies by integer weights.
//
// Pure and deterministic: the same model, intents and options give the same
// state, entity for entity. Thread-compatible (no shared state).
#ifndef CPN_CONTROLLER_SRV6_COMPILER_H_
#define CPN_CONTROLLER_SRV6_COMPILER_H_

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/model/index.h"
#include "controller/model/ip_address.h"
#include "controller/model/network_model.h"
#include "controller/srv6/desired_state.h"
#include "controller/srv6/ports.h"
#include "controller/te/path.h"
#include "cpn/dataplane/v1/entities.pb.h"

namespace cpn::srv6 {

// One (site, path) choice of a demand and its share of the new flows.
struct SteeringEntry {
  // A site hosting the intent's service.
  model::SiteIndex site;
  // From the intent's ingress to the site's router, over arcs in service.
  te::Path path;
  // Share of new flows, >= 0. An entry of weight 0 keeps its policy in the
  // rule with weight 0: it takes no new flows, but its flows stay (drain).
  double weight = 0;
};

// How new flows of one service entering at one router are spread.
struct SteeringIntent {
  model::RouterIndex ingress;
  model::ServiceIndex service;
  // Weights are normalised by their sum (which should be 1); entries with
  // the same site and path add up. Empty: the service is not steered there.
  std::vector<SteeringEntry> entries;
};

// The sum of the integer weights of every steering rule with a positive
// weight: WeightedPolicy.weight values are the shares scaled to this total.
inline constexpr uint32_t kSteeringWeightTotal = 65535;

struct CompileOptions {
  // Encapsulation of every policy. H.Encaps.Red carries the first SID only
  // in the outer destination (one SID less in the SRH; none for a list of
  // one).
  cpn::dataplane::v1::EncapMode encap_mode = cpn::dataplane::v1::ENCAP_MODE_H_ENCAPS_RED;
  // Port id and devargs per router and interface (see ports.h).
  PortBindings port_bindings;
  // Port.mtu of every port; 0: the dataplane's default (1500).
  uint32_t port_mtu = 0;
  // Set Port.emulation of link ports from the model (delay_us, and the
  // link's capacity as the rate limit); for lab dataplanes.
  bool emulate_links = false;
  // MAC of each site's gateway (by site id): installs the Neighbors of the
  // site's IPv6 and IPv4 next hops on its port.
  std::map<std::string, model::MacAddress> site_gateway_macs;
  // Most next hops per route (GetCapabilitiesResponse.max_ecmp_next_hops);
  // the lowest arcs are kept. 0: no limit.
  uint32_t max_ecmp_next_hops = 0;
  // Most SIDs per policy (GetCapabilitiesResponse.max_segments); a longer
  // minimal list is an error. 0: no limit.
  uint32_t max_segments = 0;
  // When an intent has no entry usable for a family (no entries, or no site
  // with IPv4 for the IPv4 prefix): false leaves that traffic unsteered (the
  // FIB forwards it), true installs a drop rule (fail fast).
  bool drop_unplaceable = false;
};

// Compiles the desired state of every router. INVALID_ARGUMENT naming the
// intent and field for a bad intent: unknown router/service/site, a site not
// hosting the service, a path not from the ingress to the site's router, a
// path with a loop or an arc out of service, a negative or non-finite
// weight, or two intents for one (ingress, service). OUT_OF_RANGE when a
// list exceeds max_segments. Errors of SidPlan::Allocate and PortPlan::Build
// pass through.
absl::StatusOr<DesiredState> CompileDesiredState(const model::NetworkModel& model,
                                                 std::span<const SteeringIntent> intents,
                                                 const CompileOptions& options = {});

// Scales non-negative shares to integers summing to `total` (all zeros when
// every share is 0): largest remainder, ties to the lower index; a positive
// share never becomes 0 (given total >= the number of positive shares).
std::vector<uint32_t> ScaleWeights(std::span<const double> shares, uint32_t total);

}  // namespace cpn::srv6

#endif  // CPN_CONTROLLER_SRV6_COMPILER_H_
