// cpnctl: the operator CLI of cpn-controller (docs/cpnctl.md). Reads the
// global flags, dispatches to the command group; everything else lives in
// the commands_*.cc files.
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "controller/cpnctl/args.h"
#include "controller/cpnctl/client.h"
#include "controller/cpnctl/commands.h"

namespace cpn::cpnctl {

std::string HelpText() {
  return R"(cpnctl: operate cpn-controller over its northbound gRPC API

usage: cpnctl [--controller HOST:PORT] [-o table|json] [--timeout DURATION] COMMAND ...

  topology import FILE [--overlay FILE] [--sites-csv FILE] [--default-service]
                       [--replace] [--validate-only]
  topology show [--txtpb]
  router list
  link list | link up ID | link down ID
  site add ID --router ROUTER --service SERVICE=SERVERS [...] | site add --file FILE
  site list | site delete ID | site drain ID | site undrain ID
  service add ID --prefix PREFIX [...] | service add --file FILE
  service list | service delete ID
  metrics report --site SITE [--service SERVICE] [--servers N] [--busy N]
                 [--utilization R] [--queue N] [--service-rate RPS] [--arrival-rate RPS]
                 [--sequence N] [--reporter ID] [--measured-at RFC3339 | --age DURATION]
  metrics list [--site SITE] [--service SERVICE]
  demand set INGRESS SERVICE RPS [--bytes-per-request N]
  demand list [--ingress ROUTER] [--service SERVICE] | demand delete INGRESS SERVICE
  decision list [--ingress ROUTER] [--service SERVICE]
  decision explain INGRESS SERVICE
  decision watch [--ingress ROUTER] [--service SERVICE] [--count N]
  watch PATH [PATH ...] [--sample DURATION] [--router R] [--service S] [--site S]
        [--link L] [--count N]
        PATH: decisions | sites | links | counters | events (streaming telemetry)
  whatif [--steady-state] CHANGE [CHANGE ...]
         CHANGE: link-down LINK | router-down ROUTER | site-down SITE | fiber-cut FIBRE |
                 surge SITE FACTOR | load SITE UTILIZATION | demand INGRESS SERVICE RPS
  status
  solve

Global flags (anywhere on the line):
  --controller HOST:PORT   cpn-controller's address (default $CPN_CONTROLLER or localhost:50060)
  -o, --output table|json  human tables (default) or protobuf JSON for scripts
  --timeout DURATION       deadline of each call and of connecting (default 10s)

Exit codes: 0 ok, 1 the controller rejected the request, 2 usage error,
3 the controller cannot be reached.
)";
}

namespace {

int Main(int argc, char** argv) {
  ClientOptions options;
  if (const char* env = std::getenv("CPN_CONTROLLER"); env != nullptr && *env != '\0') {
    options.controller = env;
  }
  std::vector<std::string> words;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const std::string& flag) -> std::optional<std::string> {
      if (a == flag) {
        if (i + 1 >= argc) return std::nullopt;
        return std::string(argv[++i]);
      }
      return a.substr(flag.size() + 1);
    };
    auto is = [&](const std::string& flag) { return a == flag || a.rfind(flag + "=", 0) == 0; };
    if (a == "-h" || a == "--help" || a == "help") {
      std::cout << HelpText();
      return kExitOk;
    }
    if (is("--controller") || is("-o") || is("--output") || is("--timeout")) {
      const std::string flag = a.substr(0, a.find('='));
      std::optional<std::string> v = value(flag);
      if (!v) {
        std::cerr << "cpnctl: " << flag << " needs a value\n";
        return kExitUsage;
      }
      if (flag == "--controller") {
        options.controller = *v;
      } else if (flag == "--timeout") {
        absl::StatusOr<absl::Duration> d = ParseDurationArg(*v, "--timeout");
        if (!d.ok() || *d <= absl::ZeroDuration()) {
          std::cerr << "cpnctl: --timeout: \"" << *v << "\" is not a positive duration\n";
          return kExitUsage;
        }
        options.timeout = *d;
      } else if (*v == "json") {
        options.json = true;
      } else if (*v == "table") {
        options.json = false;
      } else {
        std::cerr << "cpnctl: " << flag << ": expected table or json, not \"" << *v << "\"\n";
        return kExitUsage;
      }
      continue;
    }
    words.push_back(std::move(a));
  }
  if (words.empty()) {
    std::cerr << HelpText();
    return kExitUsage;
  }
  Client client(options, std::cout, std::cerr);
  const std::string group = words[0];
  Words rest(words.begin() + 1, words.end());
  if (group == "topology") return RunTopology(client, rest);
  if (group == "router") return RunRouter(client, rest);
  if (group == "link") return RunLink(client, rest);
  if (group == "site") return RunSite(client, rest);
  if (group == "service") return RunService(client, rest);
  if (group == "metrics") return RunMetrics(client, rest);
  if (group == "demand") return RunDemand(client, rest);
  if (group == "decision") return RunDecision(client, rest);
  if (group == "whatif") return RunWhatIf(client, rest);
  if (group == "watch") return RunWatch(client, rest);
  if (group == "status") return RunStatus(client, rest);
  if (group == "solve") return RunSolve(client, rest);
  std::cerr << "cpnctl: unknown command \"" << group << "\" (cpnctl --help lists them)\n";
  return kExitUsage;
}

}  // namespace
}  // namespace cpn::cpnctl

int main(int argc, char** argv) { return cpn::cpnctl::Main(argc, argv); }
