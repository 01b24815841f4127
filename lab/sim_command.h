// `cpn-lab sim`: runs the flow-level simulator (lab/sim/) on a topology for
// one or more named scenarios and policies, and writes CSV tables, SVG
// charts and a Markdown report into --out. Does file I/O; runs on the
// calling thread.
#ifndef CPN_LAB_SIM_COMMAND_H_
#define CPN_LAB_SIM_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

namespace cpn::lab {

// Returns the exit code: 0 on success, 1 when an input does not load or a
// run fails (the reason is printed to `err`), 2 on bad usage.
int RunSimCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace cpn::lab

#endif  // CPN_LAB_SIM_COMMAND_H_
