// cpn-lab: the CPN testbed. Subcommands:
//   summary FILE   load, validate and summarise a topology file
// (The emulated-network lab and the flow-level simulator join here.)
#include <iostream>
#include <string>
#include <vector>

#include "lab/summary_command.h"

namespace {

constexpr char kUsage[] =
    "Usage: cpn-lab COMMAND [args]\n"
    "Commands:\n"
    "  summary FILE   load a topology (.txtpb or .graphml), validate it, print its summary\n"
    "Run 'cpn-lab COMMAND --help' for a command's options.\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    (argc < 2 ? std::cerr : std::cout) << kUsage;
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "summary") return cpn::lab::RunSummaryCommand(args, std::cout, std::cerr);
  std::cerr << "cpn-lab: unknown command '" << command << "'\n" << kUsage;
  return 2;
}
