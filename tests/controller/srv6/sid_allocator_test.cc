// SID allocation: layout, determinism, and stability across snapshots.
#include "controller/srv6/sid_allocator.h"

#include <algorithm>
#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/controller/srv6/test_networks.h"

namespace cpn::srv6 {
namespace {

using ::testing::HasSubstr;
using testing::TopologyBuilder;

// Every SID of a snapshot by a description that uses ids only, so that two
// snapshots can be compared: "<router> End", "<router> End.X <link>",
// "<router> End.DX6 <site>".
std::map<std::string, std::string> SidsById(const model::NetworkModel& model, const SidPlan& plan) {
  std::map<std::string, std::string> out;
  for (const Sid& sid : plan.all()) {
    std::string name = model.router(sid.router).id + " " + std::string(BehaviorName(sid.behavior));
    if (sid.arc.valid()) name += " " + model.link(model::LinkOf(sid.arc)).id;
    if (sid.site.valid()) name += " " + model.site(sid.site).id;
    EXPECT_TRUE(out.emplace(name, sid.address.ToString()).second) << name;
  }
  return out;
}

TopologyBuilder Ring() {
  TopologyBuilder b;
  b.Router("r1").Router("r2").Router("r3").Router("r4");
  b.Link("r1--r2", "r1", "r2", 10).Link("r2--r3", "r2", "r3", 10);
  b.Link("r3--r4", "r3", "r4", 10).Link("r4--r1", "r4", "r1", 10);
  b.Service("llm", /*ipv4=*/true);
  b.Site("qy", "r3", {"llm"}, /*dx6=*/true, /*dx4=*/true);
  b.Site("ws", "r3", {"llm"}, /*dx6=*/false);
  return b;
}

TEST(SidAllocatorTest, LayoutIsLocatorThenFunction) {
  auto model = Ring().Build();
  absl::StatusOr<SidPlan> plan = SidPlan::Allocate(*model);
  ASSERT_TRUE(plan.ok()) << plan.status();
  const model::RouterIndex r3 = *model->FindRouter("r3");
  EXPECT_EQ(plan->end(r3).address.ToString(), "fcbb:bb00:3:1::");
  EXPECT_EQ(plan->end(r3).behavior, SidBehavior::kEnd);

  const model::SiteIndex qy = *model->FindSite("qy");
  const model::SiteIndex ws = *model->FindSite("ws");
  const Sid& dx6 = plan->decap_ipv6(qy);
  ASSERT_NE(plan->decap_ipv4(qy), nullptr);
  const Sid& dx4 = *plan->decap_ipv4(qy);
  EXPECT_EQ(dx6.behavior, SidBehavior::kEndDx6);
  EXPECT_EQ(dx4.behavior, SidBehavior::kEndDx4);
  EXPECT_EQ(dx6.router, r3);
  // One slot per site: the IPv4 SID differs from the IPv6 one in one nibble.
  EXPECT_EQ(dx6.function & 0xf000, kFunctionDecapIpv6);
  EXPECT_EQ(dx4.function & 0xf000, kFunctionDecapIpv4);
  EXPECT_EQ(dx6.function & 0x0fff, dx4.function & 0x0fff);
  // A site without an IPv6 next hop gets End.DT6 and its own table.
  EXPECT_EQ(plan->decap_ipv6(ws).behavior, SidBehavior::kEndDt6);
  EXPECT_EQ(plan->decap_ipv4(ws), nullptr);
  EXPECT_EQ(plan->dt6_table(ws), plan->decap_ipv6(ws).function);
  EXPECT_EQ(plan->dt6_table(qy), 0u);

  for (model::ArcIndex a : model->out_arcs(r3)) {
    const Sid& x = plan->end_x(a);
    EXPECT_EQ(x.behavior, SidBehavior::kEndX);
    EXPECT_EQ(x.router, r3);
    EXPECT_EQ(x.arc, a);
    EXPECT_GE(x.function, kFunctionEndX);
  }
  // Every SID is inside its router's locator, distinct, not the loopback,
  // listed in address order, and found by address.
  for (uint32_t r = 0; r < model->num_routers(); ++r) {
    const model::Router& router = model->router(model::RouterIndex(r));
    const auto sids = plan->sids_of(model::RouterIndex(r));
    EXPECT_EQ(sids.size(),
              1 + model->out_arcs(model::RouterIndex(r)).size() + (r == r3.value() ? 3u : 0u));
    for (size_t k = 0; k < sids.size(); ++k) {
      EXPECT_TRUE(router.srv6_locator.Contains(sids[k].address));
      EXPECT_NE(sids[k].address, router.loopback);
      if (k > 0) {
        EXPECT_LT(sids[k - 1].address, sids[k].address);
      }
      ASSERT_NE(plan->Find(sids[k].address), nullptr);
      EXPECT_EQ(*plan->Find(sids[k].address), sids[k]);
    }
  }
}

TEST(SidAllocatorTest, FunctionFollowsLocatorOfAnyLength) {
  TopologyBuilder b;
  b.Router("x", "fcbb:0:0:7::/64").Router("y", "fc00::/16");
  b.Link("x--y", "x", "y", 1);
  auto model = b.Build();
  absl::StatusOr<SidPlan> plan = SidPlan::Allocate(*model);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->end(*model->FindRouter("x")).address.ToString(), "fcbb:0:0:7:1::");
  EXPECT_EQ(plan->end(*model->FindRouter("y")).address.ToString(), "fc00:1::");
}

TEST(SidAllocatorTest, DeterministicAndIndependentOfEntityOrder) {
  auto model = Ring().Build();
  absl::StatusOr<SidPlan> first = SidPlan::Allocate(*model);
  absl::StatusOr<SidPlan> second = SidPlan::Allocate(*model);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(SidsById(*model, *first), SidsById(*model, *second));

  // The same network listed in another order gets the same SIDs by id.
  TopologyBuilder shuffled = Ring();
  auto& t = shuffled.topology();
  std::reverse(t.mutable_links()->begin(), t.mutable_links()->end());
  std::reverse(t.mutable_sites()->begin(), t.mutable_sites()->end());
  auto model2 = shuffled.Build();
  absl::StatusOr<SidPlan> third = SidPlan::Allocate(*model2);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(SidsById(*model, *first), SidsById(*model2, *third));
}

TEST(SidAllocatorTest, AddingALinkKeepsEveryExistingSid) {
  auto before = Ring().Build();
  TopologyBuilder grown = Ring();
  grown.Link("r1--r3", "r1", "r3", 25);  // touches r1 and r3, which keep their SIDs
  grown.Router("r5").Link("r5--r2", "r5", "r2", 5);
  auto after = grown.Build();
  absl::StatusOr<SidPlan> p1 = SidPlan::Allocate(*before);
  absl::StatusOr<SidPlan> p2 = SidPlan::Allocate(*after);
  ASSERT_TRUE(p1.ok() && p2.ok());
  const auto old_sids = SidsById(*before, *p1);
  const auto new_sids = SidsById(*after, *p2);
  for (const auto& [name, address] : old_sids) {
    ASSERT_TRUE(new_sids.contains(name)) << name;
    EXPECT_EQ(new_sids.at(name), address) << name;
  }
  EXPECT_EQ(new_sids.size(), old_sids.size() + 2 /*r1--r3*/ + 1 /*r5 End*/ + 2 /*r5--r2*/);
}

TEST(SidAllocatorTest, LoopbackOnTheEndSidIsRejected) {
  TopologyBuilder b;
  b.Router("x").Router("y");
  b.topology().mutable_routers(0)->set_loopback_ipv6("fcbb:bb00:1:1::");
  b.Link("x--y", "x", "y", 1);
  auto model = b.Build();
  absl::StatusOr<SidPlan> plan = SidPlan::Allocate(*model);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(plan.status().message(), HasSubstr("router \"x\": loopback_ipv6"));
}

TEST(SidAllocatorTest, LoopbackOnAnAdjacencySidMovesThatSid) {
  TopologyBuilder b;
  b.Router("x").Router("y");
  b.Link("x--y", "x", "y", 1);
  auto model = b.Build();
  absl::StatusOr<SidPlan> plan = SidPlan::Allocate(*model);
  ASSERT_TRUE(plan.ok());
  const model::RouterIndex x = *model->FindRouter("x");
  const std::string taken = plan->end_x(model->out_arcs(x)[0]).address.ToString();

  b.topology().mutable_routers(0)->set_loopback_ipv6(taken);
  auto model2 = b.Build();
  absl::StatusOr<SidPlan> plan2 = SidPlan::Allocate(*model2);
  ASSERT_TRUE(plan2.ok()) << plan2.status();
  const Sid& moved = plan2->end_x(model2->out_arcs(x)[0]);
  EXPECT_NE(moved.address.ToString(), taken);
  EXPECT_EQ(moved.function, plan->end_x(model->out_arcs(x)[0]).function + 1);
}

}  // namespace
}  // namespace cpn::srv6
