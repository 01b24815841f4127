// cpn-dpctl: operate one cpn-dataplane over its southbound API (see
// dataplane/tools/dpctl.h and docs/dataplane.md). Takes the global flags
// and dispatches to the command.
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "controller/cpnctl/args.h"
#include "dataplane/tools/dpctl.h"

namespace cpn::dpctl {
namespace {

int Main(int argc, char** argv) {
  DpctlOptions options;
  if (const char* env = std::getenv("CPN_DATAPLANE"); env != nullptr && *env != '\0') {
    options.dataplane = env;
  }
  Words words;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help" || a == "help") {
      std::cout << HelpText();
      return kExitOk;
    }
    std::string flag = a.substr(0, a.find('='));
    if (flag != "--dataplane" && flag != "--timeout" && flag != "-o" && flag != "--output") {
      words.push_back(a);
      continue;
    }
    std::string value;
    if (flag.size() < a.size()) {
      value = a.substr(flag.size() + 1);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      std::cerr << "cpn-dpctl: " << flag << " needs a value\n";
      return kExitUsage;
    }
    if (flag == "--dataplane") {
      options.dataplane = value;
    } else if (flag == "--timeout") {
      absl::StatusOr<absl::Duration> d = cpnctl::ParseDurationArg(value, "--timeout");
      if (!d.ok() || *d <= absl::ZeroDuration()) {
        std::cerr << "cpn-dpctl: --timeout: \"" << value << "\" is not a positive duration\n";
        return kExitUsage;
      }
      options.timeout = *d;
    } else if (value == "json" || value == "text" || value == "table") {
      options.json = value == "json";
    } else {
      std::cerr << "cpn-dpctl: " << flag << ": want text or json, not \"" << value << "\"\n";
      return kExitUsage;
    }
  }
  if (words.empty()) {
    std::cerr << HelpText();
    return kExitUsage;
  }
  Dpctl dp(options, std::cout, std::cerr);
  const std::string command = words[0];
  const Words rest(words.begin() + 1, words.end());
  if (command == "write") return WriteCommand(dp, rest);
  if (command == "read") return ReadCommand(dp, rest);
  if (command == "counters") return CountersCommand(dp, rest);
  std::cerr << "cpn-dpctl: unknown command \"" << command << "\" (write, read, counters)\n";
  return kExitUsage;
}

}  // namespace
}  // namespace cpn::dpctl

int main(int argc, char** argv) { return cpn::dpctl::Main(argc, argv); }
