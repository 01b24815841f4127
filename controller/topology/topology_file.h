// Loading and saving topology files. A file is either a topology text file
// (".txtpb", cpn.topology.v1.Topology in protobuf text format) or an Internet
// Topology Zoo GraphML file (".graphml"), optionally corrected by an import
// overlay and extended with compute sites from a site list.
//
// Does file I/O; call from control threads only (the CLI, the controller's
// API thread), never from decision code.
#ifndef CPN_CONTROLLER_TOPOLOGY_TOPOLOGY_FILE_H_
#define CPN_CONTROLLER_TOPOLOGY_TOPOLOGY_FILE_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "controller/topology/graphml_import.h"
#include "cpn/topology/v1/topology.pb.h"

namespace cpn::topology {

struct LoadOptions {
  // GraphML only: import overlay file (protobuf text of ImportOverlay).
  std::string overlay_path;
  // Optional site list (East-Data-West-Computing CSV format) whose sites are
  // attached to their nearest routers with the default site plan.
  std::string sites_csv_path;
  // Add the default "llm-inference" service when the topology has none.
  bool add_default_service = false;
  // GraphML import options (route factor, default capacity, ...).
  GraphmlImportOptions graphml;
};

// Reads `path`; the format follows the extension (".graphml" or anything
// else as text). Errors name the file and, for text, line and column.
absl::StatusOr<cpn::topology::v1::Topology> LoadTopologyFile(const std::string& path,
                                                             const LoadOptions& options = {});

// Writes `topology` as a text file with `header_comment` on top.
absl::Status SaveTopologyFile(const std::string& path,
                              const cpn::topology::v1::Topology& topology,
                              std::string_view header_comment = {});

}  // namespace cpn::topology

#endif  // CPN_CONTROLLER_TOPOLOGY_TOPOLOGY_FILE_H_
