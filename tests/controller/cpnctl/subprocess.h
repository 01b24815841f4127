// Child processes for the cpnctl end-to-end tests: run a command to
// completion (output captured, killed at a deadline), and a cpn-controller
// kept running for a test and always stopped — by the destructor too, so a
// failing test never leaves it behind.
#ifndef CPN_TESTS_CONTROLLER_CPNCTL_SUBPROCESS_H_
#define CPN_TESTS_CONTROLLER_CPNCTL_SUBPROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace cpn::testing {

struct RunResult {
  // The exit code; 128 + signal when killed by one; -1 when it could not run.
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs argv[0] with argv (from the current directory) and waits up to
// `timeout`, then kills it.
RunResult RunCommand(const std::vector<std::string>& argv,
                     absl::Duration timeout = absl::Seconds(60));

class ChildProcess {
 public:
  // Starts argv with stdout and stderr going to a file, and waits up to
  // `timeout` for `ready_text` to appear in it.
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Start(const std::vector<std::string>& argv,
                                                             const std::string& ready_text,
                                                             absl::Duration timeout);
  ~ChildProcess();  // SIGKILL if still running

  // Sends SIGTERM and waits up to `timeout` (then SIGKILL); the exit code.
  int Stop(absl::Duration timeout = absl::Seconds(20));
  // Everything written so far.
  std::string Output() const;
  pid_t pid() const { return pid_; }

 private:
  ChildProcess(pid_t pid, std::string output_path)
      : pid_(pid), output_path_(std::move(output_path)) {}
  pid_t pid_;
  std::string output_path_;
  bool reaped_ = false;
  int exit_code_ = -1;
};

}  // namespace cpn::testing

#endif  // CPN_TESTS_CONTROLLER_CPNCTL_SUBPROCESS_H_
