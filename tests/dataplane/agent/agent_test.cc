// The southbound agent over a REAL gRPC socket (localhost, ephemeral port):
// arbitration between controllers, versioned Writes, all-or-nothing
// validation with per-update errors in the status details, Read round trips
// in canonical form, capabilities and counter streaming.
#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/dataplane/agent/dataplane_harness.h"
#include "tests/dataplane/eal_environment.h"

namespace cpn::testing {
namespace {

using ::testing::HasSubstr;

// A port with no traffic at all: net_null that never receives.
v1::Entity NullPort(uint32_t id, const std::string& name) {
  return PortEntity(id, name, UniqueVdev("net_null") + ",no-rx=1");
}

// A small valid configuration of every entity kind (with non-canonical text
// forms, which Read must return canonical).
std::vector<v1::Update> Baseline() {
  return {
      Insert(NullPort(1, "eth1")),
      Insert(NeighborEntity(1, "FE80::0:2", "02:00:00:00:00:AA")),
      Insert(RouteVia(0, "fc00:0::/16", {{1, "fe80::2"}})),
      Insert(RouteLocal(0, "fc00:1::/32")),
      Insert(RouteBlackhole(0, "198.51.100.0/24")),
      Insert(SidEnd("fc00:1:0::e", {v1::SID_FLAVOR_PSP})),
      Insert(PolicyEntity(5, "2001:db8:ff::1", {"fc00:2::e", "FC00:3::D6"})),
      Insert(RuleEntity(7, "2001:db8:cafe::/48", {{5, 100}})),
  };
}

std::vector<std::string> Keys(const std::vector<v1::Entity>& es) {
  std::vector<std::string> out;
  for (const auto& e : es) out.push_back(e.ShortDebugString());
  return out;
}

TEST(DpAgent, CapabilitiesNameTheRouterAndLimits) {
  DataplaneHarness h({.workers = 1, .router_id = "shanghai"});
  grpc::ClientContext ctx;
  v1::GetCapabilitiesResponse caps;
  ASSERT_TRUE(h.stub().GetCapabilities(&ctx, v1::GetCapabilitiesRequest(), &caps).ok());
  EXPECT_EQ(caps.dataplane_id(), "shanghai");
  EXPECT_NE(caps.boot_id(), 0u);
  EXPECT_EQ(caps.worker_count(), 1u);
  EXPECT_EQ(caps.max_segments(), 8u);
  EXPECT_GT(caps.capacities().steering_rules(), 0u);
  EXPECT_GT(caps.capacities().affinity_entries(), 0u);
  EXPECT_FALSE(caps.emulation_override_enabled());
  EXPECT_EQ(caps.min_counters_interval().nanos(), 100'000'000);
}

TEST(DpAgent, HighestElectionIdIsPrimaryAndTheNextTakesOverWhenItLeaves) {
  DataplaneHarness h;
  auto a = std::make_unique<ControllerStream>(&h.stub(), 10, "ctl-a");
  std::optional<v1::ArbitrationResponse> ra = a->NextArbitration();
  ASSERT_TRUE(ra.has_value());
  EXPECT_EQ(ra->role(), v1::ARBITRATION_ROLE_PRIMARY);
  EXPECT_EQ(ra->primary_election_id().low(), 10u);
  EXPECT_EQ(ra->dataplane_id(), "r1");

  auto b = std::make_unique<ControllerStream>(&h.stub(), 20, "ctl-b");
  std::optional<v1::ArbitrationResponse> rb = b->NextArbitration();
  ASSERT_TRUE(rb.has_value());
  EXPECT_EQ(rb->role(), v1::ARBITRATION_ROLE_PRIMARY);
  // A is told it lost, and who won.
  ra = a->NextArbitration();
  ASSERT_TRUE(ra.has_value());
  EXPECT_EQ(ra->role(), v1::ARBITRATION_ROLE_BACKUP);
  EXPECT_EQ(ra->primary_election_id().low(), 20u);
  EXPECT_EQ(ra->primary_client_id(), "ctl-b");

  // The backup may not write; the primary may.
  grpc::Status s = h.Write(10, 0, 1, {});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("not the primary"));
  ASSERT_TRUE(h.Write(20, 0, 1, {}).ok());

  // The primary's stream ends: A becomes primary at once and may write.
  EXPECT_TRUE(b->Close().ok());
  ra = a->NextArbitration();
  ASSERT_TRUE(ra.has_value());
  EXPECT_EQ(ra->role(), v1::ARBITRATION_ROLE_PRIMARY);
  EXPECT_EQ(ra->installed_version(), 1u);
  EXPECT_TRUE(h.Write(10, 1, 2, {}).ok());
  EXPECT_EQ(h.Write(20, 2, 3, {}).error_code(), grpc::StatusCode::PERMISSION_DENIED);

  // No controller at all: nobody may write, the state stays.
  EXPECT_TRUE(a->Close().ok());
  EXPECT_EQ(h.Write(10, 2, 3, {}).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  uint64_t version = 0;
  h.Read(&version);
  EXPECT_EQ(version, 2u);
}

TEST(DpAgent, ArbitrationRejectsBadStreams) {
  DataplaneHarness h;
  auto a = h.Connect(5, "ctl-a");
  // The same election id as an open stream.
  ControllerStream dup(&h.stub(), 5, "ctl-dup");
  EXPECT_EQ(dup.WaitForEnd().error_code(), grpc::StatusCode::ALREADY_EXISTS);
  // Election id 0.
  ControllerStream zero(&h.stub(), 0, "ctl-zero");
  ASSERT_TRUE(zero.SendArbitration(0));
  EXPECT_EQ(zero.WaitForEnd().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // First message not an arbitration.
  ControllerStream empty(&h.stub(), 0, "ctl-empty");
  ASSERT_TRUE(empty.Send(v1::StreamChannelRequest()));
  EXPECT_EQ(empty.WaitForEnd().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // The primary was not disturbed.
  EXPECT_TRUE(h.Write(5, 0, 1, {}).ok());
}

TEST(DpAgent, PrimaryMayRaiseItsIdAndABackupOvertakesByRaisingIts) {
  DataplaneHarness h;
  auto a = h.Connect(10, "ctl-a");
  auto b = h.Connect(5, "ctl-b");
  EXPECT_EQ(h.Write(5, 0, 1, {}).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(b->SendArbitration(30));
  std::optional<v1::ArbitrationResponse> rb = b->NextArbitration();
  ASSERT_TRUE(rb.has_value());
  EXPECT_EQ(rb->role(), v1::ARBITRATION_ROLE_PRIMARY);
  std::optional<v1::ArbitrationResponse> ra = a->NextArbitration();
  ASSERT_TRUE(ra.has_value());
  EXPECT_EQ(ra->role(), v1::ARBITRATION_ROLE_BACKUP);
  EXPECT_TRUE(h.Write(30, 0, 1, {}).ok());
}

TEST(DpAgent, VersionsAreCheckedAndEveryStreamHearsOfAWrite) {
  DataplaneHarness h;
  auto a = h.Connect(2, "ctl-a");
  auto b = h.Connect(1, "ctl-b");  // Backup; still notified.
  grpc::Status s = h.Write(2, 0, 0, {});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("new_version"));
  s = h.Write(2, 3, 4, {});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("version 0 is installed"));
  std::optional<v1::WriteError> we = WriteErrorOf(s);
  ASSERT_TRUE(we.has_value());
  EXPECT_EQ(we->installed_version(), 0u);
  EXPECT_TRUE(we->errors().empty());

  ASSERT_TRUE(h.Write(2, 0, 7, Baseline()).ok());
  for (ControllerStream* c : {a.get(), b.get()}) {
    std::optional<v1::InstalledVersionEvent> e = c->NextInstalledVersion();
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->installed_version(), 7u);
    EXPECT_EQ(e->writer_election_id().low(), 2u);
  }
  EXPECT_EQ(h.Write(2, 0, 8, {}).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(h.Write(2, 7, 8, {}).ok());  // Empty batch: only the version moves.
  uint64_t version = 0;
  EXPECT_EQ(h.Read(&version).size(), Baseline().size());
  EXPECT_EQ(version, 8u);
}

TEST(DpAgent, ReadReturnsExactlyWhatWasWrittenInCanonicalForm) {
  DataplaneHarness h;
  auto a = h.Connect(1);
  ASSERT_TRUE(h.Write(1, 0, 1, Baseline()).ok());
  uint64_t version = 0;
  const std::vector<v1::Entity> all = h.Read(&version);
  EXPECT_EQ(version, 1u);
  ASSERT_EQ(all.size(), 8u);
  // Ordered by kind, then key.
  EXPECT_TRUE(all[0].has_port());
  EXPECT_EQ(all[0].port().name(), "eth1");
  EXPECT_EQ(all[0].port().status().driver(), "net_null");
  EXPECT_EQ(all[0].port().status().oper_state(), tv1::OPER_STATE_UP);
  EXPECT_FALSE(all[0].port().status().mac_address().empty());
  EXPECT_EQ(all[1].neighbor().address(), "fe80::2");
  EXPECT_EQ(all[1].neighbor().mac_address(), "02:00:00:00:00:aa");
  EXPECT_EQ(all[2].route().prefix(), "198.51.100.0/24");  // IPv4-mapped sorts first.
  EXPECT_TRUE(all[2].route().has_blackhole());
  EXPECT_EQ(all[3].route().prefix(), "fc00::/16");
  EXPECT_EQ(all[4].route().prefix(), "fc00:1::/32");
  EXPECT_EQ(all[5].local_sid().sid(), "fc00:1::e");
  ASSERT_EQ(all[5].local_sid().flavors_size(), 1);
  EXPECT_EQ(all[6].srv6_policy().segments(1), "fc00:3::d6");
  EXPECT_EQ(all[7].steering_rule().weighted().policies(0).weight(), 100u);

  // Writing back what Read returned (status stripped) is a no-op MODIFY.
  std::vector<v1::Update> again;
  for (v1::Entity e : all) {
    if (e.has_port()) e.mutable_port()->clear_status();
    again.push_back(Modify(e));
  }
  ASSERT_TRUE(h.Write(1, 1, 2, again).ok());
  std::vector<v1::Entity> after = h.Read(&version);
  EXPECT_EQ(version, 2u);
  EXPECT_EQ(Keys(after), Keys(all));

  // Filters.
  const std::vector<v1::Entity> routes = h.Read(nullptr, {v1::ENTITY_TYPE_ROUTE});
  EXPECT_EQ(routes.size(), 3u);
  v1::ReadRequest bad;
  bad.add_entity_types(v1::ENTITY_TYPE_UNSPECIFIED);
  grpc::ClientContext ctx;
  auto reader = h.stub().Read(&ctx, bad);
  v1::ReadResponse chunk;
  while (reader->Read(&chunk)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST(DpAgent, AnInvalidBatchChangesNothingAndListsEveryFailingUpdate) {
  DataplaneHarness h;
  auto a = h.Connect(1);
  ASSERT_TRUE(h.Write(1, 0, 1, Baseline()).ok());
  uint64_t version = 0;
  const std::vector<v1::Entity> before = h.Read(&version);

  const std::vector<v1::Update> batch = {
      Insert(RouteVia(0, "2001:db8:1::/48", {{1, "fe80::2"}})),        // 0: fine
      Insert(RouteVia(0, "2001:db8::1/64", {{1, "fe80::2"}})),         // 1: host bits
      Insert(RuleEntity(8, "2001:db8:beef::/48", {{99, 1}})),          // 2: unknown policy
      Insert(NeighborEntity(9, "fe80::9", "02:00:00:00:00:09")),       // 3: unknown port
      Insert(PolicyEntity(6, "2001:db8:ff::1", {"fc00:2::e"})),        // 4: fine
      Insert(PolicyEntity(6, "2001:db8:ff::1", {"fc00:2::f"})),        // 5: key twice
      Insert(SidEnd("fc00:1::e")),                                     // 6: exists
      Modify(SidEnd("fc00:1::77")),                                    // 7: missing
      Delete(PolicyEntity(5, "", {})),                                 // 8: still used by rule 7
      Insert(PolicyEntity(9, "2001:db8:ff::1", {"fcbb::zz"})),         // 9: bad segment
      Insert(PolicyEntity(10, "2001:db8:ff::1", {"2001:db8:77::1"})),  // 10: unroutable
      Insert(RuleEntity(11, "2001:db8:cafe::/48", {{5, 1}})),          // 11: same match as rule 7
  };
  grpc::Status s = h.Write(1, 1, 2, batch);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);  // Code of updates[1].
  EXPECT_THAT(s.error_message(), HasSubstr("updates[1] (route \"0 2001:db8::1/64\")"));
  EXPECT_THAT(s.error_message(), HasSubstr("host bits"));
  std::optional<v1::WriteError> we = WriteErrorOf(s);
  ASSERT_TRUE(we.has_value());
  EXPECT_EQ(we->installed_version(), 1u);
  std::vector<std::pair<uint32_t, int>> got;
  for (const auto& e : we->errors()) {
    got.emplace_back(e.index(), e.code());
    EXPECT_FALSE(e.message().empty());
  }
  const std::vector<std::pair<uint32_t, int>> want = {{1, 3}, {2, 3}, {3, 3}, {5, 3},  {6, 6},
                                                      {7, 5}, {8, 3}, {9, 3}, {10, 3}, {11, 3}};
  EXPECT_EQ(got, want);
  for (const auto& e : we->errors()) {
    switch (e.index()) {
      case 2:
        EXPECT_EQ(e.entity_type(), v1::ENTITY_TYPE_STEERING_RULE);
        EXPECT_EQ(e.entity_key(), "8");
        EXPECT_THAT(e.message(), HasSubstr("SRv6 policy 99 does not exist"));
        break;
      case 3:
        EXPECT_THAT(e.message(), HasSubstr("port 9 does not exist"));
        break;
      case 8:
        EXPECT_THAT(e.message(), HasSubstr("still referenced by steering rule 7"));
        break;
      case 9:
        EXPECT_THAT(e.message(), HasSubstr("segments[0]"));
        break;
      case 10:
        EXPECT_THAT(e.message(), HasSubstr("no route in table 0"));
        break;
      default:
        break;
    }
  }
  // Nothing changed.
  uint64_t after_version = 0;
  EXPECT_EQ(Keys(h.Read(&after_version)), Keys(before));
  EXPECT_EQ(after_version, 1u);
  // The good part alone applies.
  EXPECT_TRUE(h.Write(1, 1, 2, {batch[0], batch[4]}).ok());
}

TEST(DpAgent, ReferencesAreCheckedAgainstTheWholeBatchInAnyOrder) {
  DataplaneHarness h;
  auto a = h.Connect(1);
  // The rule comes before its policy, the route before its port.
  ASSERT_TRUE(
      h.Write(1, 0, 1,
              {Insert(RuleEntity(1, "2001:db8:cafe::/48", {{2, 1}})),
               Insert(PolicyEntity(2, "2001:db8:ff::1", {"fc00:2::e"})),
               Insert(RouteVia(0, "fc00::/16", {{3, "fe80::1"}})), Insert(NullPort(3, "eth3"))})
          .ok());
  // Deleting a policy together with the rule that used it is fine.
  ASSERT_TRUE(
      h.Write(1, 1, 2,
              {Delete(PolicyEntity(2, "", {})), Delete(RuleEntity(1, "2001:db8:cafe::/48", {}))})
          .ok());
  // Deleting a port a route still uses is not.
  grpc::Status s = h.Write(1, 2, 3, {Delete(PortEntity(3, "", ""))});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("still referenced by route 0 fc00::/16"));
}

TEST(DpAgent, APortThatCannotBeProbedIsRejectedAndNothingChanges) {
  DataplaneHarness h;
  auto a = h.Connect(1);
  grpc::Status s = h.Write(
      1, 0, 1,
      {Insert(NullPort(1, "eth1")),
       Insert(PortEntity(2, "eth2", UniqueVdev("net_pcap") + ",rx_pcap=/nonexistent/x.pcap"))});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("updates[1] (port \"2\")"));
  uint64_t version = 0;
  EXPECT_TRUE(h.Read(&version).empty());
  EXPECT_EQ(version, 0u);
  // Port ids, names and MODIFY rules.
  ASSERT_TRUE(h.Write(1, 0, 1, {Insert(NullPort(1, "eth1"))}).ok());
  s = h.Write(1, 1, 2, {Insert(NullPort(2, "eth1"))});
  EXPECT_THAT(s.error_message(), HasSubstr("also the name of port 1"));
  s = h.Write(1, 1, 2, {Modify(PortEntity(1, "eth1", "net_null99"))});
  EXPECT_THAT(s.error_message(), HasSubstr("devargs: cannot change by MODIFY"));
  EXPECT_TRUE(h.Write(1, 1, 2, {Modify(PortEntity(1, "eth1b", "", "02:00:00:00:01:01"))}).ok());
  const std::vector<v1::Entity> ports = h.Read(nullptr, {v1::ENTITY_TYPE_PORT});
  ASSERT_EQ(ports.size(), 1u);
  EXPECT_EQ(ports[0].port().name(), "eth1b");
  EXPECT_EQ(ports[0].port().status().mac_address(), "02:00:00:00:01:01");
}

TEST(DpAgent, StreamCountersSendsSamplesAtTheInterval) {
  DataplaneHarness h;
  auto a = h.Connect(1);
  ASSERT_TRUE(h.Write(1, 0, 1, Baseline()).ok());
  v1::CountersRequest req;
  req.mutable_interval()->set_nanos(100'000'000);
  grpc::ClientContext ctx;
  auto reader = h.stub().StreamCounters(&ctx, req);
  std::vector<tv1::CountersSnapshot> samples(3);
  const auto start = std::chrono::steady_clock::now();
  for (auto& s : samples) ASSERT_TRUE(reader->Read(&s));
  const auto took = std::chrono::steady_clock::now() - start;
  ctx.TryCancel();
  (void)reader->Finish();
  EXPECT_GE(took, std::chrono::milliseconds(180));
  const tv1::CountersSnapshot& s = samples.back();
  EXPECT_EQ(s.dataplane_id(), "r1");
  EXPECT_EQ(s.installed_version(), 1u);
  ASSERT_EQ(s.ports_size(), 1);
  EXPECT_EQ(s.ports(0).name(), "eth1");
  ASSERT_EQ(s.steering_rules_size(), 1);
  EXPECT_EQ(s.steering_rules(0).rule_id(), 7u);
  ASSERT_EQ(s.policies_size(), 1);
  ASSERT_EQ(s.local_sids_size(), 1);
  EXPECT_EQ(s.local_sids(0).sid(), "fc00:1::e");
  ASSERT_EQ(s.workers_size(), 1);
  EXPECT_GT(s.workers(0).total_cycles(), 0u);
  EXPECT_GT(s.affinity().capacity(), 0u);

  v1::CountersRequest too_fast;
  too_fast.mutable_interval()->set_nanos(1'000'000);
  grpc::ClientContext ctx2;
  auto r2 = h.stub().StreamCounters(&ctx2, too_fast);
  tv1::CountersSnapshot ignored;
  EXPECT_FALSE(r2->Read(&ignored));
  EXPECT_EQ(r2->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST(DpAgent, SetPortEmulationNeedsLabEmulation) {
  DataplaneHarness h;
  grpc::ClientContext ctx;
  v1::SetPortEmulationRequest req;
  req.set_port_id(1);
  req.mutable_clear();
  v1::SetPortEmulationResponse resp;
  EXPECT_EQ(h.stub().SetPortEmulation(&ctx, req, &resp).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

}  // namespace
}  // namespace cpn::testing
