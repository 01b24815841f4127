// Topology files: text-format round trips, positioned parse errors, GraphML
// dispatch, and every Topology Zoo file that imports also validating as a
// NetworkModel (the controller's own check).
#include <filesystem>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "controller/model/network_model.h"
#include "controller/topology/text_format.h"
#include "controller/topology/topology_file.h"
#include "google/protobuf/util/message_differencer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cpn::topology {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::testing::HasSubstr;

constexpr char kShipped[] = "lab/topologies/chinanet-edwc.txtpb";

TEST(TopologyFile, ShippedChinanetRoundTripsThroughTextAndModel) {
  auto loaded = LoadTopologyFile(kShipped);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->routers_size(), 38);
  EXPECT_EQ(loaded->sites_size(), 10);

  const std::string text = FormatTopologyText(*loaded, "header line 1\nheader line 2");
  EXPECT_THAT(text, HasSubstr("# header line 1\n# header line 2\n"));
  auto reparsed = ParseTopologyText(text, "roundtrip.txtpb");
  ASSERT_TRUE(reparsed.ok()) << reparsed.status();
  EXPECT_TRUE(MessageDifferencer::Equals(*loaded, *reparsed));

  auto model = model::NetworkModel::Build(*reparsed);
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_TRUE(MessageDifferencer::Equals((*model)->ToProto(), *loaded));
}

TEST(TopologyFile, SyntaxErrorNamesFileLineAndColumn) {
  const std::string text =
      "name: \"x\"\n"
      "routers {\n"
      "  id: \"a\"\n"
      "  nmae: \"typo\"\n"
      "}\n";
  auto parsed = ParseTopologyText(text, "bad.txtpb");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(parsed.status().message(), HasSubstr("bad.txtpb:4:"));
  EXPECT_THAT(parsed.status().message(), HasSubstr("nmae"));
}

TEST(TopologyFile, WrongValueTypeIsReported) {
  auto parsed = ParseTopologyText("links { capacity_bps: \"fast\" }\n", "t.txtpb");
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.status().message(), HasSubstr("t.txtpb:1:"));
}

TEST(TopologyFile, MissingFileIsNamed) {
  auto loaded = LoadTopologyFile("lab/topologies/no-such-file.txtpb");
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr("no-such-file.txtpb"));
}

TEST(TopologyFile, OverlayOnTextFileIsRejected) {
  LoadOptions options;
  options.overlay_path = "lab/topologies/chinanet.overlay.txtpb";
  auto loaded = LoadTopologyFile(kShipped, options);
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr("GraphML files only"));
}

TEST(TopologyFile, GraphmlWithOverlayAndDefaultServiceValidates) {
  LoadOptions options;
  options.overlay_path = "lab/topologies/cernet.overlay.txtpb";
  options.add_default_service = true;
  auto loaded = LoadTopologyFile("lab/topologies/Cernet.graphml", options);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ(loaded->services_size(), 1);
  auto model = model::NetworkModel::Build(*loaded);
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_GT((*model)->num_links(), 50u);
}

TEST(TopologyFile, SaveThenLoadGivesTheSameTopology) {
  auto loaded = LoadTopologyFile(kShipped);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const std::string path = ::testing::TempDir() + "/saved-" + std::to_string(::getpid()) + ".txtpb";
  ASSERT_TRUE(SaveTopologyFile(path, *loaded, "saved by a test").ok());
  auto again = LoadTopologyFile(path);
  std::filesystem::remove(path);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(MessageDifferencer::Equals(*loaded, *again));
}

// Every zoo file that imports (dropping nodes without coordinates) must also
// be a valid model; a file that does not import must say which file.
TEST(TopologyFile, EveryZooImportValidatesAsModel) {
  const std::filesystem::path dir =
      std::filesystem::path(CPN_SHARED_DATA_DIR) / "topologies/topologyzoo/graphml";
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << "no Topology Zoo at " << dir;
  int files = 0, imported = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".graphml") continue;
    ++files;
    LoadOptions options;
    options.graphml.drop_unplaced = true;
    options.add_default_service = true;
    auto loaded = LoadTopologyFile(entry.path().string(), options);
    if (!loaded.ok()) {
      EXPECT_THAT(loaded.status().message(), HasSubstr(entry.path().filename().string()));
      continue;
    }
    ++imported;
    auto model = model::NetworkModel::Build(*loaded);
    EXPECT_TRUE(model.ok()) << entry.path() << ": " << model.status();
  }
  EXPECT_EQ(files, 276);
  EXPECT_GT(imported, 250);
  std::printf("zoo: %d files, %d import and validate as models\n", files, imported);
}

}  // namespace
}  // namespace cpn::topology
