// The API contract guard: fails when a line of the committed snapshot
// proto/contract/api_contract.txt no longer holds for the compiled-in protos
// (a released field, enum value or RPC changed or disappeared). See
// docs/api.md, "The contract guard".
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "proto/tools/compiled_files.h"
#include "proto/tools/contract.h"

namespace cpn::proto_contract {
namespace {

const std::filesystem::path kSourceDir = CPN_SOURCE_DIR;

std::vector<std::string> CurrentContract() {
  auto files = CompiledCpnFiles();
  EXPECT_TRUE(files.ok()) << files.status();
  return files.ok() ? RenderContract(*files) : std::vector<std::string>{};
}

TEST(ProtoContractGuard, CommittedSnapshotStillHolds) {
  const auto path = kSourceDir / "proto/contract/api_contract.txt";
  std::ifstream in(path);
  ASSERT_TRUE(in) << "cannot read " << path << "; create it with scripts/update-proto-contract.sh";
  std::stringstream text;
  text << in.rdbuf();
  const auto snapshot = ParseContractFile(text.str());
  ASSERT_FALSE(snapshot.empty()) << path << " holds no contract lines";

  const auto current = CurrentContract();
  const auto violations = FindViolations(snapshot, current);
  EXPECT_TRUE(violations.empty()) << FormatViolations(violations);

  const auto additions = FindAdditions(snapshot, current);
  if (!additions.empty()) {
    std::cout << additions.size()
              << " contract line(s) are new and not yet protected by the snapshot; run "
                 "scripts/update-proto-contract.sh to add them, e.g.\n  "
              << additions.front() << "\n";
  }
}

TEST(ProtoContractGuard, EveryProtoFileInTheTreeIsCompiledIn) {
  std::vector<std::string> in_tree;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(kSourceDir / "proto/cpn")) {
    if (entry.is_regular_file() && entry.path().extension() == ".proto") {
      in_tree.push_back(entry.path().lexically_relative(kSourceDir / "proto").generic_string());
    }
  }
  std::sort(in_tree.begin(), in_tree.end());
  EXPECT_EQ(in_tree, CpnProtoFileNames()) << "re-run cmake: the proto file list is stale";
  const auto files = CompiledCpnFiles();
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_EQ(files->size(), in_tree.size());
}

}  // namespace
}  // namespace cpn::proto_contract
