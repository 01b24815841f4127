// FIB: IPv6 and IPv4 longest-prefix match against a brute-force reference on
// random nested prefixes; next-hop resolution through the neighbor table;
// build cost and memory (printed).
#include <chrono>
#include <cstdio>
#include <random>
#include <set>
#include <vector>

#include "dataplane/tables/dpdk_util.h"
#include "dataplane/tables/lpm.h"
#include "dataplane/tables/neighbor.h"
#include "gtest/gtest.h"
#include "tests/dataplane/eal_environment.h"

namespace cpn::dataplane {
namespace {

// Also makes the binary link eal_environment.o, whose static initializer
// starts EAL (nothing else here refers to it).
TEST(TablesFibTest, EalIsUp) { ASSERT_NE(cpn::testing::TestPktPool(), nullptr); }

IpPrefix P(const char* text) {
  absl::StatusOr<IpPrefix> p = ParseIpPrefix(text);
  EXPECT_TRUE(p.ok()) << text << ": " << p.status();
  return *p;
}
IpAddress A(const char* text) { return *ParseIpAddress(text); }

uint32_t Reference(const std::vector<LpmRoute>& routes, const IpAddress& a) {
  int best_len = -1;
  uint32_t best = kLpmMiss;
  for (const LpmRoute& r : routes) {
    if (r.prefix.Contains(a) && r.prefix.length > best_len) {
      best_len = r.prefix.length;
      best = r.value;
    }
  }
  return best;
}

// Random prefixes that nest: a few roots, each prefix a root with random
// bits below a random length.
std::vector<LpmRoute> RandomRoutes(IpFamily family, int n, std::mt19937_64& rng,
                                   uint32_t max_value) {
  const int bits = family == IpFamily::kIpv6 ? 128 : 32;
  std::vector<IpAddress> roots;
  for (int i = 0; i < 6; ++i) {
    IpAddress a;
    for (auto& b : a.bytes) b = static_cast<uint8_t>(rng());
    if (family == IpFamily::kIpv4) a = IpAddress::FromV4(static_cast<uint32_t>(rng()));
    roots.push_back(a);
  }
  std::set<IpPrefix> seen;
  std::vector<LpmRoute> out;
  while (static_cast<int>(out.size()) < n) {
    IpPrefix p;
    p.family = family;
    p.addr = roots[rng() % roots.size()];
    // Perturb some bits after a shared stem so prefixes nest and diverge.
    const int stem = static_cast<int>(rng() % bits);
    const int off = family == IpFamily::kIpv6 ? 0 : 96;
    for (int k = 0; k < 3; ++k) {
      const int bit = off + stem + static_cast<int>(rng() % (bits - stem));
      p.addr.bytes[bit / 8] ^= static_cast<uint8_t>(0x80 >> (bit % 8));
    }
    p.length = static_cast<uint8_t>(rng() % (bits + 1));
    MaskAddress(p.addr, p.length128());
    if (!seen.insert(p).second) continue;
    out.push_back(LpmRoute{p, static_cast<uint32_t>(rng() % max_value)});
  }
  return out;
}

std::vector<IpAddress> Probes(const std::vector<LpmRoute>& routes, int n, std::mt19937_64& rng,
                              IpFamily family) {
  std::vector<IpAddress> out;
  for (int i = 0; i < n; ++i) {
    IpAddress a;
    if (i % 4 == 0) {  // Fully random.
      for (auto& b : a.bytes) b = static_cast<uint8_t>(rng());
    } else {  // Inside a random route, random host bits.
      const IpPrefix& p = routes[rng() % routes.size()].prefix;
      a = p.addr;
      for (int bit = p.length128(); bit < 128; ++bit) {
        if (rng() & 1) a.bytes[bit / 8] ^= static_cast<uint8_t>(0x80 >> (bit % 8));
      }
    }
    if (family == IpFamily::kIpv4) a = IpAddress::FromV4(a.v4_host_order());
    out.push_back(a);
  }
  return out;
}

TEST(TablesFibTest, Ipv6MatchesBruteForceOnRandomPrefixes) {
  std::mt19937_64 rng(42);
  for (uint32_t max_value : {1000u, 100000u}) {  // 2-byte and 4-byte next hops.
    const std::vector<LpmRoute> routes = RandomRoutes(IpFamily::kIpv6, 1500, rng, max_value);
    auto lpm = Lpm6::Build(routes);
    ASSERT_TRUE(lpm.ok()) << lpm.status();
    EXPECT_EQ((*lpm)->next_hop_bytes(), max_value < 32767 ? 2u : 4u);
    const std::vector<IpAddress> probes = Probes(routes, 6000, rng, IpFamily::kIpv6);
    std::vector<uint32_t> got(probes.size());
    (*lpm)->LookupBulk(reinterpret_cast<const uint8_t(*)[16]>(probes.data()), got.data(),
                       static_cast<uint32_t>(probes.size()));
    int hits = 0;
    for (size_t i = 0; i < probes.size(); ++i) {
      const uint32_t want = Reference(routes, probes[i]);
      ASSERT_EQ(got[i], want) << ToString(probes[i]);
      ASSERT_EQ((*lpm)->Lookup(probes[i].bytes), want);
      hits += want != kLpmMiss;
    }
    EXPECT_GT(hits, 3000);
    EXPECT_EQ((*lpm)->routes().size(), routes.size());
  }
}

TEST(TablesFibTest, Ipv4MatchesBruteForceOnRandomPrefixes) {
  std::mt19937_64 rng(7);
  for (uint32_t max_value : {100u, 1000u, 100000u}) {  // 1, 2, 4-byte next hops.
    const std::vector<LpmRoute> routes = RandomRoutes(IpFamily::kIpv4, 1000, rng, max_value);
    auto lpm = Lpm4::Build(routes);
    ASSERT_TRUE(lpm.ok()) << lpm.status();
    const std::vector<IpAddress> probes = Probes(routes, 6000, rng, IpFamily::kIpv4);
    std::vector<uint32_t> addrs, got(probes.size());
    for (const IpAddress& a : probes) addrs.push_back(a.v4_host_order());
    (*lpm)->LookupBulk(addrs.data(), got.data(), static_cast<uint32_t>(addrs.size()));
    for (size_t i = 0; i < probes.size(); ++i) {
      ASSERT_EQ(got[i], Reference(routes, probes[i])) << ToString(probes[i]);
    }
    std::printf("[fib] IPv4 %zu routes, max value %u: %u-byte next hops, %.1f MiB\n", routes.size(),
                max_value, (*lpm)->next_hop_bytes(), (*lpm)->memory_bytes() / 1048576.0);
  }
}

TEST(TablesFibTest, DefaultRouteHostRoutesAndMisses) {
  std::vector<LpmRoute> r6 = {{P("::/0"), 1}, {P("2001:db8::/32"), 2}, {P("2001:db8::1/128"), 3}};
  auto lpm6 = Lpm6::Build(r6);
  ASSERT_TRUE(lpm6.ok());
  EXPECT_EQ((*lpm6)->Lookup(A("2001:db8::1").bytes), 3u);
  EXPECT_EQ((*lpm6)->Lookup(A("2001:db8::2").bytes), 2u);
  EXPECT_EQ((*lpm6)->Lookup(A("2001:db9::2").bytes), 1u);
  auto empty = Lpm6::Build({});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ((*empty)->Lookup(A("2001:db8::1").bytes), kLpmMiss);

  std::vector<LpmRoute> r4 = {{P("10.0.0.0/8"), 0}, {P("10.1.2.3/32"), 9}};
  auto lpm4 = Lpm4::Build(r4);
  ASSERT_TRUE(lpm4.ok());
  EXPECT_EQ((*lpm4)->Lookup(0x0a010203), 9u);
  EXPECT_EQ((*lpm4)->Lookup(0x0a010204), 0u);
  EXPECT_EQ((*lpm4)->Lookup(0x0b000000), kLpmMiss);
  // Few next hops and tbl8 groups: 1-byte entries, a 16 MiB first level.
  EXPECT_EQ((*lpm4)->next_hop_bytes(), 1u);
  std::printf("[fib] IPv4 2 routes: 1-byte next hops, %.1f MiB\n",
              (*lpm4)->memory_bytes() / 1048576.0);
}

TEST(TablesFibTest, RejectsBadRoutes) {
  std::vector<LpmRoute> dup = {{P("2001:db8::/32"), 1}, {P("2001:db8::/32"), 2}};
  EXPECT_FALSE(Lpm6::Build(dup).ok());
  std::vector<LpmRoute> family = {{P("10.0.0.0/8"), 1}};
  EXPECT_FALSE(Lpm6::Build(family).ok());
  std::vector<LpmRoute> too_big = {{P("2001:db8::/32"), kLpmMaxValue + 1}};
  EXPECT_FALSE(Lpm6::Build(too_big).ok());
  EXPECT_FALSE(ParseIpPrefix("2001:db8::1/32").ok()) << "host bits set";
  EXPECT_FALSE(ParseIpPrefix("10.0.0.0/33").ok());
  const absl::Status s = ParseIpPrefix("10.0.0.1/8").status();
  EXPECT_NE(s.message().find("10.0.0.0/8"), absl::string_view::npos) << s;
}

// The benchmark's shape: 1,000 /48 routes. Prints build cost and memory.
TEST(TablesFibTest, BuildCostAndMemoryFor1000Routes) {
  std::vector<LpmRoute> routes;
  for (uint32_t i = 0; i < 1000; ++i) {
    IpPrefix p = P("2001:db8::/48");
    p.addr.bytes[4] = static_cast<uint8_t>(i >> 8);
    p.addr.bytes[5] = static_cast<uint8_t>(i);
    routes.push_back({p, i % 64});
  }
  const size_t heap0 = DpdkHeapAllocatedBytes();
  const auto t0 = std::chrono::steady_clock::now();
  auto lpm = Lpm6::Build(routes);
  const auto t1 = std::chrono::steady_clock::now();
  ASSERT_TRUE(lpm.ok()) << lpm.status();
  const size_t mem = (*lpm)->memory_bytes();
  lpm->reset();
  const auto t2 = std::chrono::steady_clock::now();
  EXPECT_EQ(DpdkHeapAllocatedBytes(), heap0) << "freeing the table must return all memory";
  std::printf("[fib] IPv6 1000 x /48: build %.2f ms, free %.2f ms, %.1f MiB DPDK memory\n",
              std::chrono::duration<double, std::milli>(t1 - t0).count(),
              std::chrono::duration<double, std::milli>(t2 - t1).count(), mem / 1048576.0);
  EXPECT_LE(mem, 40u << 20);
}

TEST(TablesFibTest, NextHopsResolveThroughNeighbors) {
  const rte_ether_addr m1 = {{2, 0, 0, 0, 0, 1}}, m2 = {{2, 0, 0, 0, 0, 2}};
  const rte_ether_addr p0 = {{2, 0, 0, 0, 0xa, 0}}, p1 = {{2, 0, 0, 0, 0xa, 1}};
  std::vector<Neighbor> neighbors = {{A("fe80::1"), 0, m1}, {A("192.0.2.1"), 1, m2}};
  auto nt = NeighborTable::Build(neighbors);
  ASSERT_TRUE(nt.ok()) << nt.status();
  EXPECT_EQ((*nt)->Lookup(A("fe80::1").bytes)->port, 0);
  EXPECT_EQ((*nt)->Lookup(A("fe80::2").bytes), nullptr);
  const uint8_t* keys[2] = {A("192.0.2.1").bytes, A("::9").bytes};
  IpAddress k0 = A("192.0.2.1"), k1 = A("::9");
  keys[0] = k0.bytes;
  keys[1] = k1.bytes;
  const Neighbor* out[2];
  EXPECT_EQ((*nt)->LookupBulk(keys, 2, out), 1u);
  EXPECT_EQ(out[0]->port, 1);

  std::vector<NextHopSpec> specs(5);
  specs[0] = {0, NextHopKind::kForward, 0, A("fe80::1"), {}};
  specs[1] = {1, NextHopKind::kForward, kAnyPort, A("192.0.2.1"), {}};
  specs[2] = {2, NextHopKind::kForward, 0, A("fe80::99"), {}};  // Unknown neighbor.
  specs[3] = {3, NextHopKind::kLocal, kAnyPort, std::nullopt, {}};
  specs[4] = {5, NextHopKind::kForward, 1, std::nullopt, m1};  // Point-to-point.
  std::vector<PortMac> ports = {{0, p0}, {1, p1}};
  auto nh = NextHopTable::Build(specs, nt->get(), ports);
  ASSERT_TRUE(nh.ok()) << nh.status();
  const NextHopTable& t = **nh;
  EXPECT_EQ(t.Get(0).kind, NextHopKind::kForward);
  EXPECT_EQ(t.Get(0).port, 0);
  EXPECT_TRUE(rte_is_same_ether_addr(&t.Get(0).dst_mac, &m1));
  EXPECT_TRUE(rte_is_same_ether_addr(&t.Get(0).src_mac, &p0));
  EXPECT_EQ(t.Get(1).port, 1);
  EXPECT_TRUE(rte_is_same_ether_addr(&t.Get(1).src_mac, &p1));
  EXPECT_EQ(t.Get(2).kind, NextHopKind::kUnresolved);
  EXPECT_EQ(t.Get(3).kind, NextHopKind::kLocal);
  EXPECT_EQ(t.Get(4).kind, NextHopKind::kDrop);  // Never configured.
  EXPECT_EQ(t.Get(5).port, 1);
  EXPECT_EQ(t.Get(1000000).kind, NextHopKind::kDrop);
  EXPECT_EQ(t.unresolved(), 1u);

  // Wrong port for the neighbor -> unresolved; missing port MAC -> error.
  std::vector<NextHopSpec> wrong = {{0, NextHopKind::kForward, 1, A("fe80::1"), {}}};
  EXPECT_EQ((*NextHopTable::Build(wrong, nt->get(), ports))->Get(0).kind, NextHopKind::kUnresolved);
  std::vector<NextHopSpec> noport = {{0, NextHopKind::kForward, 7, std::nullopt, m1}};
  EXPECT_FALSE(NextHopTable::Build(noport, nt->get(), ports).ok());
  std::vector<Neighbor> dup = {{A("fe80::1"), 0, m1}, {A("fe80::1"), 1, m2}};
  EXPECT_FALSE(NeighborTable::Build(dup).ok());
}

}  // namespace
}  // namespace cpn::dataplane
