// The human-editable topology file: a cpn.topology.v1.Topology in protobuf
// text format (".txtpb"). Parsing and printing are pure (strings in and out);
// file access lives in topology_file.h. Callable from any thread.
#ifndef CPN_CONTROLLER_TOPOLOGY_TEXT_FORMAT_H_
#define CPN_CONTROLLER_TOPOLOGY_TEXT_FORMAT_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "cpn/topology/v1/topology.pb.h"

namespace cpn::topology {

// Parses `text`. Errors are INVALID_ARGUMENT and read
// "<source_name>:<line>:<column>: <what>" for every problem found, e.g.
// `chinanet.txtpb:12:5: Message type "cpn.topology.v1.Router" has no field named "nmae".`
// Only syntax and field names/types are checked here; NetworkModel::Build
// validates meaning (references, prefixes, capacities).
absl::StatusOr<cpn::topology::v1::Topology> ParseTopologyText(std::string_view text,
                                                              std::string_view source_name);

// Prints `topology` in text format, preceded by `header_comment` lines (each
// prefixed with "# "). ParseTopologyText(FormatTopologyText(t)) == t.
std::string FormatTopologyText(const cpn::topology::v1::Topology& topology,
                               std::string_view header_comment = {});

}  // namespace cpn::topology

#endif  // CPN_CONTROLLER_TOPOLOGY_TEXT_FORMAT_H_
