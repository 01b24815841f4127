// Scenario files: the shipped scenarios load and resolve as documented;
// files the scenario names (topology, traces) are read relative to it and
// their errors name them; a client's schedule folds in its surges.
#include "lab/scenario/scenario_file.h"

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lab/scenario/client_schedule.h"
#include "lab/scenario/traces.h"

namespace cpn::lab {
namespace {

using ::testing::HasSubstr;

const cpn::compute::v1::Site* FindSite(const ResolvedScenario& r, const std::string& id) {
  for (const auto& s : r.topology.sites())
    if (s.id() == id) return &s;
  return nullptr;
}

TEST(ScenarioFile, FourRouter) {
  absl::StatusOr<ResolvedScenario> r = LoadScenarioFile("lab/scenarios/four-router.txtpb");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->topology.routers_size(), 4);
  EXPECT_EQ(r->topology.links_size(), 4);
  EXPECT_EQ(r->topology.sites_size(), 2);
  EXPECT_EQ(r->scenario.duration_s(), 20);
  EXPECT_EQ(r->links[3].loss_percent, 0.1);
  EXPECT_EQ(FormatSchedule(ClientSchedule(r->scenario, r->scenario.clients(0))),
            "0:100,8:300,14:100");
}

TEST(ScenarioFile, DemoChina) {
  absl::StatusOr<ResolvedScenario> r = LoadScenarioFile("lab/scenarios/demo-china.txtpb");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->topology.routers_size(), 6);
  EXPECT_EQ(r->topology.links_size(), 10);
  ASSERT_EQ(r->topology.sites_size(), 4);
  // Sites keep the file's names, places and attachments.
  const auto* guian = FindSite(*r, "guian");
  ASSERT_NE(guian, nullptr);
  EXPECT_EQ(guian->attachment().router_id(), "guiyang");
  EXPECT_EQ(guian->name(), "Gui'an cluster (Guizhou)");
  EXPECT_EQ(FindSite(*r, "qingyang")->attachment().router_id(), "xian");
  EXPECT_EQ(FindSite(*r, "yrd-eco-green-integrated-demo-zone")->attachment().router_id(),
            "shanghai");
  EXPECT_EQ(FindSite(*r, "zhangjiakou")->capacities(0).servers(), 8u);
  // Links keep the file's propagation delays at the scenario's rate.
  for (const LinkEmulation& l : r->links) {
    EXPECT_GT(l.delay_ms, 0.1) << l.id;
    EXPECT_EQ(l.rate_mbps, 1000) << l.id;
  }
  // The Topology Zoo attribution travels with the network.
  EXPECT_THAT(r->topology.provenance().license(), HasSubstr("CC BY"));
  EXPECT_EQ(r->topology.services(0).mean_service_time_ms(), 400);
  // The flash crowd hits both eastern clients, not Wuhan.
  EXPECT_EQ(FormatSchedule(ClientSchedule(r->scenario, r->scenario.clients(0))),
            "0:12,20:48,40:12");
  EXPECT_EQ(FormatSchedule(ClientSchedule(r->scenario, r->scenario.clients(2))), "0:4,30:8,60:6");
}

class ScenarioFileDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("cpn-scenario-test-", getpid(), "-",
                        ::testing::UnitTest::GetInstance()->random_seed());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }
  std::filesystem::path dir_;
};

// Not reflowed by clang-format: the tests name its lines.
// clang-format off
constexpr char kTraceScenario[] = R"scenario(name: "tr"
duration_s: 10
network {
  topology {
    routers { id: "r1" srv6_locator: "fcbb:bb00:1::/48" }
    services { id: "echo" anycast_prefix: "2001:db8:cafe:1::/64" }
  }
}
sites {
  id: "s1"
  router: "r1"
  services { service_id: "echo" servers: 1 service_time { trace { path: "times.txt" } } }
}
clients {
  id: "c1"
  router: "r1"
  services: "echo"
  rate { trace { path: "rates.csv" } }
}
)scenario";
// clang-format on

TEST_F(ScenarioFileDir, TracesAreReadRelativeToTheScenario) {
  Write("times.txt", "# ms\n10\n30\n\n20\n");
  Write("rates.csv", "0,5\n2.5,10\n");
  absl::StatusOr<ResolvedScenario> r = LoadScenarioFile(Write("s.txtpb", kTraceScenario));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->topology.sites(0).capacities(0).mean_service_time_ms(), 20);  // the trace's mean
}

TEST_F(ScenarioFileDir, BadServiceTimeTraceNamesFileAndLine) {
  Write("times.txt", "10\nabc\n");
  Write("rates.csv", "0,5\n");
  absl::StatusOr<ResolvedScenario> r = LoadScenarioFile(Write("s.txtpb", kTraceScenario));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("s.txtpb:12:"));
  EXPECT_THAT(r.status().message(), HasSubstr("sites[0].services[0].service_time.trace.path: "));
  EXPECT_THAT(r.status().message(),
              HasSubstr("times.txt:2: service time \"abc\" is not a number of milliseconds > 0"));
}

TEST_F(ScenarioFileDir, BadRateTraceNamesFileAndLine) {
  Write("times.txt", "10\n");
  Write("rates.csv", "0,5\n0,6\n");
  absl::StatusOr<ResolvedScenario> r = LoadScenarioFile(Write("s.txtpb", kTraceScenario));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("rates.csv:2: times must increase"));
}

TEST_F(ScenarioFileDir, MissingTraceFile) {
  absl::StatusOr<ResolvedScenario> r = LoadScenarioFile(Write("s.txtpb", kTraceScenario));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("times.txt: cannot open"));
}

TEST_F(ScenarioFileDir, MissingTopologyFile) {
  absl::StatusOr<ResolvedScenario> r = LoadScenarioFile(
      Write("s.txtpb", "name: \"x\"\nduration_s: 1\nnetwork { topology_file: \"nope.txtpb\" }\n"));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("s.txtpb:3:11: network.topology_file:"));
  EXPECT_THAT(r.status().message(), HasSubstr("nope.txtpb"));
}

TEST_F(ScenarioFileDir, MissingScenarioFile) {
  absl::StatusOr<ResolvedScenario> r = LoadScenarioFile((dir_ / "none.txtpb").string());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("none.txtpb: cannot open"));
}

TEST(Traces, RateTraceRules) {
  EXPECT_THAT(ParseRateTrace("1,5\n", "r").status().message(),
              HasSubstr("r:1: the first time must be 0"));
  EXPECT_THAT(ParseRateTrace("0,-5\n", "r").status().message(),
              HasSubstr("r:1: rate must be >= 0"));
  EXPECT_THAT(ParseRateTrace("0;5\n", "r").status().message(),
              HasSubstr("expected \"time_s,rps\""));
  EXPECT_THAT(ParseRateTrace("# none\n", "r").status().message(), HasSubstr("r: no rates"));
  EXPECT_THAT(ParseServiceTimeTrace("\n", "t").status().message(),
              HasSubstr("t: no service times"));
}

TEST(DeriveSeed, DiffersPerEntityAndRepeats) {
  EXPECT_NE(DeriveSeed(1, "site-a", "echo"), DeriveSeed(1, "site-b", "echo"));
  EXPECT_NE(DeriveSeed(1, "site-a", "echo"), DeriveSeed(2, "site-a", "echo"));
  EXPECT_EQ(DeriveSeed(1, "client", "c1"), DeriveSeed(1, "client", "c1"));
}

TEST(ClientSchedule, OverlappingSurgesMultiply) {
  cpn::lab::v1::Scenario s;
  s.set_duration_s(100);
  auto* c = s.add_clients();
  c->set_id("c");
  c->set_region("r");
  c->mutable_rate()->mutable_constant()->set_rps(10);
  auto* e1 = s.add_events();
  e1->set_at_s(10);
  e1->mutable_load_surge()->set_client("c");
  e1->mutable_load_surge()->set_factor(2);
  e1->mutable_load_surge()->set_duration_s(20);
  auto* e2 = s.add_events();
  e2->set_at_s(20);
  e2->mutable_load_surge()->set_region("r");
  e2->mutable_load_surge()->set_factor(3);
  e2->mutable_load_surge()->set_duration_s(100);  // past the end
  auto* e3 = s.add_events();
  e3->set_at_s(5);
  e3->mutable_load_surge()->set_client("other");
  e3->mutable_load_surge()->set_factor(9);
  e3->mutable_load_surge()->set_duration_s(1);
  EXPECT_EQ(FormatSchedule(ClientSchedule(s, *c)), "0:10,10:20,20:60,30:30");
}

}  // namespace
}  // namespace cpn::lab
