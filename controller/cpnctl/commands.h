// cpnctl's commands, one group a file: each takes the words after its group
// name ("site add qy --router cd" -> {"add", "qy", "--router", "cd"}) and
// returns the exit code (client.h).
//
// Threads: main thread only.
#ifndef CPN_CONTROLLER_CPNCTL_COMMANDS_H_
#define CPN_CONTROLLER_CPNCTL_COMMANDS_H_

#include <string>
#include <vector>

#include "controller/cpnctl/client.h"

namespace cpn::cpnctl {

using Words = std::vector<std::string>;

// commands_topology.cc: topology import|show, router list, link list|up|down.
int RunTopology(Client& client, const Words& words);
int RunRouter(Client& client, const Words& words);
int RunLink(Client& client, const Words& words);
// commands_compute.cc: site add|list|delete|drain|undrain, service add|list|delete.
int RunSite(Client& client, const Words& words);
int RunService(Client& client, const Words& words);
// commands_metrics.cc: metrics report|list.
int RunMetrics(Client& client, const Words& words);
// commands_demand.cc: demand set|list|delete.
int RunDemand(Client& client, const Words& words);
// commands_decision.cc: decision list|explain|watch.
int RunDecision(Client& client, const Words& words);
// commands_whatif.cc: whatif CHANGE...
int RunWhatIf(Client& client, const Words& words);
// commands_watch.cc: watch PATH... (TelemetryService.Subscribe).
int RunWatch(Client& client, const Words& words);
// commands_status.cc: status, solve.
int RunStatus(Client& client, const Words& words);
int RunSolve(Client& client, const Words& words);

// The full help text (main.cc).
std::string HelpText();

}  // namespace cpn::cpnctl

#endif  // CPN_CONTROLLER_CPNCTL_COMMANDS_H_
