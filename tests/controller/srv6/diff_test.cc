// The stable diff of two desired states and its make-before-break batches.
#include "controller/srv6/diff.h"

#include <string>
#include <vector>

#include "controller/srv6/compiler.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/controller/srv6/test_networks.h"

namespace cpn::srv6 {
namespace {

namespace dpv1 = cpn::dataplane::v1;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::PathThrough;

// Router a's desired state in the diamond (IPv6 only), llm entering at a:
// `via_b` of it via b and the rest via c (all via c with no b entry when
// `only_c`).
EntityMap StateOfA(const model::NetworkModel& m, double via_b, bool only_c = false) {
  const model::SiteIndex qy = *m.FindSite("qy");
  SteeringIntent intent{*m.FindRouter("a"), *m.FindService("llm"), {}};
  if (!only_c) intent.entries.push_back({qy, PathThrough(m, {"a", "b", "d"}), via_b});
  intent.entries.push_back({qy, PathThrough(m, {"a", "c", "d"}), 1 - via_b});
  absl::StatusOr<DesiredState> s = CompileDesiredState(m, std::vector<SteeringIntent>{intent});
  EXPECT_TRUE(s.ok()) << s.status();
  return s->Find("a")->entities;
}

std::string Describe(const dpv1::Update& u) {
  const char* type = u.type() == dpv1::UPDATE_TYPE_INSERT   ? "INSERT"
                     : u.type() == dpv1::UPDATE_TYPE_MODIFY ? "MODIFY"
                                                            : "DELETE";
  std::string kind = KeyOf(u.entity()).DebugString();
  return std::string(type) + " " + kind.substr(0, kind.find(' '));
}

std::vector<std::string> Describe(const std::vector<dpv1::Update>& updates) {
  std::vector<std::string> out;
  for (const dpv1::Update& u : updates) out.push_back(Describe(u));
  return out;
}

TEST(DiffTest, IdenticalStatesGiveNoUpdates) {
  auto model = testing::Diamond(/*ipv4=*/false);
  const EntityDiff diff = DiffEntities(StateOfA(*model, 0.75), StateOfA(*model, 0.75));
  EXPECT_TRUE(diff.empty());
  EXPECT_THAT(MakeBeforeBreakBatches(diff), IsEmpty());
}

TEST(DiffTest, OneWeightChangedIsOneRuleModify) {
  auto model = testing::Diamond(/*ipv4=*/false);
  const EntityMap before = StateOfA(*model, 0.75);
  const EntityMap after = StateOfA(*model, 0.5);
  const EntityDiff diff = DiffEntities(before, after);
  EXPECT_THAT(diff.inserts, IsEmpty());
  EXPECT_THAT(diff.deletes, IsEmpty());
  ASSERT_EQ(diff.modifies.size(), 1u);
  const dpv1::Update& u = diff.modifies[0];
  EXPECT_EQ(u.type(), dpv1::UPDATE_TYPE_MODIFY);
  ASSERT_TRUE(u.entity().has_steering_rule());
  uint32_t sum = 0;
  for (const auto& wp : u.entity().steering_rule().weighted().policies()) {
    EXPECT_EQ(wp.weight(), 32768u - (sum == 0 ? 0u : 1u));
    sum += wp.weight();
  }
  EXPECT_EQ(sum, kSteeringWeightTotal);
  const std::vector<UpdateBatch> batches = MakeBeforeBreakBatches(diff);
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].phase, BatchPhase::kSteer);
}

TEST(DiffTest, InstalledPortStatusIsIgnored) {
  auto model = testing::Diamond(/*ipv4=*/false);
  const EntityMap desired = StateOfA(*model, 0.75);
  EntityMap installed = desired;
  for (auto& [key, e] : installed) {
    if (e.has_port()) e.mutable_port()->mutable_status()->set_driver("net_ring");
  }
  EXPECT_TRUE(DiffEntities(installed, desired).empty());
}

TEST(DiffTest, MovingAllFlowsIsMakeBeforeBreak) {
  auto model = testing::Diamond(/*ipv4=*/false);
  // From 75/25 over b and c to everything via c: the b policy goes away.
  const EntityMap before = StateOfA(*model, 0.75);
  const EntityMap after = StateOfA(*model, 0.0, /*only_c=*/true);
  const EntityDiff diff = DiffEntities(before, after);
  EXPECT_THAT(Describe(diff.modifies), ElementsAre("MODIFY steering_rule"));
  EXPECT_THAT(Describe(diff.deletes), ElementsAre("DELETE srv6_policy"));
  EXPECT_THAT(diff.inserts, IsEmpty());
  const std::vector<UpdateBatch> batches = MakeBeforeBreakBatches(diff);
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].phase, BatchPhase::kSteer);
  EXPECT_EQ(batches[1].phase, BatchPhase::kBreak);

  // And back: the policy is inserted before the rule uses it.
  const std::vector<UpdateBatch> back = MakeBeforeBreakBatches(DiffEntities(after, before));
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].phase, BatchPhase::kMake);
  EXPECT_THAT(Describe(back[0].updates), ElementsAre("INSERT srv6_policy"));
  EXPECT_EQ(back[1].phase, BatchPhase::kSteer);
  EXPECT_THAT(Describe(back[1].updates), ElementsAre("MODIFY steering_rule"));
}

TEST(DiffTest, BatchesOrderEveryKind) {
  // Hand-made states exercising all four phases.
  auto entity = [](auto fill) {
    dpv1::Entity e;
    fill(e);
    return e;
  };
  const dpv1::Entity port1 = entity([](dpv1::Entity& e) { e.mutable_port()->set_id(1); });
  const dpv1::Entity port2 = entity([](dpv1::Entity& e) { e.mutable_port()->set_id(2); });
  const dpv1::Entity nbr = entity([](dpv1::Entity& e) {
    e.mutable_neighbor()->set_port_id(1);
    e.mutable_neighbor()->set_address("fe80::2");
  });
  const dpv1::Entity route_old = entity([](dpv1::Entity& e) {
    e.mutable_route()->set_prefix("fcbb:bb00:9::/48");
    e.mutable_route()->mutable_blackhole();
  });
  const dpv1::Entity route_new = entity([](dpv1::Entity& e) {
    e.mutable_route()->set_prefix("fcbb:bb00:8::/48");
    e.mutable_route()->mutable_blackhole();
  });
  const dpv1::Entity sid = entity([](dpv1::Entity& e) {
    e.mutable_local_sid()->set_sid("fcbb:bb00:1:1::");
    e.mutable_local_sid()->mutable_end();
  });
  const dpv1::Entity policy_old = entity([](dpv1::Entity& e) {
    e.mutable_srv6_policy()->set_id(10);
    e.mutable_srv6_policy()->add_segments("fcbb:bb00:2:1::");
  });
  const dpv1::Entity policy_new = entity([](dpv1::Entity& e) {
    e.mutable_srv6_policy()->set_id(11);
    e.mutable_srv6_policy()->add_segments("fcbb:bb00:3:1::");
  });
  const dpv1::Entity rule_old = entity([](dpv1::Entity& e) {
    e.mutable_steering_rule()->set_id(20);
    e.mutable_steering_rule()->mutable_weighted()->add_policies()->set_policy_id(10);
  });
  const dpv1::Entity rule_new = entity([](dpv1::Entity& e) {
    e.mutable_steering_rule()->set_id(21);
    e.mutable_steering_rule()->mutable_weighted()->add_policies()->set_policy_id(11);
  });
  absl::StatusOr<EntityMap> installed = MakeEntityMap(
      std::vector<dpv1::Entity>{port1, port2, nbr, route_old, sid, policy_old, rule_old});
  absl::StatusOr<EntityMap> desired =
      MakeEntityMap(std::vector<dpv1::Entity>{port1, route_new, policy_new, rule_new});
  ASSERT_TRUE(installed.ok() && desired.ok());
  const std::vector<UpdateBatch> batches =
      MakeBeforeBreakBatches(DiffEntities(*installed, *desired));
  ASSERT_EQ(batches.size(), 4u);
  EXPECT_EQ(batches[0].phase, BatchPhase::kMake);
  EXPECT_THAT(Describe(batches[0].updates), ElementsAre("INSERT route", "INSERT srv6_policy"));
  EXPECT_EQ(batches[1].phase, BatchPhase::kSteer);
  EXPECT_THAT(Describe(batches[1].updates), ElementsAre("INSERT steering_rule"));
  EXPECT_EQ(batches[2].phase, BatchPhase::kUnsteer);
  EXPECT_THAT(Describe(batches[2].updates), ElementsAre("DELETE steering_rule"));
  EXPECT_EQ(batches[3].phase, BatchPhase::kBreak);
  EXPECT_THAT(Describe(batches[3].updates),
              ElementsAre("DELETE srv6_policy", "DELETE local_sid", "DELETE route",
                          "DELETE neighbor", "DELETE port"));

  // The southbound session writes from the batches by reference: the same
  // updates, in the same order, pointing into the two maps.
  const std::vector<UpdateRefBatch> refs =
      MakeBeforeBreakRefBatches(DiffEntityRefs(*installed, *desired));
  ASSERT_EQ(refs.size(), batches.size());
  for (size_t b = 0; b < refs.size(); ++b) {
    EXPECT_EQ(refs[b].phase, batches[b].phase);
    ASSERT_EQ(refs[b].updates.size(), batches[b].updates.size());
    for (size_t i = 0; i < refs[b].updates.size(); ++i) {
      const UpdateRef& r = refs[b].updates[i];
      EXPECT_EQ(r.type, batches[b].updates[i].type());
      EXPECT_EQ(*r.key, KeyOf(batches[b].updates[i].entity()));
      EXPECT_EQ(r.entity->SerializeAsString(), batches[b].updates[i].entity().SerializeAsString());
      const EntityMap& from = r.type == dpv1::UPDATE_TYPE_DELETE ? *installed : *desired;
      EXPECT_EQ(&from.at(*r.key), r.entity);
    }
  }
}

TEST(DiffTest, SameEntityComparesEveryField) {
  dpv1::Entity a;
  a.mutable_steering_rule()->set_id(1);
  a.mutable_steering_rule()->mutable_match()->set_destination_prefix("2001:db8::/32");
  auto* wp = a.mutable_steering_rule()->mutable_weighted()->add_policies();
  wp->set_policy_id(10);
  wp->set_weight(3);
  dpv1::Entity b = a;
  EXPECT_TRUE(SameEntity(a, b));
  b.mutable_steering_rule()->mutable_weighted()->mutable_policies(0)->set_weight(4);
  EXPECT_FALSE(SameEntity(a, b));
  b = a;
  b.mutable_steering_rule()->mutable_drop();  // The other action of the oneof.
  EXPECT_FALSE(SameEntity(a, b));
  b = a;
  b.mutable_steering_rule()->mutable_weighted()->add_policies()->set_policy_id(11);
  EXPECT_FALSE(SameEntity(a, b));
  dpv1::Entity p;
  p.mutable_srv6_policy()->set_id(1);
  EXPECT_FALSE(SameEntity(a, p));
}

TEST(DiffTest, EntityMapRejectsDuplicatesAndEmpties) {
  dpv1::Entity port;
  port.mutable_port()->set_id(3);
  absl::StatusOr<EntityMap> dup = MakeEntityMap(std::vector<dpv1::Entity>{port, port});
  EXPECT_EQ(dup.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(dup.status().message(), ::testing::HasSubstr("entities[1]: port 3 appears twice"));
  EXPECT_FALSE(MakeEntityMap(std::vector<dpv1::Entity>{dpv1::Entity()}).ok());
}

TEST(DiffTest, KeysPrintAsTheDataplaneNamesThem) {
  EXPECT_EQ((EntityKey{dpv1::ENTITY_TYPE_ROUTE, 0, "2001:db8::/32"}).ToString(), "0 2001:db8::/32");
  EXPECT_EQ((EntityKey{dpv1::ENTITY_TYPE_NEIGHBOR, 2, "fe80::1"}).ToString(), "2 fe80::1");
  EXPECT_EQ((EntityKey{dpv1::ENTITY_TYPE_LOCAL_SID, 0, "fcbb::"}).ToString(), "fcbb::");
  EXPECT_EQ((EntityKey{dpv1::ENTITY_TYPE_SRV6_POLICY, 7, ""}).DebugString(), "srv6_policy 7");
}

}  // namespace
}  // namespace cpn::srv6
