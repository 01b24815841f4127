// cpn-proto-contract: prints the API contract of the compiled-in CPN protos,
// or checks a committed snapshot against them.
//
//   cpn-proto-contract                 print the contract file to stdout
//   cpn-proto-contract --check FILE    exit 1 and print what broke when FILE
//                                      no longer holds; exit 0 otherwise
//
// Exit codes: 0 ok, 1 contract broken, 2 usage or I/O error.
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>

#include "proto/tools/compiled_files.h"
#include "proto/tools/contract.h"

namespace {

constexpr std::string_view kUsage =
    "usage: cpn-proto-contract [--check SNAPSHOT_FILE]\n"
    "  Without arguments, prints the API contract of the compiled-in CPN protos.\n"
    "  With --check, compares SNAPSHOT_FILE with them: exit 0 when every snapshot\n"
    "  line still holds, 1 (listing the broken lines) when not, 2 on errors.\n";

int Check(const std::vector<std::string>& current, const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    std::cerr << "cpn-proto-contract: cannot read " << path << "\n";
    return 2;
  }
  std::stringstream text;
  text << in.rdbuf();
  const auto snapshot = cpn::proto_contract::ParseContractFile(text.str());
  const auto violations = cpn::proto_contract::FindViolations(snapshot, current);
  const auto additions = cpn::proto_contract::FindAdditions(snapshot, current);
  if (!violations.empty()) {
    std::cout << cpn::proto_contract::FormatViolations(violations);
    return 1;
  }
  std::cout << path << ": holds (" << snapshot.size() << " lines; " << additions.size()
            << " new line(s) not yet in the snapshot)\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const auto files = cpn::proto_contract::CompiledCpnFiles();
  if (!files.ok()) {
    std::cerr << "cpn-proto-contract: " << files.status().message() << "\n";
    return 2;
  }
  const auto current = cpn::proto_contract::RenderContract(*files);
  if (argc == 1) {
    std::cout << cpn::proto_contract::FormatContractFile(current);
    return 0;
  }
  if (argc == 3 && std::string_view(argv[1]) == "--check") return Check(current, argv[2]);
  const bool help =
      argc == 2 && (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h");
  (help ? std::cout : std::cerr) << kUsage;
  return help ? 0 : 2;
}
