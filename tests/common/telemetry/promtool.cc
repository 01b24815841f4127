#include "tests/common/telemetry/promtool.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace cpn::telemetry::testing {

bool PromtoolAccepts(const std::string& text, std::string* output) {
  output->clear();
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    *output = "promtool is missing: run scripts/setup.sh (Debian package prometheus)";
    return false;
  }
  static std::atomic<int> seq{0};
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() /
      ("cpn-promtool-" + std::to_string(getpid()) + "-" + std::to_string(seq++) + ".txt");
  std::ofstream(file) << text;
  const std::string cmd = "promtool check metrics < " + file.string() + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) {
    *output = "cannot run promtool";
    std::filesystem::remove(file);
    return false;
  }
  char buf[256];
  while (fgets(buf, sizeof buf, p) != nullptr) *output += buf;
  const int rc = pclose(p);
  std::filesystem::remove(file);
  return rc == 0;
}

}  // namespace cpn::telemetry::testing
