// `cpn-lab summary`: loads a topology file (text or GraphML, with an
// optional overlay and site list), validates it as the controller would and
// prints its summary. Runs on the calling thread; does file I/O.
#ifndef CPN_LAB_SUMMARY_COMMAND_H_
#define CPN_LAB_SUMMARY_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

namespace cpn::lab {

// Returns the process exit code: 0 on success, 1 when the file does not load
// or validate (the reason is printed to `err`), 2 on bad usage.
int RunSummaryCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace cpn::lab

#endif  // CPN_LAB_SUMMARY_COMMAND_H_
