// Import of Internet Topology Zoo GraphML files (http://www.topology-zoo.org/)
// into a cpn.topology.v1.Topology: nodes become routers, edges become links
// with delays derived from geography. Operator corrections come from an
// ImportOverlay (import_overlay.h); every default and correction applied is
// listed in the result's provenance notes. See docs/topologies.md.
//
// Everything here is pure (text in, message out) and deterministic, except
// ImportGraphmlFile, which reads files. Callable from any thread.
#ifndef CPN_CONTROLLER_TOPOLOGY_GRAPHML_IMPORT_H_
#define CPN_CONTROLLER_TOPOLOGY_GRAPHML_IMPORT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "cpn/topology/v1/import.pb.h"
#include "cpn/topology/v1/topology.pb.h"

namespace cpn::topology {

// Built-in defaults, used when neither the options nor the overlay set them.
// Fibre routes run longer than the great circle; 1.3 is mid-range of the
// 1.2-1.5 usually measured for long-haul backbones.
inline constexpr double kDefaultRouteFactor = 1.3;
// Capacity of links whose edge carries no LinkSpeedRaw: 10 Gbit/s.
inline constexpr uint64_t kDefaultCapacityBps = 10'000'000'000;
// Floor of derived propagation delays, for edges whose ends share a
// location: 5 us, i.e. 1 km of fibre.
inline constexpr uint64_t kMinPropagationDelayUs = 5;

struct GraphmlImportOptions {
  // Fibre route length over great-circle distance. Unset: the overlay's
  // value, else kDefaultRouteFactor. Must be in [1, 10].
  std::optional<double> route_factor;
  // Capacity of links without LinkSpeedRaw. Unset: the overlay's value, else
  // kDefaultCapacityBps. Must be > 0.
  std::optional<uint64_t> default_capacity_bps;
  // Drop nodes that have no coordinates (and no overlay placement), with
  // their edges, instead of failing. Each drop is recorded in the notes.
  bool drop_unplaced = false;
  // Block the SRv6 locators are taken from (prefix length < 48, with room
  // for every router): the n-th router (1-based, file order) gets the n-th
  // /48 in it, e.g. fcbb:bb00:1::/48, and the loopback <locator>::1.
  std::string locator_block = "fcbb:bb00::/32";
  // Roles given to every imported router.
  std::vector<cpn::topology::v1::RouterRole> router_roles = {
      cpn::topology::v1::ROUTER_ROLE_CORE, cpn::topology::v1::ROUTER_ROLE_INGRESS};
  // Name of the overlay in messages and notes (its file name, usually).
  std::string overlay_name = "overlay";
};

struct ImportResult {
  // The imported network; sites and services are empty.
  cpn::topology::v1::Topology topology;
  // Counts in the file, before drops and skips.
  int graphml_nodes = 0;
  int graphml_edges = 0;
  // Router id of every imported node, by GraphML node id.
  std::map<std::string, std::string> router_id_by_graphml_id;
};

// Imports one GraphML document. `source_name` (usually the file path) starts
// every error message; its base name goes into the provenance. `overlay`
// may be null; it is checked (CheckImportOverlay) and applied: placements,
// drops, renames, link overrides, defaults. Errors are INVALID_ARGUMENT (or
// NOT_FOUND for overlay selectors matching nothing) and say which file,
// which line and element, and what is wrong, e.g.
//   Chinanet.graphml:158: node "10" ("International Link 1") has no
//   coordinates (Latitude and Longitude missing), nor have 3 other nodes: ...
//   Foo.graphml:88: edge #12 (source "3", target "99"): target "99" is not
//   a node of the graph
//   Foo.graphml:12:11: malformed XML: invalid closing tag name
// Edges without an id attribute are numbered from 1 in file order.
absl::StatusOr<ImportResult> ImportGraphml(std::string_view xml, std::string_view source_name,
                                           const GraphmlImportOptions& options,
                                           const cpn::topology::v1::ImportOverlay* overlay);

// Reads `path` and imports it; `path` is the source name.
absl::StatusOr<ImportResult> ImportGraphmlFile(const std::string& path,
                                               const GraphmlImportOptions& options,
                                               const cpn::topology::v1::ImportOverlay* overlay);

}  // namespace cpn::topology

#endif  // CPN_CONTROLLER_TOPOLOGY_GRAPHML_IMPORT_H_
