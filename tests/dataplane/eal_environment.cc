#include "tests/dataplane/eal_environment.h"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <cstdlib>
#include <string>
#include <vector>

#include "gtest/gtest.h"


namespace cpn::testing {
namespace {

rte_mempool* g_pool = nullptr;

class EalEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    std::string prefix = "--file-prefix=cpntest" + std::to_string(getpid());
    std::vector<std::string> args = {"cpn-test", "--no-huge", "-m", "256", "--no-pci",
                                     "--log-level=lib.eal:error", "-l", "0", prefix};
    if (CpnTestExtraEalArgs != nullptr) {
      for (const char* const* a = CpnTestExtraEalArgs(); *a != nullptr; ++a) args.emplace_back(*a);
    }
    std::vector<char*> argv;
    for (auto& s : args) argv.push_back(s.data());
    if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) {
      std::fprintf(stderr, "FATAL: DPDK EAL init failed: %s\n", rte_strerror(rte_errno));
      std::exit(2);
    }
    g_pool = rte_pktmbuf_pool_create("cpn_test_pool", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                     SOCKET_ID_ANY);
    if (g_pool == nullptr) {
      std::fprintf(stderr, "FATAL: test mbuf pool: %s\n", rte_strerror(rte_errno));
      std::exit(2);
    }
  }
  // EAL leaves its runtime directory (/var/run/dpdk/<prefix>) behind; every
  // test process has its own prefix, so remove it or they pile up.
  void TearDown() override {
    const std::string runtime_dir = rte_eal_get_runtime_dir();
    rte_eal_cleanup();
    std::error_code ignored;
    std::filesystem::remove_all(runtime_dir, ignored);
  }
};

const auto* const kRegistered = ::testing::AddGlobalTestEnvironment(new EalEnvironment);

}  // namespace

rte_mempool* TestPktPool() { return g_pool; }

}  // namespace cpn::testing
