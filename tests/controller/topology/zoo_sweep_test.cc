// Imports every Internet Topology Zoo file of the shared data set
// ($CPN_SHARED_DATA_DIR/topologies/topologyzoo/graphml), twice: strictly
// (defaults, no overlay) and with --drop-unplaced. Every file must either
// import into a sound topology or fail with a message that names the file
// and a known reason. Prints a tally.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "controller/topology/graphml_import.h"
#include "controller/topology/import_overlay.h"
#include "gtest/gtest.h"
#include "tests/controller/topology/topology_invariants.h"

namespace cpn::topology {
namespace {

namespace fs = std::filesystem;

const fs::path kZoo = fs::path(CPN_SHARED_DATA_DIR) / "topologies/topologyzoo/graphml";

// Known failure reasons, by a phrase of the message.
const std::vector<std::pair<std::string, std::string>> kReasons = {
    {"has no coordinates", "nodes without coordinates"},
    {"is not a number", "non-numeric coordinate"},
    {"out of range", "coordinate out of range"},
    {"malformed XML", "malformed XML"},
    {"is not a node of the graph", "edge to unknown node"},
    {"LinkSpeedRaw", "bad LinkSpeedRaw"},
    {"no nodes left", "no nodes left"},
    {"no edges left", "no links left"},
};

std::vector<fs::path> ZooFiles() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kZoo)) {
    if (entry.path().extension() == ".graphml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

struct Tally {
  int imported = 0;
  int routers = 0;
  int links = 0;
  std::map<std::string, int> reasons;
  std::vector<std::string> failures;  // test failures
};

void Sweep(const std::vector<fs::path>& files, const GraphmlImportOptions& options, Tally& tally) {
  for (const fs::path& path : files) {
    const std::string name = path.string();
    absl::StatusOr<std::string> xml = ReadImportFile(name);
    ASSERT_TRUE(xml.ok()) << xml.status();
    absl::StatusOr<ImportResult> r = ImportGraphml(*xml, name, options, nullptr);
    if (r.ok()) {
      ++tally.imported;
      tally.routers += r->topology.routers_size();
      tally.links += r->topology.links_size();
      std::vector<std::string> problems = testing::CheckTopologyInvariants(r->topology);
      if (!problems.empty()) {
        tally.failures.push_back(
            absl::StrCat(name, ": inconsistent topology: ", absl::StrJoin(problems, "; ")));
      }
      if (r->topology.routers_size() > r->graphml_nodes ||
          r->topology.links_size() > r->graphml_edges) {
        tally.failures.push_back(absl::StrCat(name, ": more routers or links than in the file"));
      }
      if (r->topology.provenance().notes().empty() ||
          r->topology.provenance().license() != "CC BY 4.0") {
        tally.failures.push_back(absl::StrCat(name, ": provenance incomplete"));
      }
      continue;
    }
    const std::string message(r.status().message());
    if (!absl::StartsWith(message, name)) {
      tally.failures.push_back(absl::StrCat(name, ": error does not name the file: ", message));
    }
    std::string reason;
    for (const auto& [phrase, label] : kReasons) {
      if (absl::StrContains(message, phrase)) {
        reason = label;
        break;
      }
    }
    if (reason.empty()) {
      tally.failures.push_back(absl::StrCat(name, ": unexpected error: ", message));
      reason = "other";
    }
    ++tally.reasons[reason];
  }
}

void Print(const std::string& title, const Tally& t, size_t files) {
  std::cout << title << ": " << files << " files, " << t.imported << " imported (" << t.routers
            << " routers, " << t.links << " links), " << files - t.imported << " failed\n";
  for (const auto& [reason, count] : t.reasons) {
    std::cout << "  failed: " << reason << ": " << count << "\n";
  }
}

TEST(TopologyImportZooSweepTest, EveryFileImportsOrSaysWhy) {
  if (!fs::is_directory(kZoo)) GTEST_SKIP() << kZoo << " is absent (shared data not installed)";
  const std::vector<fs::path> files = ZooFiles();
  ASSERT_FALSE(files.empty());
  const auto start = std::chrono::steady_clock::now();

  Tally strict;
  Sweep(files, GraphmlImportOptions(), strict);
  GraphmlImportOptions dropping;
  dropping.drop_unplaced = true;
  Tally lenient;
  Sweep(files, dropping, lenient);

  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  Print("strict", strict, files.size());
  Print("--drop-unplaced", lenient, files.size());
  std::cout << "sweep took " << seconds << " s\n";

  for (const std::string& f : strict.failures) ADD_FAILURE() << "strict: " << f;
  for (const std::string& f : lenient.failures) ADD_FAILURE() << "--drop-unplaced: " << f;
  // Strict import fails only for want of coordinates, so dropping unplaced
  // nodes must do at least as well.
  EXPECT_GE(lenient.imported, strict.imported);
  EXPECT_GT(strict.imported, 0);
  EXPECT_LT(seconds, 20.0);
}

}  // namespace
}  // namespace cpn::topology
