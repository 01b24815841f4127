#include "controller/topology/topology_file.h"

#include <fstream>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "controller/topology/import_overlay.h"
#include "controller/topology/site_attach.h"
#include "controller/topology/text_format.h"

namespace cpn::topology {

absl::StatusOr<v1::Topology> LoadTopologyFile(const std::string& path, const LoadOptions& options) {
  v1::Topology topology;
  if (absl::EndsWithIgnoreCase(path, ".graphml")) {
    std::optional<v1::ImportOverlay> overlay;
    GraphmlImportOptions graphml = options.graphml;
    if (!options.overlay_path.empty()) {
      ASSIGN_OR_RETURN(overlay, ReadImportOverlayFile(options.overlay_path));
      graphml.overlay_name = options.overlay_path;
    }
    ASSIGN_OR_RETURN(ImportResult result,
                     ImportGraphmlFile(path, graphml, overlay ? &*overlay : nullptr));
    topology = std::move(result.topology);
  } else {
    if (!options.overlay_path.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": an import overlay applies to GraphML files only"));
    }
    ASSIGN_OR_RETURN(std::string text, ReadImportFile(path));
    ASSIGN_OR_RETURN(topology, ParseTopologyText(text, path));
  }
  if (options.add_default_service && topology.services_size() == 0) {
    *topology.add_services() = DefaultLlmInferenceService();
  }
  if (!options.sites_csv_path.empty()) {
    ASSIGN_OR_RETURN(auto seeds, ReadSiteSeedsCsvFile(options.sites_csv_path));
    RETURN_IF_ERROR(AttachSitesNearest(topology, seeds, SiteDefaults()).status());
  }
  return topology;
}

absl::Status SaveTopologyFile(const std::string& path, const v1::Topology& topology,
                              std::string_view header_comment) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return absl::PermissionDeniedError(absl::StrCat(path, ": cannot open for writing"));
  out << FormatTopologyText(topology, header_comment);
  out.close();
  if (!out) return absl::DataLossError(absl::StrCat(path, ": write failed"));
  return absl::OkStatus();
}

}  // namespace cpn::topology
