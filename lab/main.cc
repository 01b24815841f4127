// cpn-lab: the CPN testbed. Subcommands:
//   summary FILE   load, validate and summarise a topology file
//   sim            the flow-level simulator (docs/lab-sim.md)
//   up | run | down  the emulated network of real processes (docs/lab.md)
#include <iostream>
#include <string>
#include <vector>

#include "lab/runner/lab_commands.h"
#include "lab/sim_command.h"
#include "lab/summary_command.h"

namespace {

constexpr char kUsage[] =
    "Usage: cpn-lab COMMAND [args]\n"
    "Commands:\n"
    "  summary FILE   load a topology (.txtpb or .graphml), validate it, print its summary\n"
    "  sim            simulate policies on a topology and report (--help for options)\n"
    "  up SCENARIO    create the emulated lab (namespaces, dataplanes, controller, sites); root\n"
    "  run SCENARIO   up, run the scenario's timeline, collect, report, down; root\n"
    "  down           remove everything a lab created (--name NAME); root\n"
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
  if (command == "up") return cpn::lab::RunUpCommand(args, std::cout, std::cerr);
  if (command == "site-metric-delay")
    return cpn::lab::RunSiteMetricDelayCommand(args, std::cout, std::cerr);
  if (command == "run") return cpn::lab::RunRunCommand(args, std::cout, std::cerr);
  if (command == "down") return cpn::lab::RunDownCommand(args, std::cout, std::cerr);
  if (command == "sim") return cpn::lab::RunSimCommand(args, std::cout, std::cerr);
  std::cerr << "cpn-lab: unknown command '" << command << "'\n" << kUsage;
  return 2;
}
