// Compute sites for imported networks: reading the East-Data-West-Computing
// cluster list (eastdata_westcompute_hubs_clusters.csv format), attaching
// each site to its nearest router, and a default demo service. See
// docs/topologies.md. Pure functions except ReadSiteSeedsCsvFile; callable
// from any thread.
#ifndef CPN_CONTROLLER_TOPOLOGY_SITE_ATTACH_H_
#define CPN_CONTROLLER_TOPOLOGY_SITE_ATTACH_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/topology/geo.h"
#include "cpn/compute/v1/compute.pb.h"
#include "cpn/topology/v1/topology.pb.h"

namespace cpn::topology {

// Role of a site's region in the East-Data-West-Computing programme.
enum class HubKind {
  kUnspecified,
  kDemand,    // "demand_hub (user-dense)": east, near the users.
  kResource,  // "resource_hub (energy-rich)": west, cheap and green power.
};

// A site to be created, before it is attached.
struct SiteSeed {
  // Site.id, e.g. "zhangjiakou".
  std::string id;
  // Site.name, e.g. "Zhangjiakou cluster (Beijing-Tianjin-Hebei)".
  std::string name;
  LatLon location;
  // GeoLocation.place, e.g. the proxy administrative unit.
  std::string place;
  HubKind hub_kind = HubKind::kUnspecified;
  // PowerProfile.grid_zone, e.g. "CN-HE"; may be empty.
  std::string grid_zone;
};

// Stated defaults for created sites. Power figures are per server, where a
// server is one of the parallel workers of the site's M/M/c queue (here: an
// 8-GPU inference node).
struct SiteDefaults {
  // Services every site hosts. Empty: every service of the topology.
  std::vector<std::string> service_ids;
  // Servers per hosted service. Resource hubs get three times as many as
  // demand hubs: the programme moves bulk computing west, to cheap
  // renewable power and land. Sites of unknown kind count as demand hubs.
  uint32_t demand_hub_servers = 16;
  uint32_t resource_hub_servers = 48;
  // Site prefix plan: the i-th site of the topology (1-based) gets the i-th
  // /64 of this block as its site prefix, e.g. 2001:db8:5:1::/64; the router
  // side is ::1 and the site's next hop (End.DX6) ::2.
  std::string site_prefix_block = "2001:db8:5::/48";
  // IPv4 plan, "a.b.0.0/16" or longer up to /24: the i-th site gets the
  // i-th /24 and next hop .2 (End.DX4). Empty: sites have no IPv4.
  std::string site_ipv4_block;
  // Power draw per server, watts: max 10.2 kW is an 8-GPU H100 node's rated
  // maximum; idle is assumed at 30% of that.
  double server_idle_power_w = 3060;
  double server_max_power_w = 10200;
  // PUE ceilings set for the programme's clusters in 2022: 1.25 in the east
  // (demand hubs), 1.2 in the west (resource hubs).
  double demand_hub_pue = 1.25;
  double resource_hub_pue = 1.2;
};

// Where one seed landed.
struct AttachedSite {
  std::string site_id;
  std::string router_id;
  double distance_km = 0;
};

// Adds one Site per seed to `topology`, attached to the router nearest by
// great-circle distance (ties: the earlier router): interface
// "site-<site id>" on that router, prefixes and next hops from the plan,
// capacities for the services, power profile (carbon intensity and price
// left at 0). The router gains ROUTER_ROLE_SITE_GATEWAY. Each attachment is
// recorded in the provenance notes. Fails, changing nothing, when there is
// no router, a seed id is invalid or taken, a service is unknown, a
// location is out of range or the address plan runs out.
absl::StatusOr<std::vector<AttachedSite>> AttachSitesNearest(cpn::topology::v1::Topology& topology,
                                                             const std::vector<SiteSeed>& seeds,
                                                             const SiteDefaults& defaults);

// Parses the cluster list: a CSV file with a header row naming at least
// cluster_en, hub_type, latitude and longitude (optional: hub_en,
// proxy_admin_unit, adcode). The id is cluster_en without a trailing
// "cluster", slugged ("Gui'an cluster" -> "guian"); the name is
// "<cluster_en> (<hub_en>)"; hub_type must start with "demand_hub" or
// "resource_hub"; the grid zone is the ISO 3166-2:CN code of the adcode's
// province. Errors read "<source_name>:<line>: <what>".
absl::StatusOr<std::vector<SiteSeed>> ParseSiteSeedsCsv(std::string_view csv,
                                                        std::string_view source_name);

// Reads `path` and parses it, with the path as source name.
absl::StatusOr<std::vector<SiteSeed>> ReadSiteSeedsCsvFile(const std::string& path);

// A demo service: "llm-inference" at anycast 2001:db8:cafe:1::/64, TCP 443.
// Sizes and service time follow the means of the Azure LLM inference trace
// (conversation, 2023): 1155 prompt and 211 generated tokens, at 4 bytes a
// token and ~19 ms a generated token: 4620 B request, 844 B response,
// 4000 ms service time; latency bound 10000 ms.
cpn::compute::v1::Service DefaultLlmInferenceService();

}  // namespace cpn::topology

#endif  // CPN_CONTROLLER_TOPOLOGY_SITE_ATTACH_H_
