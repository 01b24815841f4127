// Two workers forward a steady stream of steered flows while the control
// thread applies hundreds of Write batches over gRPC. Each batch installs a
// new "version" v of everything a steered packet touches -- the policies'
// source address and both SIDs, the next hops' MACs, the rule's weights, and
// every fifth batch the FIB route to the SIDs -- so every output frame names
// the version it was forwarded with in five places. A packet that saw part of one batch
// and part of another would show two versions; there must be none.
//
// The input port has one rx queue (software spreading to the second worker)
// and the output port one tx queue (the second worker hands its packets to
// the first): both hand-off paths run. Afterwards every mbuf is back in the
// pool and the DPDK heap is back where it was (run it under ASan too:
// -DCPN_SANITIZE=ON).
#include <rte_eth_ring.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "dataplane/tables/dpdk_util.h"
#include "gtest/gtest.h"
#include "tests/dataplane/agent/dataplane_harness.h"
#include "tests/dataplane/eal_environment.h"
#include "tests/dataplane/pipeline/pipeline_test_util.h"
#include "tests/dataplane/stages/test_packets.h"

namespace cpn::testing {
namespace {

constexpr int kVersions = 300;  // Write batches while traffic flows.
constexpr int kFlows = 1024;

std::string Hex16(int v) { return absl::StrFormat("%x", v); }

// Everything of version v that a steered packet touches: both policies
// (source and SIDs), both next hops' MACs, the rule's weights; and every
// fifth version a more specific route to the SIDs, which makes the batch
// rebuild the FIB (the costly kind of Write: ~10-40 ms here).
std::vector<v1::Update> VersionUpdates(int v, bool first) {
  std::vector<v1::Update> u;
  auto op = [first](v1::Entity e) { return first ? Insert(std::move(e)) : Modify(std::move(e)); };
  if (first) {
    u.push_back(Insert(RouteVia(0, "fc00:1::/32", {{2, "fe80::1"}})));
  }
  if (v % 5 == 0 || first) {
    u.push_back(Insert(RouteVia(0, absl::StrCat("fc00:1:", Hex16(v), "::/48"), {{2, "fe80::2"}})));
    if (!first) {
      const int before = v == 5 ? 1 : v - 5;
      u.push_back(Delete(RouteVia(0, absl::StrCat("fc00:1:", Hex16(before), "::/48"), {})));
    }
  }
  const std::string mac = absl::StrFormat("02:00:00:00:%02x:%02x", v >> 8, v & 0xff);
  u.push_back(op(NeighborEntity(2, "fe80::1", mac)));
  u.push_back(op(NeighborEntity(2, "fe80::2", mac)));
  for (int p = 1; p <= 2; ++p) {
    u.push_back(op(PolicyEntity(p, absl::StrCat("2001:db8:ff::", Hex16(v)),
                                {absl::StrCat("fc00:1:", Hex16(v), "::", p),
                                 absl::StrCat("fc00:3:", Hex16(v), "::d", p)})));
  }
  u.push_back(op(RuleEntity(
      10, "2001:db8:cafe::/48",
      {{1, static_cast<uint32_t>(1 + v % 3)}, {2, static_cast<uint32_t>(1 + (v + 1) % 3)}})));
  return u;
}

uint16_t Be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

// The versions a frame names (MAC, source, first SID in the DA and in the
// SRH, last SID); -1 when it is not a well-formed encapsulated frame.
struct Seen {
  int mac = -1, src = -1, da = -1, srh_first = -1, srh_last = -1;
  int policy_da = -1, policy_last = -1;
};

Seen Inspect(const uint8_t* b, uint32_t len) {
  Seen s;
  if (len < 14 + 40 + 8 + 32 || Be16(b + 12) != 0x86dd || b[14 + 6] != 43) return s;
  const uint8_t* ip = b + 14;
  const uint8_t* srh = ip + 40;
  s.mac = Be16(b + 4);
  s.src = Be16(ip + 8 + 14);
  s.da = Be16(ip + 24 + 4);
  s.policy_da = Be16(ip + 24 + 14);
  s.srh_last = Be16(srh + 8 + 4);  // Segment List[0] = fc00:3:<v>::d<p>.
  s.policy_last = Be16(srh + 8 + 14) & 0xf;
  s.srh_first = Be16(srh + 8 + 16 + 4);  // Segment List[1] = fc00:1:<v>::<p>.
  return s;
}

TEST(DpHammer, HundredsOfWritesWhileTwoWorkersForwardNeverMixTwoStates) {
  rte_mempool* pool = MetaPktPool();
  const unsigned pool_before = rte_mempool_avail_count(pool);
  const size_t heap_before = dataplane::DpdkHeapAllocatedBytes();

  const std::string n = UniqueVdev("hm");
  auto ring = [&](const char* what, unsigned size) {
    return rte_ring_create((n + what).c_str(), size, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
  };
  rte_ring* in_rx = ring("ir", 4096);
  rte_ring* in_tx = ring("it", 64);
  rte_ring* out_rx = ring("or", 64);
  rte_ring* out_tx = ring("ot", 8192);
  ASSERT_TRUE(in_rx && in_tx && out_rx && out_tx);
  ASSERT_GE(rte_eth_from_rings((n + "in").c_str(), &in_rx, 1, &in_tx, 1, SOCKET_ID_ANY), 0);
  ASSERT_GE(rte_eth_from_rings((n + "out").c_str(), &out_rx, 1, &out_tx, 1, SOCKET_ID_ANY), 0);

  std::atomic<uint64_t> injected{0}, received{0}, mixed{0}, malformed{0};
  std::map<int, uint64_t> per_version;
  {
    DataplaneHarness h({.workers = 2});
    auto ctl = h.Connect(1, "hammer");
    // rte_eth_from_rings names the ethdev "net_ring_<name>"; an existing
    // ethdev's name is valid devargs for a Port.
    std::vector<v1::Update> first = {Insert(PortEntity(1, "in", "net_ring_" + n + "in")),
                                     Insert(PortEntity(2, "out", "net_ring_" + n + "out"))};
    for (auto& u : VersionUpdates(1, true)) first.push_back(u);
    grpc::Status s = h.Write(1, 0, 1, first);
    ASSERT_TRUE(s.ok()) << s.error_message();

    // The frames of the flows, built once.
    std::vector<Bytes> frames;
    for (int i = 0; i < kFlows; ++i) {
      frames.push_back(Frame(Flow{absl::StrCat("2001:db8:1::", Hex16(i + 1)), "2001:db8:cafe::1",
                                  static_cast<uint16_t>(1000 + i), 443},
                             16));
    }
    std::atomic<bool> stop_gen{false}, stop_sink{false};
    std::thread gen([&] {
      size_t next = 0;
      while (!stop_gen.load()) {
        if (rte_mempool_avail_count(pool) < 1024) {
          std::this_thread::sleep_for(std::chrono::microseconds(50));
          continue;
        }
        rte_mbuf* burst[32];
        unsigned k = 0;
        for (; k < 32; ++k) {
          burst[k] = ToMbuf(frames[next], pool);
          if (burst[k] == nullptr) break;
          next = (next + 1) % frames.size();
        }
        const unsigned sent =
            rte_ring_enqueue_burst(in_rx, reinterpret_cast<void**>(burst), k, nullptr);
        for (unsigned i = sent; i < k; ++i) rte_pktmbuf_free(burst[i]);
        injected += sent;
        // ~32 packets per 100 us: steady traffic that leaves the two shared
        // cores room for the control thread.
        std::this_thread::sleep_for(std::chrono::microseconds(100));
      }
    });
    std::mutex per_version_mu;
    std::thread sink([&] {
      std::map<int, uint64_t> local;
      for (;;) {
        rte_mbuf* burst[64];
        const unsigned got =
            rte_ring_dequeue_burst(out_tx, reinterpret_cast<void**>(burst), 64, nullptr);
        if (got == 0) {
          if (stop_sink.load()) break;
          std::this_thread::sleep_for(std::chrono::microseconds(20));
          continue;
        }
        for (unsigned i = 0; i < got; ++i) {
          const Seen v =
              Inspect(rte_pktmbuf_mtod(burst[i], const uint8_t*), rte_pktmbuf_data_len(burst[i]));
          if (v.mac < 0) {
            ++malformed;
          } else if (v.mac != v.src || v.mac != v.da || v.mac != v.srh_first ||
                     v.mac != v.srh_last || v.policy_da != v.policy_last) {
            ++mixed;
          } else {
            ++local[v.mac];
          }
          rte_pktmbuf_free(burst[i]);
        }
        received += got;
      }
      std::lock_guard<std::mutex> lock(per_version_mu);
      per_version = local;
    });

    const auto start = std::chrono::steady_clock::now();
    for (int v = 2; v <= kVersions; ++v) {
      s = h.Write(1, v - 1, v, VersionUpdates(v, false));
      ASSERT_TRUE(s.ok()) << "version " << v << ": " << s.error_message();
    }
    const double write_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // Traffic on the last version.
    stop_gen = true;
    gen.join();
    // Everything injected comes out or is counted as dropped.
    tv1::CountersSnapshot c = h.WaitForCounters([&](const tv1::CountersSnapshot& snap) {
      uint64_t drops = 0;
      for (const auto& d : snap.drops()) drops += d.packets();
      return received.load() + drops >= injected.load();
    });
    stop_sink = true;
    sink.join();
    uint64_t drops = 0;
    for (const auto& d : c.drops()) drops += d.packets();
    std::printf(
        "hammer: %d writes in %.2f s (%.1f ms each); %lu packets in, %lu out, %lu dropped; "
        "%zu versions seen on the wire\n",
        kVersions - 1, write_seconds, 1000 * write_seconds / (kVersions - 1),
        static_cast<unsigned long>(injected.load()), static_cast<unsigned long>(received.load()),
        static_cast<unsigned long>(drops), per_version.size());
    for (const auto& d : c.drop_details()) {
      std::printf("  drop %s: %lu\n", d.name().c_str(), static_cast<unsigned long>(d.packets()));
    }
    EXPECT_EQ(mixed.load(), 0u) << "frames forwarded with parts of two Write batches";
    EXPECT_EQ(malformed.load(), 0u);
    EXPECT_EQ(received.load() + drops, injected.load());
    // Only the fast path's own limits may drop; never a state that is
    // missing a route, a neighbor or a policy.
    EXPECT_EQ(DropsOf(c, tv1::DROP_REASON_NO_ROUTE), 0u);
    EXPECT_EQ(DropsOf(c, tv1::DROP_REASON_NO_NEIGHBOR), 0u);
    EXPECT_EQ(DropsOf(c, tv1::DROP_REASON_NOT_STEERED), 0u);
    EXPECT_EQ(DropsOf(c, tv1::DROP_REASON_INTERNAL), 0u);
    EXPECT_GT(received.load(), 10'000u);
    EXPECT_GE(per_version.size(), 20u) << "traffic should span many versions";
    EXPECT_EQ(per_version.count(kVersions), 1u);
    ASSERT_EQ(c.workers_size(), 2);
    EXPECT_GT(c.workers(0).packets(), 0u);
    EXPECT_GT(c.workers(1).packets(), 0u);  // Reached through software spreading.
    uint64_t installed = 0;
    h.Read(&installed);
    EXPECT_EQ(installed, uint64_t{kVersions});
  }
  // Nothing leaked: every mbuf is back, every table and ring freed.
  rte_ring_free(in_rx);
  rte_ring_free(in_tx);
  rte_ring_free(out_rx);
  rte_ring_free(out_tx);
  EXPECT_EQ(rte_mempool_avail_count(pool), pool_before);
  const size_t heap_after = dataplane::DpdkHeapAllocatedBytes();
  EXPECT_LE(heap_after, heap_before + (256u << 10))
      << "DPDK heap grew from " << heap_before << " to " << heap_after;
}

}  // namespace
}  // namespace cpn::testing
