// Batch validation and compilation without gRPC: what a Write batch turns
// into, and what a new snapshot shares with the previous one.
#include "dataplane/agent/batch.h"

#include <map>
#include <memory>
#include <vector>

#include "dataplane/agent/compiler.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/dataplane/agent/dataplane_harness.h"
#include "tests/dataplane/eal_environment.h"

namespace cpn::testing {
namespace {

using dataplane::ForwardingState;
using dataplane::MaglevTable;
using dataplane::agent::ApplyBatch;
using dataplane::agent::BatchResult;
using dataplane::agent::Compile;
using dataplane::agent::CompileResult;
using dataplane::agent::InstalledState;
using dataplane::agent::Limits;
using dataplane::agent::PortBinding;
using dataplane::agent::SlotMaps;
using ::testing::HasSubstr;

v1::WriteRequest Batch(const std::vector<v1::Update>& updates) {
  v1::WriteRequest r;
  for (const auto& u : updates) *r.add_updates() = u;
  return r;
}

// Applies batches and compiles each on top of the previous snapshot, as a
// Write does (without ports or publication); fails the test on error.
class Compiler {
 public:
  Compiler() {
    PortBinding b;
    b.dpdk_id = 3;
    b.rx_queues = 1;
    b.tx_queues = 1;
    bindings_[1] = b;
  }
  const ForwardingState* Apply(const std::vector<v1::Update>& updates) {
    BatchResult br = ApplyBatch(state_, Batch(updates), Limits());
    EXPECT_TRUE(br.errors.empty()) << (br.errors.empty() ? "" : br.errors[0].message);
    if (!br.errors.empty()) return nullptr;
    br.next.version = state_.version + 1;
    CompileResult r;
    const absl::Status s =
        Compile(br.next, live_.empty() ? nullptr : live_.back().get(), bindings_, 1, &slots_, &r);
    EXPECT_TRUE(s.ok()) << s;
    if (!s.ok()) return nullptr;
    state_ = std::move(br.next);
    live_.push_back(std::move(r.state));
    return live_.back().get();
  }
  const SlotMaps& slots() const { return slots_; }

 private:
  InstalledState state_;
  SlotMaps slots_;
  std::map<uint32_t, PortBinding> bindings_;
  std::vector<std::unique_ptr<ForwardingState>> live_;
};

std::vector<v1::Update> Base() {
  return {Insert(PortEntity(1, "eth1", "unused-devargs")),
          Insert(NeighborEntity(1, "fe80::2", "02:00:00:00:00:02")),
          Insert(RouteVia(0, "fc00::/16", {{1, "fe80::2"}})),
          Insert(PolicyEntity(1, "2001:db8:ff::1", {"fc00:2::e", "fc00:3::d6"})),
          Insert(PolicyEntity(2, "2001:db8:ff::1", {"fc00:2::e", "fc00:4::d6"})),
          Insert(RuleEntity(10, "2001:db8:cafe::/48", {{1, 50}, {2, 50}}))};
}

TEST(DpBatch, KeysMayAppearOnlyOnceAndStaticChecksNameTheField) {
  BatchResult r = ApplyBatch(
      InstalledState(),
      Batch({Insert(PolicyEntity(1, "2001:db8::1", {"fc00::1"})), Delete(PolicyEntity(1, "", {})),
             Insert(PolicyEntity(2, "10.0.0.1", {"fc00::1"})),
             Insert(RouteVia(0, "fc00::/16", {{1, "10.0.0.1"}}))}),
      Limits());
  ASSERT_EQ(r.errors.size(), 4u);  // policy 1 has no route either.
  EXPECT_EQ(r.errors[0].index, 0u);
  EXPECT_THAT(r.errors[0].message, HasSubstr("no route in table 0"));
  EXPECT_THAT(r.errors[1].message, HasSubstr("appears twice"));
  EXPECT_THAT(r.errors[2].message, HasSubstr("source_address: '10.0.0.1' is not an IPv6"));
  EXPECT_THAT(r.errors[3].message, HasSubstr("next_hops.next_hops[0].address"));
}

TEST(DpBatch, CapacityIsResourceExhausted) {
  Limits limits;
  limits.capacities.srv6_policies = 1;
  BatchResult r = ApplyBatch(
      InstalledState(),
      Batch({Insert(PortEntity(1, "eth1", "x")), Insert(RouteVia(0, "fc00::/16", {{1, "fe80::2"}})),
             Insert(PolicyEntity(1, "2001:db8::1", {"fc00::1"})),
             Insert(PolicyEntity(2, "2001:db8::1", {"fc00::2"}))}),
      limits);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].code, absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(r.errors[0].index, 2u);  // The first INSERT of the kind.
}

TEST(DpCompile, AWeightChangeSharesEveryTableButTheRulesSelectorWhichMovesFewSlots) {
  Compiler c;
  const ForwardingState* a = c.Apply(Base());
  ASSERT_NE(a, nullptr);
  ASSERT_NE(a->tables.Fib6(0), nullptr);
  ASSERT_NE(a->tables.Classifier(), nullptr);
  const uint32_t rule_slot = *c.slots().rules.Find(10);
  const MaglevTable* sel_a = a->tables.Selector(rule_slot);
  ASSERT_NE(sel_a, nullptr);

  const ForwardingState* b =
      c.Apply({Modify(RuleEntity(10, "2001:db8:cafe::/48", {{1, 60}, {2, 40}}))});
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->tables.Fib6(0), a->tables.Fib6(0));            // Shared, not rebuilt.
  EXPECT_EQ(b->tables.Classifier(), a->tables.Classifier());  // Shared.
  const MaglevTable* sel_b = b->tables.Selector(rule_slot);
  ASSERT_NE(sel_b, sel_a);
  // Built as a delta: exactly the 10% of slots that must move.
  const uint32_t moved = MaglevTable::ChangedSlots(*sel_a, *sel_b);
  EXPECT_NEAR(static_cast<double>(moved) / sel_a->size(), 0.10, 0.002);

  // A new route rebuilds the FIB; the selectors are shared.
  const ForwardingState* d = c.Apply({Insert(RouteVia(0, "2001:db8:9::/48", {{1, "fe80::2"}}))});
  ASSERT_NE(d, nullptr);
  EXPECT_NE(d->tables.Fib6(0), b->tables.Fib6(0));
  EXPECT_EQ(d->tables.Selector(rule_slot), sel_b);
}

TEST(DpCompile, PolicyGenerationsChangeOnlyWithThePath) {
  Compiler c;
  const ForwardingState* a = c.Apply(Base());
  ASSERT_NE(a, nullptr);
  const uint32_t p1 = *c.slots().policies.Find(1);
  const uint32_t g0 = a->policies[p1].generation;
  // Only the outer hop limit: same path, same generation (flows stay).
  const ForwardingState* b = c.Apply({Modify(PolicyEntity(
      1, "2001:db8:ff::1", {"fc00:2::e", "fc00:3::d6"}, v1::ENCAP_MODE_H_ENCAPS, 32))});
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->policies[p1].generation, g0);
  EXPECT_EQ(b->policies[p1].hop_limit, 32);
  // A new segment list: new generation (flows re-picked).
  const ForwardingState* d =
      c.Apply({Modify(PolicyEntity(1, "2001:db8:ff::1", {"fc00:2::e", "fc00:5::d6"}))});
  ASSERT_NE(d, nullptr);
  EXPECT_NE(d->policies[p1].generation, g0);
  // Deleted: the slot is not live; a new policy gets a never-used slot.
  const ForwardingState* e = c.Apply(
      {Modify(RuleEntity(10, "2001:db8:cafe::/48", {{2, 1}})), Delete(PolicyEntity(1, "", {}))});
  ASSERT_NE(e, nullptr);
  EXPECT_FALSE(e->policies[p1].live);
  const ForwardingState* f = c.Apply({Insert(PolicyEntity(3, "2001:db8:ff::1", {"fc00:2::e"}))});
  ASSERT_NE(f, nullptr);
  EXPECT_NE(*c.slots().policies.Find(3), p1);
}

}  // namespace
}  // namespace cpn::testing
