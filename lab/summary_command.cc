#include "lab/summary_command.h"

#include <boost/program_options.hpp>
#include <cmath>
#include <cstdio>

#include "absl/strings/str_format.h"
#include "controller/model/network_model.h"
#include "controller/model/summary.h"
#include "controller/topology/topology_file.h"

namespace cpn::lab {
namespace {

namespace po = boost::program_options;

// One line per site: where it attaches and what it serves.
void PrintSites(const model::NetworkModel& model, std::ostream& out) {
  if (model.sites().empty()) return;
  out << absl::StrFormat("\n%-36s %-14s %8s  %s\n", "site", "router", "servers", "services");
  for (const model::Site& site : model.sites()) {
    uint64_t servers = 0;
    std::string services;
    for (const model::Placement& p : model.placements_of(*model.FindSite(site.id))) {
      servers += p.servers;
      if (!services.empty()) services += ",";
      services += model.service(p.service).id;
    }
    out << absl::StrFormat("%-36s %-14s %8d  %s%s\n", site.id,
                           model.router(site.attachment.router).id, servers, services,
                           site.up ? "" : "  (down)");
  }
}

}  // namespace

int RunSummaryCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description desc(
      "Usage: cpn-lab summary FILE [options]\n"
      "Loads a topology (.txtpb text file or Topology Zoo .graphml), validates it\n"
      "and prints its summary.\nOptions");
  std::string file, overlay, sites_csv;
  double route_factor = 0, default_capacity_gbps = 0;
  bool drop_unplaced = false, default_service = false;
  desc.add_options()("help,h", "show this help")(
      "overlay", po::value(&overlay), "GraphML import overlay (.txtpb)")(
      "sites-csv", po::value(&sites_csv), "attach the sites of this CSV to their nearest routers")(
      "default-service", po::bool_switch(&default_service),
      "add the default llm-inference service when the topology has none")(
      "route-factor", po::value(&route_factor), "GraphML: fibre route factor (default 1.3)")(
      "default-capacity-gbps", po::value(&default_capacity_gbps),
      "GraphML: capacity of links without LinkSpeedRaw (default 10)")(
      "drop-unplaced", po::bool_switch(&drop_unplaced),
      "GraphML: drop nodes without coordinates instead of failing");
  po::options_description hidden;
  hidden.add_options()("file", po::value(&file));
  po::options_description all;
  all.add(desc).add(hidden);
  po::positional_options_description positional;
  positional.add("file", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    err << "cpn-lab summary: " << e.what() << "\n" << desc << "\n";
    return 2;
  }
  if (vm.count("help")) {
    out << desc << "\n";
    return 0;
  }
  if (file.empty()) {
    err << "cpn-lab summary: missing FILE\n" << desc << "\n";
    return 2;
  }

  topology::LoadOptions options;
  options.overlay_path = overlay;
  options.sites_csv_path = sites_csv;
  options.add_default_service = default_service;
  options.graphml.drop_unplaced = drop_unplaced;
  if (vm.count("route-factor")) options.graphml.route_factor = route_factor;
  if (vm.count("default-capacity-gbps")) {
    options.graphml.default_capacity_bps =
        static_cast<uint64_t>(std::llround(default_capacity_gbps * 1e9));
  }
  auto topology = topology::LoadTopologyFile(file, options);
  if (!topology.ok()) {
    err << "cpn-lab summary: " << topology.status().message() << "\n";
    return 1;
  }
  auto model = model::NetworkModel::Build(*topology);
  if (!model.ok()) {
    err << "cpn-lab summary: " << file << " does not validate:\n" << model.status().message()
        << "\n";
    return 1;
  }
  out << model::FormatSummary(model::Summarize(**model));
  PrintSites(**model, out);
  if (topology->has_provenance() && !topology->provenance().source().empty()) {
    out << "\nsource: " << topology->provenance().source();
    if (!topology->provenance().license().empty()) {
      out << " (" << topology->provenance().license() << ")";
    }
    out << "\n";
  }
  return 0;
}

}  // namespace cpn::lab
