#include "dataplane/ports/eal.h"

#include <rte_eal.h>
#include <rte_errno.h>
#include <unistd.h>

#include <atomic>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace cpn::dataplane {
namespace {

std::atomic<bool> g_started{false};

}  // namespace

std::string UniqueFilePrefix() {
  static std::atomic<uint32_t> counter{0};
  return absl::StrCat("cpn-", static_cast<int64_t>(getpid()), "-", counter.fetch_add(1));
}

absl::Status BuildEalArgs(const EalConfig& config, std::vector<std::string>* args) {
  if (config.lcores.empty()) return absl::InvalidArgumentError("EAL config: lcores is empty");
  if (config.no_huge && config.memory_mb == 0) {
    return absl::InvalidArgumentError("EAL config: no_huge needs memory_mb > 0");
  }
  if (config.no_pci && !config.allow_pci.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "EAL config: allow_pci (", absl::StrJoin(config.allow_pci, ","), ") given with no_pci"));
  }
  args->clear();
  args->push_back(config.program_name.empty() ? "cpn-dataplane" : config.program_name);
  args->push_back("-l");
  args->push_back(config.lcores);
  if (config.no_huge) args->push_back("--no-huge");
  if (config.memory_mb != 0) {
    args->push_back("-m");
    args->push_back(absl::StrCat(config.memory_mb));
  }
  if (config.no_pci) args->push_back("--no-pci");
  if (config.no_shconf) {
    args->push_back("--no-shconf");
  } else {
    args->push_back(absl::StrCat(
        "--file-prefix=", config.file_prefix.empty() ? UniqueFilePrefix() : config.file_prefix));
  }
  if (!config.telemetry) args->push_back("--no-telemetry");
  for (const auto& v : config.vdevs) args->push_back(absl::StrCat("--vdev=", v));
  for (const auto& a : config.allow_pci) {
    args->push_back("-a");
    args->push_back(a);
  }
  if (!config.log_level.empty()) args->push_back(absl::StrCat("--log-level=", config.log_level));
  for (const auto& e : config.extra_args) args->push_back(e);
  return absl::OkStatus();
}

absl::Status StartEal(const EalConfig& config) {
  std::vector<std::string> args;
  if (absl::Status s = BuildEalArgs(config, &args); !s.ok()) return s;
  if (g_started.exchange(true)) {
    return absl::FailedPreconditionError("EAL is already initialised in this process");
  }
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (rte_eal_init(static_cast<int>(args.size()), argv.data()) < 0) {
    const int err = rte_errno;
    // EALREADY: someone else (a test environment, say) initialised EAL.
    if (err != EALREADY) g_started = false;
    return absl::UnavailableError(
        absl::StrCat("rte_eal_init(", absl::StrJoin(args, " "), "): ", rte_strerror(err)));
  }
  return absl::OkStatus();
}

absl::Status StopEal() {
  if (!g_started.load()) return absl::FailedPreconditionError("EAL was not started by StartEal");
  if (int ret = rte_eal_cleanup(); ret != 0) {
    return absl::InternalError(absl::StrCat("rte_eal_cleanup: ", rte_strerror(-ret)));
  }
  return absl::OkStatus();
}

}  // namespace cpn::dataplane
