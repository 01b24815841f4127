#include <string>
#include <vector>

#include "dataplane/ports/eal.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cpn::dataplane {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(DpEalArgs, DefaultsRunWithoutHugepagesOrPci) {
  EalConfig c;
  c.file_prefix = "dp1";
  std::vector<std::string> args;
  ASSERT_TRUE(BuildEalArgs(c, &args).ok());
  EXPECT_THAT(args, ElementsAre("cpn-dataplane", "-l", "0", "--no-huge", "-m", "256", "--no-pci",
                                "--file-prefix=dp1", "--no-telemetry"));
}

TEST(DpEalArgs, VdevsPciLogAndExtras) {
  EalConfig c;
  c.no_pci = false;
  c.no_huge = false;
  c.memory_mb = 0;
  c.lcores = "0-1";
  c.telemetry = true;
  c.no_shconf = true;
  c.vdevs = {"net_ring0", "net_pcap0,rx_pcap=a.pcap"};
  c.allow_pci = {"0000:01:00.0"};
  c.log_level = "lib.eal:error";
  c.extra_args = {"--in-memory"};
  std::vector<std::string> args;
  ASSERT_TRUE(BuildEalArgs(c, &args).ok());
  EXPECT_THAT(args, ElementsAre("cpn-dataplane", "-l", "0-1", "--no-shconf", "--vdev=net_ring0",
                                "--vdev=net_pcap0,rx_pcap=a.pcap", "-a", "0000:01:00.0",
                                "--log-level=lib.eal:error", "--in-memory"));
}

TEST(DpEalArgs, UniquePrefixWhenUnset) {
  std::vector<std::string> a, b;
  ASSERT_TRUE(BuildEalArgs({}, &a).ok());
  ASSERT_TRUE(BuildEalArgs({}, &b).ok());
  std::string pa, pb;
  for (auto& s : a)
    if (s.rfind("--file-prefix=", 0) == 0) pa = s;
  for (auto& s : b)
    if (s.rfind("--file-prefix=", 0) == 0) pb = s;
  EXPECT_THAT(pa, StartsWith("--file-prefix=cpn-"));
  EXPECT_NE(pa, pb);
}

TEST(DpEalArgs, RejectsContradictions) {
  std::vector<std::string> args;
  EalConfig no_mem;
  no_mem.memory_mb = 0;
  EXPECT_THAT(std::string(BuildEalArgs(no_mem, &args).message()), HasSubstr("memory_mb"));
  EalConfig no_lcores;
  no_lcores.lcores = "";
  EXPECT_FALSE(BuildEalArgs(no_lcores, &args).ok());
  EalConfig pci;
  pci.allow_pci = {"0000:01:00.0"};
  EXPECT_THAT(std::string(BuildEalArgs(pci, &args).message()), HasSubstr("0000:01:00.0"));
}

}  // namespace
}  // namespace cpn::dataplane
