#include "tests/controller/cpnctl/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace cpn::testing {

namespace {

std::string TempPath(const std::string& tag) {
  const char* dir = std::getenv("TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/cpnctl-test-", getpid(), "-", tag, "-",
                      absl::ToUnixNanos(absl::Now()));
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Forks and execs argv with stdout/stderr redirected to the files; the
// child dies with the test process.
pid_t Spawn(const std::vector<std::string>& argv, const std::string& out_path,
            const std::string& err_path) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err =
        err_path == out_path ? out : open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out < 0 || err < 0) _exit(126);
    dup2(out, 1);
    dup2(err, 2);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

int ExitCodeOf(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Waits for `pid` until `deadline`; -2 when still running.
int WaitUntil(pid_t pid, absl::Time deadline) {
  while (true) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return ExitCodeOf(status);
    if (r < 0) return -1;
    if (absl::Now() >= deadline) return -2;
    absl::SleepFor(absl::Milliseconds(10));
  }
}

}  // namespace

RunResult RunCommand(const std::vector<std::string>& argv, absl::Duration timeout) {
  const std::string out_path = TempPath("out"), err_path = TempPath("err");
  RunResult r;
  pid_t pid = Spawn(argv, out_path, err_path);
  if (pid < 0) return r;
  r.exit_code = WaitUntil(pid, absl::Now() + timeout);
  if (r.exit_code == -2) {
    kill(pid, SIGKILL);
    r.exit_code = WaitUntil(pid, absl::InfiniteFuture());
    r.err = "(killed at the test's deadline)\n";
  }
  r.out = ReadFile(out_path);
  r.err += ReadFile(err_path);
  unlink(out_path.c_str());
  unlink(err_path.c_str());
  return r;
}

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Start(
    const std::vector<std::string>& argv, const std::string& ready_text, absl::Duration timeout) {
  const std::string path = TempPath("child");
  pid_t pid = Spawn(argv, path, path);
  if (pid < 0) return absl::InternalError("fork failed");
  std::unique_ptr<ChildProcess> child(new ChildProcess(pid, path));
  const absl::Time deadline = absl::Now() + timeout;
  while (child->Output().find(ready_text) == std::string::npos) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      child->reaped_ = true;
      child->exit_code_ = ExitCodeOf(status);
      return absl::FailedPreconditionError(absl::StrCat(
          argv[0], " exited with ", child->exit_code_, " before it was ready:\n", child->Output()));
    }
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          argv[0], " not ready within ", absl::FormatDuration(timeout), ":\n", child->Output()));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return child;
}

ChildProcess::~ChildProcess() {
  if (!reaped_) {
    kill(pid_, SIGKILL);
    WaitUntil(pid_, absl::InfiniteFuture());
  }
  unlink(output_path_.c_str());
}

int ChildProcess::Stop(absl::Duration timeout) {
  if (reaped_) return exit_code_;
  kill(pid_, SIGTERM);
  int code = WaitUntil(pid_, absl::Now() + timeout);
  if (code == -2) {
    kill(pid_, SIGKILL);
    code = WaitUntil(pid_, absl::InfiniteFuture());
  }
  reaped_ = true;
  exit_code_ = code;
  return code;
}

std::string ChildProcess::Output() const { return ReadFile(output_path_); }

}  // namespace cpn::testing
