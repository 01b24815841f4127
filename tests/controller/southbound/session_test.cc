// DataplaneSession against a real in-process dataplane agent (gRPC socket,
// DPDK pipeline without hugepages): arbitration, reconciliation by Read
// (no flush), make-before-break versioned writes, backup takeover, rejected
// writes that change nothing, adoption of unknown rules, the wrong box.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "controller/southbound/dataplane_session.h"
#include "controller/srv6/diff.h"
#include "gtest/gtest.h"
#include "tests/dataplane/agent/dataplane_harness.h"

namespace cpn::southbound {
namespace {

namespace v1 = cpn::dataplane::v1;
namespace cv1 = cpn::controller::v1;
using cpn::testing::DataplaneHarness;
using cpn::testing::HarnessOptions;

bool WaitFor(const std::function<bool()>& done,
             std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

// A small ingress state: its locator delivered locally, End, two policies
// whose first SID is local, and one rule spreading a service over them.
srv6::EntityMap IngressState(uint32_t w1, uint32_t w2, bool second_policy = true) {
  std::vector<v1::Entity> es = {
      cpn::testing::RouteLocal(0, "fc00:1::/48"),
      cpn::testing::SidEnd("fc00:1:0:1::"),
      cpn::testing::PolicyEntity(1, "fc00:1::1", {"fc00:1:0:1::", "fc00:2::d6"}),
  };
  std::vector<std::pair<uint32_t, uint32_t>> weights = {{1, w1}};
  if (second_policy) {
    es.push_back(cpn::testing::PolicyEntity(2, "fc00:1::1", {"fc00:1:0:1::", "fc00:3::d6"}));
    weights.push_back({2, w2});
  }
  es.push_back(cpn::testing::RuleEntity(10, "2001:db8:cafe::/48", weights));
  absl::StatusOr<srv6::EntityMap> m = srv6::MakeEntityMap(es);
  EXPECT_TRUE(m.ok()) << m.status();
  return *m;
}

std::shared_ptr<DesiredForSession> Desired(uint64_t generation, srv6::EntityMap entities) {
  auto d = std::make_shared<DesiredForSession>();
  d->generation = generation;
  d->ports_key = PortsKey({});  // the harness starts without ports
  d->entities = std::move(entities);
  return d;
}

class SessionTest : public ::testing::Test {
 protected:
  SessionOptions Options(uint64_t election_id, const std::string& router = "r1") {
    SessionOptions o;
    o.router_id = router;
    o.address = absl::StrCat("127.0.0.1:", dp_.port());
    o.election_id_low = election_id;
    o.client_id = absl::StrCat("ctl-", election_id);
    o.retry_failed_after = absl::Milliseconds(200);
    return o;
  }
  std::unique_ptr<DataplaneSession> Open(SessionOptions o) {
    auto s = std::make_unique<DataplaneSession>(std::move(o), nullptr);
    s->Start();
    return s;
  }
  // The dataplane's entities equal `want` (Port.status ignored).
  bool Installed(const srv6::EntityMap& want, uint64_t* version = nullptr) {
    uint64_t v = 0;
    absl::StatusOr<srv6::EntityMap> have = srv6::MakeEntityMap(dp_.Read(&v));
    if (version != nullptr) *version = v;
    return have.ok() && srv6::DiffEntities(*have, want).empty();
  }

  DataplaneHarness dp_{HarnessOptions{.router_id = "r1"}};
};

TEST_F(SessionTest, PrimaryProgramsTheDesiredStateAndAWeightChangeIsOneModify) {
  auto s = Open(Options(7));
  s->SetDesired(Desired(1, IngressState(1, 1)));
  ASSERT_TRUE(WaitFor([&] { return Installed(IngressState(1, 1)); }))
      << s->Snapshot().DebugString();
  ASSERT_TRUE(WaitFor([&] { return s->stats().synced_generation == 1; }));
  EXPECT_EQ(s->Snapshot().state(), cv1::SESSION_STATE_PRIMARY);
  // Make before break: policies and routes first, the rule after.
  EXPECT_EQ(s->stats().writes, 2u);
  const SessionStats before = s->stats();

  s->SetDesired(Desired(2, IngressState(3, 1)));
  ASSERT_TRUE(WaitFor([&] { return s->stats().synced_generation == 2; }));
  EXPECT_EQ(s->stats().writes - before.writes, 1u);
  EXPECT_EQ(s->stats().updates_written - before.updates_written, 1u);
  uint64_t version = 0;
  EXPECT_TRUE(Installed(IngressState(3, 1), &version));
  EXPECT_EQ(version, 3u);
  EXPECT_EQ(s->Snapshot().installed_version(), 3u);
  EXPECT_EQ(s->Snapshot().pending_updates(), 0u);
}

TEST_F(SessionTest, MovingFlowsOffAPolicyWritesRuleBeforeDeletingThePolicy) {
  auto s = Open(Options(7));
  s->SetDesired(Desired(1, IngressState(1, 1)));
  ASSERT_TRUE(WaitFor([&] { return s->stats().synced_generation == 1; }));
  auto ctl = dp_.Connect(1, "observer");  // a backup sees every version
  const SessionStats before = s->stats();
  s->SetDesired(Desired(2, IngressState(1, 0, /*second_policy=*/false)));
  ASSERT_TRUE(WaitFor([&] { return s->stats().synced_generation == 2; }));
  // Two batches: the rule stops using policy 2, then policy 2 goes. Each
  // intermediate state was accepted by the dataplane's reference checks.
  EXPECT_EQ(s->stats().writes - before.writes, 2u);
  EXPECT_TRUE(Installed(IngressState(1, 0, false)));
  ASSERT_TRUE(ctl->NextInstalledVersion().has_value());
  ASSERT_TRUE(ctl->NextInstalledVersion().has_value());
}

TEST_F(SessionTest, ARestartedControllerReadsAndWritesNothingThatMatches) {
  uint64_t version = 0;
  {
    auto s = Open(Options(7));
    s->SetDesired(Desired(1, IngressState(1, 1)));
    ASSERT_TRUE(WaitFor([&] { return s->stats().synced_generation == 1; }));
    version = s->Snapshot().installed_version();
  }
  auto s = Open(Options(7));
  s->SetDesired(Desired(1, IngressState(1, 1)));
  ASSERT_TRUE(WaitFor([&] { return s->stats().synced_generation == 1; }));
  EXPECT_EQ(s->stats().reads, 1u);
  EXPECT_EQ(s->stats().writes, 0u);  // no flush, no rewrite
  EXPECT_EQ(s->Snapshot().installed_version(), version);
  EXPECT_TRUE(Installed(IngressState(1, 1)));
}

TEST_F(SessionTest, TheBackupTakesOverWhenThePrimaryGoesAndWritesOnlyTheDifference) {
  auto primary = Open(Options(9));
  primary->SetDesired(Desired(1, IngressState(1, 1)));
  ASSERT_TRUE(WaitFor([&] { return primary->stats().synced_generation == 1; }));
  auto backup = Open(Options(4));
  backup->SetDesired(Desired(1, IngressState(1, 1)));
  ASSERT_TRUE(WaitFor([&] { return backup->Snapshot().state() == cv1::SESSION_STATE_BACKUP; }));
  EXPECT_EQ(backup->Snapshot().primary_client_id(), "ctl-9");
  EXPECT_EQ(backup->stats().writes, 0u);

  const uint64_t version = primary->Snapshot().installed_version();
  primary->Stop();
  ASSERT_TRUE(WaitFor([&] { return backup->Snapshot().state() == cv1::SESSION_STATE_PRIMARY; }));
  ASSERT_TRUE(WaitFor([&] { return backup->stats().synced_generation == 1; }));
  EXPECT_EQ(backup->stats().writes, 0u);
  EXPECT_EQ(backup->Snapshot().installed_version(), version);

  backup->SetDesired(Desired(2, IngressState(1, 5)));
  ASSERT_TRUE(WaitFor([&] { return backup->stats().synced_generation == 2; }));
  EXPECT_EQ(backup->stats().updates_written, 1u);
  EXPECT_TRUE(Installed(IngressState(1, 5)));
}

TEST_F(SessionTest, ARejectedWriteChangesNothingNamesTheEntityAndAFixedStateGoesIn) {
  auto s = Open(Options(7));
  s->SetDesired(Desired(1, IngressState(1, 1)));
  ASSERT_TRUE(WaitFor([&] { return s->stats().synced_generation == 1; }));
  const uint64_t version = s->Snapshot().installed_version();
  // A rule naming a policy that does not exist.
  srv6::EntityMap bad = IngressState(1, 1);
  v1::Entity rule = cpn::testing::RuleEntity(11, "2001:db8:beef::/48", {{99, 1}});
  bad[srv6::KeyOf(rule)] = rule;
  s->SetDesired(Desired(2, bad));
  ASSERT_TRUE(WaitFor([&] { return !s->Snapshot().last_error().empty(); }));
  const cv1::DataplaneSession st = s->Snapshot();
  EXPECT_NE(st.last_error().find("11"), std::string::npos) << st.last_error();
  EXPECT_EQ(st.installed_version(), version);
  EXPECT_EQ(st.pending_updates(), 1u);
  EXPECT_EQ(st.state(), cv1::SESSION_STATE_PRIMARY);
  EXPECT_TRUE(Installed(IngressState(1, 1)));

  s->SetDesired(Desired(3, IngressState(2, 1)));
  ASSERT_TRUE(WaitFor([&] { return s->stats().synced_generation == 3; }));
  EXPECT_TRUE(Installed(IngressState(2, 1)));
}

TEST_F(SessionTest, DuringAdoptionUnknownRulesStayAndGoWhenTheWindowEnds) {
  {
    auto s = Open(Options(7));
    s->SetDesired(Desired(1, IngressState(1, 1)));
    ASSERT_TRUE(WaitFor([&] { return s->stats().synced_generation == 1; }));
  }
  SessionOptions o = Options(7);
  o.keep_unknown_until = absl::Now() + absl::Milliseconds(700);
  auto s = Open(o);
  // The restarted controller knows only the underlay so far.
  srv6::EntityMap underlay = IngressState(1, 1);
  for (auto it = underlay.begin(); it != underlay.end();) {
    it = it->second.has_steering_rule() || it->second.has_srv6_policy() ? underlay.erase(it)
                                                                        : std::next(it);
  }
  s->SetDesired(Desired(1, underlay));
  ASSERT_TRUE(WaitFor([&] { return s->stats().synced_generation == 1; }));
  EXPECT_TRUE(Installed(IngressState(1, 1)));
  EXPECT_EQ(s->Snapshot().pending_updates(), 3u);  // rule and two policies held
  ASSERT_TRUE(WaitFor([&] { return Installed(underlay); }, std::chrono::seconds(5)));
  EXPECT_EQ(s->Snapshot().pending_updates(), 0u);
}

TEST_F(SessionTest, ADataplaneOfAnotherRouterIsNeverProgrammed) {
  auto s = Open(Options(7, "r2"));
  s->SetDesired(Desired(1, IngressState(1, 1)));
  ASSERT_TRUE(WaitFor([&] { return s->Snapshot().state() == cv1::SESSION_STATE_WRONG_DATAPLANE; }));
  EXPECT_NE(s->Snapshot().last_error().find("\"r1\""), std::string::npos)
      << s->Snapshot().last_error();
  EXPECT_EQ(s->stats().writes, 0u);
  uint64_t version = 1;
  dp_.Read(&version);
  EXPECT_EQ(version, 0u);
}

TEST_F(SessionTest, AnUnreachableDataplaneIsDisconnectedAndRetriedWithBackoff) {
  SessionOptions o = Options(7);
  o.address = "127.0.0.1:1";  // nothing listens there
  auto s = Open(o);
  ASSERT_TRUE(WaitFor([&] {
    const cv1::DataplaneSession st = s->Snapshot();
    return st.state() == cv1::SESSION_STATE_DISCONNECTED && !st.last_error().empty();
  }));
  EXPECT_NE(s->Snapshot().last_error().find("127.0.0.1:1"), std::string::npos);
}

}  // namespace
}  // namespace cpn::southbound
