// The emulated lab's subcommands of cpn-lab (docs/lab.md):
//   up SCENARIO [--name N] [--policy P]   create the lab and leave it running
//   down [--name N]                       remove everything a lab created
//   run SCENARIO [--name N] [--policy P] [--out DIR]
//                                         up, the timeline, collect, report, down
// Exit codes: 0 ok, 1 failure, 2 usage error. Need root (except --help).
#ifndef CPN_LAB_RUNNER_LAB_COMMANDS_H_
#define CPN_LAB_RUNNER_LAB_COMMANDS_H_

#include <ostream>
#include <string>
#include <vector>

namespace cpn::lab {

int RunUpCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int RunDownCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int RunRunCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
// site-metric-delay HOST:PORT MS (used by run inside a site's namespace).
int RunSiteMetricDelayCommand(const std::vector<std::string>& args, std::ostream& out,
                              std::ostream& err);

}  // namespace cpn::lab

#endif  // CPN_LAB_RUNNER_LAB_COMMANDS_H_
