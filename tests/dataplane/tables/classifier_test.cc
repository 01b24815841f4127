// Steering classifier: precedence (longest prefix, then protocol/ports),
// fall-through, families kept apart, and 1,000+ rules against a brute-force
// reference.
#include "dataplane/tables/classifier.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "tests/dataplane/eal_environment.h"

namespace cpn::dataplane {
namespace {

// Also makes the binary link eal_environment.o, whose static initializer
// starts EAL (nothing else here refers to it).
TEST(TablesClassifierTest, EalIsUp) { ASSERT_NE(cpn::testing::TestPktPool(), nullptr); }

IpPrefix P(const char* text) { return *ParseIpPrefix(text); }

FlowKey Key(const char* dst, uint8_t proto, uint16_t dport) {
  FlowKey k{};
  const IpAddress a = *ParseIpAddress(dst);
  std::memcpy(k.dst, a.bytes, 16);
  k.is_ipv4 = a.is_v4_mapped() ? 1 : 0;
  k.protocol = proto;
  k.dst_port = dport;
  return k;
}

SteeringRuleSpec Rule(uint32_t index, const char* prefix, std::optional<uint8_t> proto = {},
                      std::optional<PortRange> ports = {}) {
  return SteeringRuleSpec{index, P(prefix), proto, ports};
}

constexpr uint8_t kTcp = 6, kUdp = 17, kIcmp6 = 58;

TEST(TablesClassifierTest, LongestPrefixThenMostSpecific) {
  std::vector<SteeringRuleSpec> rules = {
      Rule(1, "2001:db8::/32"),
      Rule(2, "2001:db8:1::/48"),
      Rule(3, "2001:db8:1::/48", kTcp),
      Rule(4, "2001:db8:1::/48", kTcp, PortRange{80, 80}),
      Rule(5, "2001:db8:1::/48", kTcp, PortRange{1, 1024}),
      Rule(6, "2001:db8:1::/48", {}, PortRange{443, 443}),
      Rule(7, "2001:db8:2::/48", kUdp, PortRange{53, 53}),
      Rule(8, "10.0.0.0/8"),
      Rule(9, "10.1.0.0/16", kUdp),
  };
  auto c = SteeringClassifier::Build(rules);
  ASSERT_TRUE(c.ok()) << c.status();
  const SteeringClassifier& t = **c;
  EXPECT_EQ(t.Classify(Key("2001:db8:1::5", kTcp, 80)), 4u) << "narrowest port range";
  EXPECT_EQ(t.Classify(Key("2001:db8:1::5", kTcp, 22)), 5u);
  EXPECT_EQ(t.Classify(Key("2001:db8:1::5", kTcp, 8080)), 3u) << "protocol only";
  EXPECT_EQ(t.Classify(Key("2001:db8:1::5", kUdp, 443)), 6u) << "ports only beats neither";
  EXPECT_EQ(t.Classify(Key("2001:db8:1::5", kUdp, 444)), 2u);
  EXPECT_EQ(t.Classify(Key("2001:db8:3::5", kTcp, 80)), 1u) << "only the /32 covers it";
  // The /48's only rule does not match: fall through to the /32.
  EXPECT_EQ(t.Classify(Key("2001:db8:2::5", kTcp, 53)), 1u);
  EXPECT_EQ(t.Classify(Key("2001:db8:2::5", kUdp, 53)), 7u);
  EXPECT_EQ(t.Classify(Key("2001:db9::1", kTcp, 80)), kNoRule);
  EXPECT_EQ(t.Classify(Key("10.1.2.3", kUdp, 1)), 9u);
  EXPECT_EQ(t.Classify(Key("10.1.2.3", kTcp, 1)), 8u);
  EXPECT_EQ(t.Classify(Key("10.2.0.1", kIcmp6, 0)), 8u);
  EXPECT_EQ(t.Classify(Key("11.0.0.1", kUdp, 1)), kNoRule);
  // ::ffff:10.0.0.1 as an IPv6 packet must not meet the IPv4 rules.
  FlowKey mapped = Key("10.1.2.3", kUdp, 1);
  mapped.is_ipv4 = 0;
  EXPECT_EQ(t.Classify(mapped), kNoRule);
  EXPECT_EQ(t.max_candidates(), 6u);
}

TEST(TablesClassifierTest, FamiliesWithoutRulesAlwaysMiss) {
  auto c = SteeringClassifier::Build(std::vector<SteeringRuleSpec>{Rule(1, "::/0")});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)->Classify(Key("2001::1", kTcp, 1)), 1u);
  EXPECT_EQ((*c)->Classify(Key("10.0.0.1", kTcp, 1)), kNoRule);
  auto none = SteeringClassifier::Build({});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ((*none)->Classify(Key("2001::1", kTcp, 1)), kNoRule);
  EXPECT_EQ((*none)->memory_bytes(), 0u);
}

TEST(TablesClassifierTest, RejectsAmbiguousOrBadRules) {
  std::vector<SteeringRuleSpec> same = {Rule(1, "2001:db8::/32", kTcp),
                                        Rule(2, "2001:db8::/32", kTcp)};
  absl::StatusOr<std::unique_ptr<SteeringClassifier>> c = SteeringClassifier::Build(same);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("steering rule 2"), absl::string_view::npos) << c.status();
  std::vector<SteeringRuleSpec> reuse = {Rule(7, "2001:db8::/32"), Rule(3, "2001:db8::/48"),
                                         Rule(7, "2001:db9::/32"), Rule(3, "2001:dba::/32")};
  c = SteeringClassifier::Build(reuse);
  ASSERT_FALSE(c.ok());
  // The first rule (in input order) that reuses an index, and the rule it
  // collides with.
  EXPECT_NE(c.status().message().find("steering rule 7 (2001:db9::/32) reuses the index of "
                                      "steering rule 7 (2001:db8::/32)"),
            absl::string_view::npos)
      << c.status();
  std::vector<SteeringRuleSpec> empty_range = {Rule(1, "2001:db8::/32", kTcp, PortRange{9, 8})};
  EXPECT_FALSE(SteeringClassifier::Build(empty_range).ok());
  std::vector<SteeringRuleSpec> reserved = {Rule(kNoRule, "2001:db8::/32")};
  EXPECT_FALSE(SteeringClassifier::Build(reserved).ok());
}

// Brute-force reference of the documented precedence.
uint32_t Reference(const std::vector<SteeringRuleSpec>& rules, const FlowKey& k) {
  IpAddress dst;
  std::memcpy(dst.bytes, k.dst, 16);
  const SteeringRuleSpec* best = nullptr;
  auto rank = [](const SteeringRuleSpec& r) {
    const int cls = r.protocol && r.dst_ports ? 0 : r.dst_ports ? 1 : r.protocol ? 2 : 3;
    const uint32_t width = r.dst_ports ? uint32_t{r.dst_ports->hi} - r.dst_ports->lo : 65536;
    return std::make_tuple(-static_cast<int>(r.prefix.length), cls, width, r.index);
  };
  for (const SteeringRuleSpec& r : rules) {
    if ((r.prefix.family == IpFamily::kIpv4) != (k.is_ipv4 == 1)) continue;
    if (!r.prefix.Contains(dst)) continue;
    if (r.protocol && *r.protocol != k.protocol) continue;
    if (r.dst_ports && (k.dst_port < r.dst_ports->lo || k.dst_port > r.dst_ports->hi)) continue;
    if (best == nullptr || rank(r) < rank(*best)) best = &r;
  }
  return best == nullptr ? kNoRule : best->index;
}

// Classifies `keys` in one bulk call; every answer must be the brute-force
// one (the first mismatch fails the test). Returns how many matched a rule.
int MatchedLikeReference(const SteeringClassifier& c, const std::vector<SteeringRuleSpec>& rules,
                         const std::vector<FlowKey>& keys) {
  std::vector<const FlowKey*> ptrs;
  for (const FlowKey& k : keys) ptrs.push_back(&k);
  std::vector<uint32_t> got(keys.size());
  c.ClassifyBulk(ptrs.data(), static_cast<uint32_t>(ptrs.size()), got.data());
  int matched = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    const uint32_t want = Reference(rules, keys[i]);
    if (got[i] != want) {
      ADD_FAILURE() << "key " << i << ": classified " << got[i] << ", brute force " << want;
      return matched;
    }
    matched += got[i] != kNoRule;
  }
  return matched;
}

TEST(TablesClassifierTest, ThousandsOfRulesMatchBruteForce) {
  std::mt19937_64 rng(11);
  std::vector<SteeringRuleSpec> rules;
  uint32_t index = 0;
  // 1,000 service /48s (the benchmark's shape), a few /32 and /40 covers,
  // protocol/port refinements, and IPv4 service prefixes.
  for (uint32_t i = 0; i < 1000; ++i) {
    IpPrefix p = P("2001:db8::/48");
    p.addr.bytes[4] = static_cast<uint8_t>(i >> 8);
    p.addr.bytes[5] = static_cast<uint8_t>(i);
    rules.push_back({index++, p, {}, {}});
    if (i % 7 == 0) rules.push_back({index++, p, kTcp, PortRange{80, 80}});
    if (i % 11 == 0) rules.push_back({index++, p, kUdp, {}});
    if (i % 13 == 0) rules.push_back({index++, p, {}, PortRange{1000, 2000}});
  }
  for (uint32_t i = 0; i < 4; ++i) {
    IpPrefix p = P("2001:db8::/40");
    p.addr.bytes[4] = static_cast<uint8_t>(i);
    rules.push_back({index++, p, kTcp, {}});
  }
  rules.push_back({index++, P("2001:db8::/32"), {}, PortRange{0, 1023}});
  for (uint32_t i = 0; i < 200; ++i) {
    IpPrefix p;
    p.family = IpFamily::kIpv4;
    p.length = static_cast<uint8_t>(8 + rng() % 25);
    p.addr = IpAddress::FromV4(static_cast<uint32_t>(0x0a000000 | (rng() & 0x00ffffff)));
    MaskAddress(p.addr, p.length128());
    bool dup = false;
    for (const auto& r : rules) dup |= r.prefix == p;
    if (dup) continue;
    rules.push_back({index++, p, i % 2 ? std::optional<uint8_t>(kTcp) : std::nullopt, {}});
  }
  std::shuffle(rules.begin(), rules.end(), rng);
  auto c = SteeringClassifier::Build(rules);
  ASSERT_TRUE(c.ok()) << c.status();
  std::printf("[classifier] %zu rules, longest candidate list %u, %.1f MiB\n", rules.size(),
              (*c)->max_candidates(), (*c)->memory_bytes() / 1048576.0);

  std::vector<FlowKey> keys;
  for (int i = 0; i < 20000; ++i) {
    FlowKey k{};
    if (i % 4 == 3) {
      const IpAddress a = IpAddress::FromV4(static_cast<uint32_t>(0x0a000000 | (rng() & 0xffffff)));
      std::memcpy(k.dst, a.bytes, 16);
      k.is_ipv4 = 1;
    } else {
      IpAddress a = *ParseIpAddress("2001:db8::");
      a.bytes[4] = static_cast<uint8_t>(rng() % 5);  // Some beyond the 1,000 /48s.
      a.bytes[5] = static_cast<uint8_t>(rng());
      for (int b = 6; b < 16; ++b) a.bytes[b] = static_cast<uint8_t>(rng());
      std::memcpy(k.dst, a.bytes, 16);
    }
    k.protocol = (rng() % 3 == 0) ? kUdp : kTcp;
    const uint16_t ports[] = {80, 81, 1500, 443, 22, 5000};
    k.dst_port = ports[rng() % 6];
    keys.push_back(k);
  }
  EXPECT_GT(MatchedLikeReference(**c, rules, keys), 5000);
}

// Prefixes of every length in both families, nested in chains (so lists
// fall through several parents, and the binary search over ~100 lengths
// needs its markers).
TEST(TablesClassifierTest, EveryPrefixLengthMatchesBruteForce) {
  for (uint64_t seed : {29, 31, 37, 41}) {
    SCOPED_TRACE(seed);
    std::mt19937_64 rng(seed);
    std::vector<SteeringRuleSpec> rules;
    uint32_t index = 0;
    // Prefixes covering more than the sampled space are TCP only, so that
    // some packets (UDP outside it) match nothing.
    auto add = [&](IpPrefix p, bool wide) {
      for (const auto& r : rules) {
        if (r.prefix == p) return;
      }
      const uint32_t kind = wide ? 1 : index % 4;
      rules.push_back({index++, p, kind & 1 ? std::optional<uint8_t>(kTcp) : std::nullopt,
                       kind & 2 ? std::optional<PortRange>(PortRange{80, 443}) : std::nullopt});
    };
    // IPv6: under 2001:db8::/32 (lengths 0..128), so random packets often
    // fall into some prefix.
    for (int i = 0; i < 300; ++i) {
      IpPrefix p = P("2001:db8::/32");
      p.length = static_cast<uint8_t>(rng() % 129);
      for (int b = 4; b < 16; ++b) p.addr.bytes[b] = static_cast<uint8_t>(rng() % 4);
      MaskAddress(p.addr, p.length128());
      add(p, p.length < 32);
    }
    for (int i = 0; i < 200; ++i) {
      IpPrefix p;
      p.family = IpFamily::kIpv4;
      p.length = static_cast<uint8_t>(rng() % 33);
      p.addr = IpAddress::FromV4(static_cast<uint32_t>(0x0a000000 | (rng() & 0x00030303)));
      MaskAddress(p.addr, p.length128());
      add(p, p.length < 8);
    }
    std::shuffle(rules.begin(), rules.end(), rng);
    auto c = SteeringClassifier::Build(rules);
    ASSERT_TRUE(c.ok()) << c.status();
    EXPECT_GT((*c)->prefix_lengths(IpFamily::kIpv6), 60u);
    EXPECT_GT((*c)->prefix_lengths(IpFamily::kIpv4), 20u);

    std::vector<FlowKey> keys;
    for (int i = 0; i < 20000; ++i) {
      FlowKey k{};
      if (i % 3 == 2) {
        const IpAddress a = IpAddress::FromV4(static_cast<uint32_t>(
            (rng() % 8 == 0 ? 0x0b000000 : 0x0a000000) | (rng() & 0x00030303)));
        std::memcpy(k.dst, a.bytes, 16);
        k.is_ipv4 = 1;
      } else {
        IpAddress a = *ParseIpAddress(rng() % 8 == 0 ? "2001:db9::" : "2001:db8::");
        for (int b = 4; b < 16; ++b) a.bytes[b] = static_cast<uint8_t>(rng() % 4);
        std::memcpy(k.dst, a.bytes, 16);
      }
      k.protocol = rng() % 2 ? kTcp : kUdp;
      k.dst_port = rng() % 2 ? 80 : 22;
      keys.push_back(k);
    }
    const int matched = MatchedLikeReference(**c, rules, keys);
    EXPECT_GT(matched, 5000);
    EXPECT_LT(matched, 20000);
  }
}

// The southbound benchmark's shape: 16,000 service /64s. The classifier is
// rebuilt whenever a Write changes rules, so it must stay small and quick
// (rte_fib6 took 149 MiB and ~100 ms for this, reserving 5 tbl8 groups per
// /64).
TEST(TablesClassifierTest, SixteenThousandServicePrefixesAreSmall) {
  std::vector<SteeringRuleSpec> rules;
  for (uint32_t r = 0; r < 16000; ++r) {
    IpPrefix p = P("2001:db8::/64");
    p.addr.bytes[5] = static_cast<uint8_t>(r / 256);
    p.addr.bytes[7] = static_cast<uint8_t>(r % 256);
    rules.push_back({r, p, {}, {}});
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto c = SteeringClassifier::Build(rules);
  const auto t1 = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.ok()) << c.status();
  std::printf("[classifier] 16,000 /64 rules: built in %.2f ms, %.2f MiB\n",
              std::chrono::duration<double, std::milli>(t1 - t0).count(),
              (*c)->memory_bytes() / 1048576.0);
  EXPECT_LT((*c)->memory_bytes(), size_t{4} << 20);
  EXPECT_EQ((*c)->prefix_lengths(IpFamily::kIpv6), 1u);
  EXPECT_EQ((*c)->prefix_lengths(IpFamily::kIpv4), 0u);
  for (uint32_t r = 0; r < 16000; r += 7) {
    IpAddress a = rules[r].prefix.addr;
    a.bytes[15] = 1;
    FlowKey k{};
    std::memcpy(k.dst, a.bytes, 16);
    ASSERT_EQ((*c)->Classify(k), r);
    k.dst[6] = 1;  // Outside every /64.
    ASSERT_EQ((*c)->Classify(k), kNoRule);
  }
}

}  // namespace
}  // namespace cpn::dataplane
