// Batch validation and compilation without gRPC: what a Write batch turns
// into, and what a new snapshot shares with the previous one.
#include "dataplane/agent/batch.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
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
using dataplane::agent::Undo;
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
    ++state_.version;
    CompileResult r;
    SlotMaps slots = slots_;
    const absl::Status s =
        Compile(state_, live_.empty() ? nullptr : live_.back().get(), bindings_, 1, &slots, &r);
    EXPECT_TRUE(s.ok()) << s;
    if (!s.ok()) {
      Undo(state_, br.undo);
      --state_.version;
      return nullptr;
    }
    slots_ = std::move(slots);
    live_.push_back(std::move(r.state));
    return live_.back().get();
  }
  const SlotMaps& slots() const { return slots_; }
  const InstalledState& state() const { return state_; }

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
  InstalledState empty;
  BatchResult r = ApplyBatch(
      empty,
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
  InstalledState empty;
  BatchResult r = ApplyBatch(
      empty,
      Batch({Insert(PortEntity(1, "eth1", "x")), Insert(RouteVia(0, "fc00::/16", {{1, "fe80::2"}})),
             Insert(PolicyEntity(1, "2001:db8::1", {"fc00::1"})),
             Insert(PolicyEntity(2, "2001:db8::1", {"fc00::2"}))}),
      limits);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].code, absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(r.errors[0].index, 2u);  // The first INSERT of the kind.
}

// Everything Read would return, as text (equal states, equal texts).
std::string Dump(const InstalledState& s) {
  std::string out;
  auto add = [&out](const std::string& key, const google::protobuf::MessageLite& m) {
    out += key + "=" + m.SerializeAsString() + "\n";
  };
  for (const auto& [k, v] : s.ports) add(absl::StrCat("port ", k), v);
  for (const auto& [k, v] : s.neighbors) add(dataplane::agent::KeyText(k), v);
  for (const auto& [k, v] : s.routes) add(dataplane::agent::KeyText(k), v);
  for (const auto& [k, v] : s.local_sids) add(dataplane::ToString(k), v);
  for (const auto& [k, v] : s.policies) add(absl::StrCat("policy ", k), v);
  for (const auto& [k, v] : s.rules) add(absl::StrCat("rule ", k), v);
  return out;
}

InstalledState Installed(const std::vector<v1::Update>& updates) {
  InstalledState s;
  BatchResult r = ApplyBatch(s, Batch(updates), Limits());
  EXPECT_TRUE(r.errors.empty()) << (r.errors.empty() ? "" : r.errors[0].message);
  return s;
}

// Batches are applied in place: a rejected one must leave every table as it
// was, whatever the updates before the failing one did.
TEST(DpBatch, ARejectedBatchLeavesTheStateAsItWas) {
  InstalledState s = Installed(Base());
  const std::string before = Dump(s);
  BatchResult r =
      ApplyBatch(s,
                 Batch({Modify(RuleEntity(10, "2001:db8:cafe::/48", {{1, 10}, {2, 90}})),
                        Insert(PolicyEntity(3, "2001:db8:ff::1", {"fc00:2::e"})),
                        Insert(RuleEntity(11, "2001:db8:beef::/48", {{3, 1}})),
                        Delete(NeighborEntity(1, "fe80::2", "")),
                        Insert(RuleEntity(12, "2001:db8:f00d::/48", {{7, 1}}))}),  // No policy 7.
                 Limits());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].index, 4u);
  EXPECT_THAT(r.errors[0].message, HasSubstr("SRv6 policy 7 does not exist"));
  EXPECT_EQ(Dump(s), before);
  EXPECT_TRUE(r.undo.rules.empty());
}

// A later step of a Write (opening a port, compiling) may fail after the
// batch validated: Undo puts back inserts, modifies and deletes.
TEST(DpBatch, UndoPutsBackEveryKindOfUpdate) {
  InstalledState s = Installed(Base());
  const std::string before = Dump(s);
  BatchResult r =
      ApplyBatch(s,
                 Batch({Modify(RuleEntity(10, "2001:db8:cafe::/48", {{1, 10}, {2, 90}})),
                        Insert(RouteVia(0, "2001:db8:9::/48", {{1, "fe80::2"}})),
                        Delete(PolicyEntity(2, "", {})), Modify(PortEntity(1, "eth1-renamed", "")),
                        Delete(NeighborEntity(1, "fe80::2", ""))}),
                 Limits());
  // The modified rule 10 still uses the deleted policy 2: rejected.
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].index, 0u);
  EXPECT_EQ(Dump(s), before);

  r = ApplyBatch(s,
                 Batch({Modify(RuleEntity(10, "2001:db8:cafe::/48", {{1, 100}})),
                        Insert(RouteVia(0, "2001:db8:9::/48", {{1, "fe80::2"}})),
                        Delete(PolicyEntity(2, "", {})), Modify(PortEntity(1, "eth1-renamed", "")),
                        Delete(NeighborEntity(1, "fe80::2", ""))}),
                 Limits());
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  EXPECT_NE(Dump(s), before);
  EXPECT_EQ(s.policies.count(2), 0u);
  EXPECT_EQ(s.ports.at(1).name(), "eth1-renamed");
  EXPECT_EQ(s.ports.at(1).devargs(), "unused-devargs");  // MODIFY keeps the devargs.
  Undo(s, r.undo);
  EXPECT_EQ(Dump(s), before);
}

// The checks that look only at what a batch wrote still see conflicts with
// entities it did not write.
TEST(DpBatch, ChecksOfWrittenEntitiesSeeTheEntitiesAlreadyInstalled) {
  InstalledState s = Installed(Base());
  // Same match as the installed rule 10: the new rule is blamed.
  BatchResult r =
      ApplyBatch(s, Batch({Insert(RuleEntity(11, "2001:db8:cafe::/48", {{1, 1}}))}), Limits());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].key, "11");
  EXPECT_THAT(r.errors[0].message, HasSubstr("steering rules 10 and 11 match exactly"));
  // Moving rule 10 away frees its match for 11 in the same batch.
  r = ApplyBatch(s,
                 Batch({Insert(RuleEntity(11, "2001:db8:cafe::/48", {{1, 1}})),
                        Modify(RuleEntity(10, "2001:db8:cafe:1::/64", {{1, 1}}))}),
                 Limits());
  EXPECT_TRUE(r.errors.empty()) << r.errors[0].message;
  // A deleted policy still used by a rule the batch did not touch: the
  // DELETE is blamed.
  r = ApplyBatch(s, Batch({Delete(PolicyEntity(1, "", {}))}), Limits());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_THAT(r.errors[0].message, HasSubstr("still referenced by steering rule"));
  // A deleted port still used by an installed route and neighbor.
  r = ApplyBatch(s, Batch({Delete(PortEntity(1, "", ""))}), Limits());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_THAT(r.errors[0].message, HasSubstr("still referenced by"));
}

// The agent formats rule prefixes itself (CanonicalText): it must give the
// text ToString (inet_ntop) gives, or Read would return prefixes a
// controller's diff sees as changed.
TEST(DpEntityCheck, CanonicalTextIsToStringForEveryPrefix) {
  std::vector<std::string> texts = {"::/0",
                                    "::1/128",
                                    "1::/16",
                                    "2001:db8::/32",
                                    "2001:db8:0:1::/64",
                                    "2001:0:0:1::1/128",
                                    "2001:db8:0:0:1:0:0:1/128",
                                    "0:0:1::/48",
                                    "::ffff:0:0/96",
                                    "::ffff:10.0.0.1/128",
                                    "::10.0.0.1/128",
                                    "::1:0:0:0/128",
                                    "1:0:0:0:0:0:0:0/128",
                                    "a:b:c:d:e:f:1:2/128",
                                    "fe80::/10",
                                    "ff02::1:ff00:0/104",
                                    "::2:3:4:5:6:7/128",
                                    "1:2:3:4:5:6::/112",
                                    "1:2:3:4:5:6:7:0/128",
                                    "0:1:0:1:0:1:0:1/128"};
  uint64_t x = 0x9e3779b97f4a7c15ull;
  for (int n = 0; n < 5000; ++n) {
    dataplane::IpPrefix p;
    for (int g = 0; g < 8; ++g) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      // Zero groups half the time, short values often: runs and ties.
      const uint16_t w = (x & 1) ? 0 : static_cast<uint16_t>((x >> 8) & ((x & 2) ? 0xf : 0xffff));
      p.addr.bytes[2 * g] = static_cast<uint8_t>(w >> 8);
      p.addr.bytes[2 * g + 1] = static_cast<uint8_t>(w);
    }
    p.length = 128;
    texts.push_back(dataplane::ToString(p));
  }
  for (const std::string& text : texts) {
    absl::StatusOr<dataplane::IpPrefix> p = dataplane::ParseIpPrefix(text);
    ASSERT_TRUE(p.ok()) << text << ": " << p.status();
    EXPECT_EQ(dataplane::agent::CanonicalText(*p), dataplane::ToString(*p)) << text;
  }
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

// Rules with the same previous table and the same new weights share one
// table built once per batch; any difference in either input builds another.
TEST(DpCompile, ATableIsSharedOnlyByRulesWithTheSameInputs) {
  Compiler c;
  std::vector<v1::Update> base = Base();
  base.push_back(Insert(RuleEntity(11, "2001:db8:1::/48", {{1, 50}, {2, 50}})));
  base.push_back(Insert(RuleEntity(12, "2001:db8:2::/48", {{2, 50}, {1, 50}})));  // Any order.
  base.push_back(Insert(RuleEntity(13, "2001:db8:3::/48", {{1, 50}, {2, 51}})));
  const ForwardingState* a = c.Apply(base);
  ASSERT_NE(a, nullptr);
  auto table = [&c](const ForwardingState* s, uint32_t rule) {
    return s->tables.Selector(*c.slots().rules.Find(rule));
  };
  EXPECT_EQ(table(a, 11), table(a, 12));  // Both new with equal weights.
  EXPECT_EQ(table(a, 10), table(a, 11));
  EXPECT_NE(table(a, 13), table(a, 11));  // Other weights.

  const ForwardingState* b =
      c.Apply({Modify(RuleEntity(11, "2001:db8:1::/48", {{1, 60}, {2, 40}})),
               Modify(RuleEntity(12, "2001:db8:2::/48", {{1, 60}, {2, 40}})),
               Modify(RuleEntity(13, "2001:db8:3::/48", {{1, 60}, {2, 40}}))});
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(table(b, 11), table(b, 12));  // Same previous table, same weights.
  EXPECT_NE(table(b, 11), table(a, 11));
  EXPECT_NE(table(b, 13), table(b, 11));  // Same weights, another previous table.
  EXPECT_EQ(table(b, 10), table(a, 10));  // Unchanged: kept.
  // Each is the delta of its own previous table: 10% of the slots moved.
  EXPECT_NEAR(static_cast<double>(MaglevTable::ChangedSlots(*table(a, 11), *table(b, 11))) /
                  table(a, 11)->size(),
              0.10, 0.002);
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
