// A child process for end-to-end tests: started with execv, its stdout and
// stderr drained into a log by a thread (so a chatty child never blocks),
// killed with SIGKILL if still running when the object dies, and with the
// test process too (PR_SET_PDEATHSIG), so a failing or crashing test
// leaves no processes behind.
//
// Test threads only; the drain thread only appends to the log.
#ifndef CPN_TESTS_E2E_CHILD_PROCESS_H_
#define CPN_TESTS_E2E_CHILD_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace cpn::testing {

class ChildProcess {
 public:
  explicit ChildProcess(std::vector<std::string> args);
  ~ChildProcess();  // SIGKILL if running, then reap
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Waits for a line containing `marker` and returns the digits right after
  // it ("" on timeout or exit).
  std::string WaitForNumberAfter(const std::string& marker,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // Sends `sig` and waits for the exit; the exit code (128 + signal when
  // killed), -1 when it did not exit within `timeout`.
  int Signal(int sig, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::string log() const;
  const std::vector<std::string>& args() const { return args_; }

 private:
  const std::vector<std::string> args_;
  pid_t pid_ = -1;
  bool reaped_ = false;
  int out_fd_ = -1;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string log_;
  bool eof_ = false;
  std::thread drain_;
};

// A TCP port nobody listens on now (asked from the kernel).
int FreeTcpPort();

// Where DPDK keeps the runtime files of the process started with
// --file-prefix `prefix`; EAL leaves them behind (even on a clean exit), so
// tests remove them.
std::string DpdkRuntimeDir(const std::string& prefix);

}  // namespace cpn::testing

#endif  // CPN_TESTS_E2E_CHILD_PROCESS_H_
