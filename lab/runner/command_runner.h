// CommandRunner: runs one external command (argv, no shell) and returns its
// output, or an error naming the command line, its exit status and what it
// printed. The lab shells out to `ip` (iproute2) only through this, so the
// tests can record the commands a step would run (FakeCommandRunner in
// tests/lab/runner/) and nothing is ever parsed by a shell.
//
// Thread-compatible: one caller at a time per runner.
#ifndef CPN_LAB_RUNNER_COMMAND_RUNNER_H_
#define CPN_LAB_RUNNER_COMMAND_RUNNER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace cpn::lab {

class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  // Runs argv[0] (looked up in PATH) with argv; stdout (and stderr) on exit
  // status 0, else INTERNAL "`ip link add ...` failed (exit 2): <output>".
  virtual absl::StatusOr<std::string> Run(const std::vector<std::string>& argv) = 0;
};

// fork + execvp; stdin is /dev/null, stdout and stderr are captured.
class SystemCommandRunner : public CommandRunner {
 public:
  absl::StatusOr<std::string> Run(const std::vector<std::string>& argv) override;
};

// "ip -n ns link set l1 up" (arguments with spaces quoted), for messages.
std::string CommandLine(const std::vector<std::string>& argv);

}  // namespace cpn::lab

#endif  // CPN_LAB_RUNNER_COMMAND_RUNNER_H_
