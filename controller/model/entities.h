// The entities of a NetworkModel snapshot, as the model interprets them:
// references resolved to dense indices, addresses parsed, defaults applied.
// Fields the model does not interpret (names of places, power profiles,
// provenance, ...) stay in the source proto, NetworkModel::proto().
//
// Entities are owned by their NetworkModel and immutable once it is built;
// references to them are valid while the snapshot (its shared_ptr) lives.
#ifndef CPN_CONTROLLER_MODEL_ENTITIES_H_
#define CPN_CONTROLLER_MODEL_ENTITIES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "controller/model/index.h"
#include "controller/model/ip_address.h"
#include "cpn/compute/v1/compute.pb.h"
#include "cpn/topology/v1/topology.pb.h"

namespace cpn::model {

// SRLG ids at or above this value are reserved for the SRLGs the model
// derives from fibres: fibre f gets kFirstDerivedSrlg + f (its FiberIndex).
// Operator-configured SRLGs must be below it. Derived ids are stable only
// within one snapshot; explain them with NetworkModel::FiberOfSrlg().
inline constexpr uint32_t kFirstDerivedSrlg = 0xFF000000u;

// IGP metrics are IS-IS wide metrics: 1 .. kMaxIgpMetric (2^24 - 2; 2^24 - 1
// means "do not use this link" in RFC 5305).
inline constexpr uint32_t kMaxIgpMetric = (1u << 24) - 2;

struct GeoPoint {
  double latitude_deg = 0;
  double longitude_deg = 0;
};

struct Router {
  std::string id;
  std::string name;
  std::optional<GeoPoint> location;
  // The SRv6 locator (length 16..64); every SID of the router is inside it.
  Ipv6Prefix srv6_locator;
  // Source address of SRv6 encapsulation: Router.loopback_ipv6, or the
  // locator's ::1 when that is empty (then loopback_defaulted is true).
  // Always inside srv6_locator.
  Ipv6Address loopback;
  bool loopback_defaulted = false;
  // Bit (1 << RouterRole) is set for every role listed.
  uint32_t role_bits = 0;
  // Admin state UP or UNSPECIFIED.
  bool up = true;
  // Sites attached to this router, in site order.
  std::vector<SiteIndex> sites;

  bool HasRole(cpn::topology::v1::RouterRole role) const {
    return (role_bits >> static_cast<int>(role)) & 1u;
  }
};

struct LinkEnd {
  RouterIndex router;
  std::string interface;
  std::optional<Ipv6InterfaceAddress> ipv6_address;
  std::optional<MacAddress> mac_address;
};

// A full-duplex link; it gives arcs ArcOf(l, kAToB) and ArcOf(l, kBToA).
struct Link {
  std::string id;
  LinkEnd a;
  LinkEnd b;
  // One-way propagation delay, microseconds (the same both ways).
  uint64_t delay_us = 0;
  // Capacity of each direction, bits per second; > 0.
  uint64_t capacity_bps = 0;
  // Effective IGP metric: the configured one, or when that is 0,
  // clamp(delay_us, 1, kMaxIgpMetric): one metric unit per microsecond.
  uint32_t igp_metric = 1;
  bool igp_metric_derived = false;
  // Lightpaths the link rides, in the order given.
  std::vector<LightpathIndex> lightpaths;
  // Every SRLG of the link, ascending by id: the configured ones, those of
  // the fibres under its lightpaths, and one derived SRLG per such fibre.
  std::vector<uint32_t> srlg_ids;
  std::vector<SrlgIndex> srlgs;  // the same SRLGs as dense indices
  // Admin state UP or UNSPECIFIED (the routers' states are not folded in;
  // see NetworkModel::arc_in_service()).
  bool up = true;

  RouterIndex router(ArcDirection from) const {
    return from == ArcDirection::kAToB ? a.router : b.router;
  }
};

struct OpticalNode {
  std::string id;
  std::string name;
  std::optional<GeoPoint> location;
  cpn::topology::v1::OpticalNodeKind kind = cpn::topology::v1::OPTICAL_NODE_KIND_UNSPECIFIED;
  std::optional<RouterIndex> colocated_router;
};

struct Fiber {
  std::string id;
  OpticalNodeIndex a;
  OpticalNodeIndex b;
  double length_km = 0;
  uint32_t channel_count = 0;
  // Operator SRLGs of the fibre, ascending, duplicates removed.
  std::vector<uint32_t> configured_srlg_ids;
  // kFirstDerivedSrlg + this fibre's index.
  uint32_t derived_srlg_id = 0;
  // Lightpaths using this fibre, in lightpath order.
  std::vector<LightpathIndex> lightpaths;
};

struct Lightpath {
  std::string id;
  OpticalNodeIndex a;
  OpticalNodeIndex z;
  // Fibres from a to z; consecutive fibres share a node.
  std::vector<FiberIndex> fibers;
  uint32_t channel = 0;
  double wavelength_nm = 0;
  // 0: not set (no capacity check).
  uint64_t line_rate_bps = 0;
  // Links riding this lightpath, in link order.
  std::vector<LinkIndex> links;
};

// A distinct SRLG id used by at least one link.
struct Srlg {
  uint32_t id = 0;
  // Set when the model derived this SRLG from a fibre (id >=
  // kFirstDerivedSrlg); unset for operator SRLGs.
  std::optional<FiberIndex> derived_from;
  // Links in this SRLG, ascending.
  std::vector<LinkIndex> links;
};

// One service hosted at one site (a SiteServiceCapacity entry), with
// defaults applied. The unit the optimiser assigns demand to.
struct Placement {
  SiteIndex site;
  ServiceIndex service;
  // Parallel servers, the c of the site's M/M/c queue; > 0.
  uint32_t servers = 0;
  // Mean service time of one request on one server (1/µ), milliseconds;
  // the site's override, else the service's default. > 0.
  double mean_service_time_ms = 0;
  bool service_time_from_site = false;
  // Weight used without live metrics: the configured one, else
  // servers / service time in requests per second (c·µ).
  double static_weight = 0;
  bool static_weight_derived = false;
};

struct SiteAttachment {
  RouterIndex router;
  std::string interface;
  // End.DX6 next hop when set, else End.DT6.
  std::optional<Ipv6Address> next_hop_ipv6;
  // End.DX4 next hop; unset when the site has no IPv4.
  std::optional<Ipv4Address> next_hop_ipv4;
  std::vector<Ipv6Prefix> site_prefixes_ipv6;
  std::vector<Ipv4Prefix> site_prefixes_ipv4;
};

struct Site {
  std::string id;
  std::string name;
  std::optional<GeoPoint> location;
  SiteAttachment attachment;
  // This site's placements are placements()[first_placement ..
  // first_placement + num_placements), in the order of Site.capacities.
  uint32_t first_placement = 0;
  uint32_t num_placements = 0;
  bool up = true;
};

struct PortRange {
  uint16_t first = 0;
  uint16_t last = 0;  // >= first (a proto `last` of 0 is resolved to first)
};

struct Service {
  std::string id;
  std::string name;
  // The CS-ID.
  Ipv6Prefix anycast_prefix;
  std::optional<Ipv4Prefix> anycast_prefix_ipv4;
  cpn::compute::v1::Protocol protocol = cpn::compute::v1::PROTOCOL_UNSPECIFIED;
  // Empty: any port.
  std::vector<PortRange> ports;
  // 0: no bound.
  double latency_bound_ms = 0;
  uint64_t mean_request_bytes = 0;
  uint64_t mean_response_bytes = 0;
  // Default service time; 0 when every hosting site sets its own.
  double mean_service_time_ms = 0;
  // Where the service is hosted, in site order.
  std::vector<PlacementIndex> placements;
};

}  // namespace cpn::model

#endif  // CPN_CONTROLLER_MODEL_ENTITIES_H_
