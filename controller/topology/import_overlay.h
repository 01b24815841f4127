// Import overlays: operator corrections applied while importing a foreign
// topology file (message cpn.topology.v1.ImportOverlay, in
// proto/cpn/topology/v1/import.proto). This file reads and checks them; the
// importers (graphml_import.h) apply them. It also holds small helpers the
// importers share (ids, address plans). Pure functions except the Read*File
// wrappers, which read one file; callable from any thread.
#ifndef CPN_CONTROLLER_TOPOLOGY_IMPORT_OVERLAY_H_
#define CPN_CONTROLLER_TOPOLOGY_IMPORT_OVERLAY_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cpn/topology/v1/import.pb.h"

namespace cpn::topology {

// Parses an overlay written in protobuf text format and checks it as far as
// it can be checked without the network it applies to (see
// CheckImportOverlay). Every error reads
// "<source_name>:<line>:<column>: <what was wrong>", 1-based.
absl::StatusOr<cpn::topology::v1::ImportOverlay> ParseImportOverlay(std::string_view text,
                                                                    std::string_view source_name);

// ReadImportFile + ParseImportOverlay, with the path as source name.
absl::StatusOr<cpn::topology::v1::ImportOverlay> ReadImportOverlayFile(const std::string& path);

// Context-free checks of an overlay: every selector set and not empty,
// locations present and in range, router ids valid, route factor in
// [1, 10], capacities and metrics > 0, every link override overriding
// something. Errors read "<source_name>: <field path>: <what>", e.g.
// "chinanet.overlay.txtpb: placements[1].location: latitude_deg 95 is
// out of range -90..90".
absl::Status CheckImportOverlay(const cpn::topology::v1::ImportOverlay& overlay,
                                std::string_view source_name);

// `label "Hong Kong"` or `graphml_id "23"`, for messages.
std::string DescribeSelector(const cpn::topology::v1::NodeSelector& selector);

// ---------------------------------------------------------------------------
// Helpers shared by the importers (GraphML, site attachment).

// Reads a whole file into memory. The error names the path.
absl::StatusOr<std::string> ReadImportFile(const std::string& path);

// Whether `id` is a valid entity id: not empty, only ASCII letters, digits,
// '.', '_' and '-'.
bool IsValidEntityId(std::string_view id);

// Derives an entity id from a display name: lower case ASCII; common Latin
// accented letters lose their accents; apostrophes vanish ("Xi'an" ->
// "xian"); every other run of characters becomes one '-'; leading and
// trailing '-' are trimmed. Returns "" when nothing is left.
std::string SlugifyId(std::string_view name);

// The `index`-th prefix of length `sub_length` inside the IPv6 prefix
// `block` ("fcbb:bb00::/32", 48, 5 -> "fcbb:bb00:5::/48"). Fails when the
// block does not parse, is longer than sub_length, or has no such index.
absl::StatusOr<std::string> NthIpv6Subprefix(std::string_view block, int sub_length,
                                             uint64_t index);

// The address `host` inside the IPv6 prefix `prefix` (prefix base + host,
// host < 2^64 placed in the low bits), without length:
// ("2001:db8:5:1::/64", 2) -> "2001:db8:5:1::2". Fails when host does not
// fit in the prefix's host bits.
absl::StatusOr<std::string> Ipv6HostAddress(std::string_view prefix, uint64_t host);

}  // namespace cpn::topology

#endif  // CPN_CONTROLLER_TOPOLOGY_IMPORT_OVERLAY_H_
