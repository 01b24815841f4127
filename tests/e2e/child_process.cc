#include "tests/e2e/child_process.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace cpn::testing {

ChildProcess::ChildProcess(std::vector<std::string> args) : args_(std::move(args)) {
  int fds[2];
  if (pipe(fds) != 0) return;
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ == 0) {
    // Dies with the test process, whatever way that ends.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> argv;
    for (const std::string& a : args_) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fds[1]);
  out_fd_ = fds[0];
  drain_ = std::thread([this] {
    char buf[4096];
    while (true) {
      const ssize_t n = read(out_fd_, buf, sizeof(buf));
      if (n <= 0) break;
      std::lock_guard<std::mutex> l(mu_);
      log_.append(buf, static_cast<size_t>(n));
      cv_.notify_all();
    }
    std::lock_guard<std::mutex> l(mu_);
    eof_ = true;
    cv_.notify_all();
  });
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !reaped_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (drain_.joinable()) drain_.join();
  if (out_fd_ >= 0) close(out_fd_);
}

std::string ChildProcess::WaitForNumberAfter(const std::string& marker,
                                             std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> l(mu_);
  std::string found;
  cv_.wait_for(l, timeout, [&] {
    const size_t at = log_.find(marker);
    if (at != std::string::npos) {
      size_t end = at + marker.size();
      while (end < log_.size() && log_[end] >= '0' && log_[end] <= '9') ++end;
      if (end < log_.size()) {  // the number is complete
        found = log_.substr(at + marker.size(), end - at - marker.size());
        return true;
      }
    }
    return eof_;
  });
  return found;
}

int ChildProcess::Signal(int sig, std::chrono::milliseconds timeout) {
  if (pid_ <= 0 || reaped_) return -1;
  kill(pid_, sig);
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      reaped_ = true;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return -1;
}

std::string ChildProcess::log() const {
  std::lock_guard<std::mutex> l(mu_);
  return log_;
}

int FreeTcpPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof(a);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  close(fd);
  return port;
}

// Where EAL keeps a process's runtime files (left behind even by a clean
// exit, and by every SIGKILL).
std::string DpdkRuntimeDir(const std::string& prefix) {
  const char* xdg = getenv("XDG_RUNTIME_DIR");
  const std::string base =
      getuid() != 0 && xdg != nullptr ? absl::StrCat(xdg, "/dpdk") : "/var/run/dpdk";
  return absl::StrCat(base, "/", prefix);
}

}  // namespace cpn::testing
