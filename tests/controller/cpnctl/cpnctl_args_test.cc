// cpnctl's command-line parsing and table output.
#include "controller/cpnctl/args.h"
#include "controller/cpnctl/output.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cpn::cpnctl {
namespace {

using ::testing::HasSubstr;

TEST(CpnctlArgsTest, FlagsAndPositionals) {
  auto a = ParseArgs({"edge", "--router", "sh", "--service=a=1", "--service", "b=2", "--down"},
                     {{"router"}, {"service", true, true}, {"down", false}});
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_THAT(a->positional, ::testing::ElementsAre("edge"));
  EXPECT_EQ(a->Get("router"), "sh");
  EXPECT_THAT(a->GetAll("service"), ::testing::ElementsAre("a=1", "b=2"));
  EXPECT_TRUE(a->Has("down"));
  EXPECT_FALSE(a->Has("router2"));
}

TEST(CpnctlArgsTest, Errors) {
  EXPECT_THAT(ParseArgs({"--nope"}, {}).status().message(), HasSubstr("unknown flag --nope"));
  EXPECT_THAT(ParseArgs({"--router"}, {{"router"}}).status().message(), HasSubstr("needs a value"));
  EXPECT_THAT(ParseArgs({"--down=1"}, {{"down", false}}).status().message(),
              HasSubstr("takes no value"));
  EXPECT_THAT(ParseArgs({"--r", "a", "--r", "b"}, {{"r"}}).status().message(),
              HasSubstr("more than once"));
  auto a = ParseArgs({"--rate", "x"}, {{"rate"}});
  ASSERT_TRUE(a.ok());
  EXPECT_THAT(a->GetDouble("rate").status().message(), HasSubstr("--rate: \"x\" is not a number"));
  EXPECT_FALSE(ParseDurationArg("soon", "--age").ok());
  EXPECT_EQ(*ParseDurationArg("250ms", "--age"), absl::Milliseconds(250));
}

TEST(CpnctlOutputTest, TableAlignsAndRightAlignsNumbers) {
  Table t({"site", "weight"});
  t.Add({"east", "0.50"});
  t.Add({"far-west", "1.00"});
  EXPECT_EQ(t.Render(), "site      weight\neast        0.50\nfar-west    1.00\n");
  EXPECT_EQ(EnumWord("DECISION_BASIS_STATIC_FALLBACK", "DECISION_BASIS_"), "static-fallback");
}

}  // namespace
}  // namespace cpn::cpnctl
