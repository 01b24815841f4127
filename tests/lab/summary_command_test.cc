// `cpn-lab summary`, the README demo's command: what an operator sees for a
// good file, a broken file and bad usage.
#include "lab/summary_command.h"

#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cpn::lab {
namespace {

using ::testing::HasSubstr;

TEST(LabSummaryCommand, PrintsChinanetWithSitesAndDiameter) {
  std::ostringstream out, err;
  EXPECT_EQ(RunSummaryCommand({"lab/topologies/chinanet-edwc.txtpb"}, out, err), 0) << err.str();
  EXPECT_THAT(out.str(), HasSubstr("Routers               38"));
  EXPECT_THAT(out.str(), HasSubstr("Sites                 10"));
  EXPECT_THAT(out.str(), HasSubstr("Diameter"));
  EXPECT_THAT(out.str(), HasSubstr("qingyang"));
  EXPECT_THAT(out.str(), HasSubstr("CC BY 4.0"));
}

TEST(LabSummaryCommand, InvalidTopologyExitsOneAndSaysWhy) {
  const std::string path = ::testing::TempDir() + "/dangling.txtpb";
  {
    std::ofstream f(path);
    f << "routers { id: \"a\" srv6_locator: \"fcbb:bb00:1::/48\" }\n"
         "links { id: \"a--b\" a { router_id: \"a\" interface: \"e1\" }"
         " b { router_id: \"b\" interface: \"e1\" } capacity_bps: 1000 }\n";
  }
  std::ostringstream out, err;
  EXPECT_EQ(RunSummaryCommand({path}, out, err), 1);
  EXPECT_THAT(err.str(), HasSubstr("does not validate"));
  EXPECT_THAT(err.str(), HasSubstr("a--b"));
  EXPECT_THAT(err.str(), HasSubstr("\"b\""));
}

TEST(LabSummaryCommand, MissingFileArgumentIsUsageError) {
  std::ostringstream out, err;
  EXPECT_EQ(RunSummaryCommand({}, out, err), 2);
  EXPECT_THAT(err.str(), HasSubstr("missing FILE"));
}

}  // namespace
}  // namespace cpn::lab
