// Lab link emulation in the running pipeline: an in-process dataplane with
// --lab-emulation forwards IPv6 from a net_ring port to another whose
// Port.emulation (or SetPortEmulation override) delays, rate-limits or
// drops. Times are TSC readings on both sides: a packet is stamped before
// the test enqueues it and after it dequeues it, so the measured latency is
// an upper bound of the real one; lower bounds are asserted exactly, upper
// bounds generously (the machine is shared).
#include <rte_cycles.h>
#include <rte_eth_ring.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "dataplane/stages/link_emulation.h"
#include "gtest/gtest.h"
#include "tests/dataplane/agent/dataplane_harness.h"
#include "tests/dataplane/eal_environment.h"
#include "tests/dataplane/pipeline/pipeline_test_util.h"
#include "tests/dataplane/stages/test_packets.h"

namespace cpn::testing {
namespace {

constexpr size_t kPayload = 32;  // 94-byte frames.
constexpr uint32_t kFrameBytes = 14 + 40 + 8 + kPayload;

// Ports 1 (in) and 2 (out) on net_ring, a route fc00::/16 out of port 2.
class EmulationRig {
 public:
  explicit EmulationRig(const v1::LinkEmulation& out_emulation) {
    const std::string n = UniqueVdev("em");
    auto ring = [&](const char* what, unsigned size) {
      return rte_ring_create((n + what).c_str(), size, SOCKET_ID_ANY,
                             RING_F_SP_ENQ | RING_F_SC_DEQ);
    };
    in_rx_ = ring("ir", 1024);
    in_tx_ = ring("it", 64);
    out_rx_ = ring("or", 64);
    out_tx_ = ring("ot", 4096);
    EXPECT_TRUE(in_rx_ && in_tx_ && out_rx_ && out_tx_);
    EXPECT_GE(rte_eth_from_rings((n + "in").c_str(), &in_rx_, 1, &in_tx_, 1, SOCKET_ID_ANY), 0);
    EXPECT_GE(rte_eth_from_rings((n + "out").c_str(), &out_rx_, 1, &out_tx_, 1, SOCKET_ID_ANY), 0);
    h_ = std::make_unique<DataplaneHarness>(HarnessOptions{.lab_emulation = true});
    auto ctl = h_->Connect(1);
    v1::Entity out = PortEntity(2, "out", "net_ring_" + n + "out");
    *out.mutable_port()->mutable_emulation() = out_emulation;
    const grpc::Status s =
        h_->Write(1, 0, 1,
                  {Insert(PortEntity(1, "in", "net_ring_" + n + "in")), Insert(out),
                   Insert(NeighborEntity(2, "fe80::1", "02:00:00:00:00:aa")),
                   Insert(RouteVia(0, "fc00::/16", {{2, "fe80::1"}}))});
    EXPECT_TRUE(s.ok()) << s.error_message();
  }
  ~EmulationRig() {
    h_.reset();
    for (rte_ring* r : {in_rx_, in_tx_, out_rx_, out_tx_}) {
      void* m;
      while (r != nullptr && rte_ring_dequeue(r, &m) == 0)
        rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
      rte_ring_free(r);
    }
  }

  DataplaneHarness& h() { return *h_; }

  // Enqueues packets with UDP source ports first..first+n-1 in one burst;
  // returns the TSC read just before.
  uint64_t Inject(uint16_t first, uint16_t n) {
    std::vector<rte_mbuf*> burst;
    for (uint16_t i = 0; i < n; ++i) {
      burst.push_back(ToMbuf(
          Frame(Flow{"2001:db8:1::1", "fc00::1", static_cast<uint16_t>(first + i), 443}, kPayload),
          MetaPktPool()));
      EXPECT_NE(burst.back(), nullptr);
    }
    const uint64_t t0 = rte_rdtsc();
    const unsigned sent =
        rte_ring_enqueue_burst(in_rx_, reinterpret_cast<void**>(burst.data()), n, nullptr);
    EXPECT_EQ(sent, n);
    return t0;
  }

  // What came out: UDP source port and the TSC read right after dequeuing.
  struct Out {
    uint16_t sport;
    uint64_t tsc;
  };
  // Collects until `want` packets came out or `timeout` passed.
  std::vector<Out> Collect(size_t want, std::chrono::milliseconds timeout) {
    std::vector<Out> got;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (got.size() < want && std::chrono::steady_clock::now() < deadline) {
      rte_mbuf* burst[64];
      const unsigned n =
          rte_ring_dequeue_burst(out_tx_, reinterpret_cast<void**>(burst), 64, nullptr);
      const uint64_t now = rte_rdtsc();
      if (n == 0) {
        std::this_thread::sleep_for(std::chrono::microseconds(20));
        continue;
      }
      for (unsigned i = 0; i < n; ++i) {
        const uint8_t* b = rte_pktmbuf_mtod(burst[i], const uint8_t*);
        got.push_back(Out{static_cast<uint16_t>((b[54] << 8) | b[55]), now});
        rte_pktmbuf_free(burst[i]);
      }
    }
    return got;
  }

 private:
  rte_ring *in_rx_ = nullptr, *in_tx_ = nullptr, *out_rx_ = nullptr, *out_tx_ = nullptr;
  std::unique_ptr<DataplaneHarness> h_;
};

v1::LinkEmulation Emulation(uint32_t delay_us, uint64_t rate_bps = 0, double loss = 0,
                            uint32_t queue = 0) {
  v1::LinkEmulation e;
  e.set_delay_us(delay_us);
  e.set_rate_bps(rate_bps);
  e.set_loss_ratio(loss);
  e.set_queue_limit_packets(queue);
  return e;
}

TEST(DpLinkEmulationPipeline, DelayHoldsEveryPacketAtLeastTheDelayAndKeepsOrder) {
  const unsigned pool_before = rte_mempool_avail_count(MetaPktPool());
  {
    EmulationRig rig(Emulation(2000));
    const uint64_t delay_tsc = dataplane::UsToTsc(2000, rte_get_tsc_hz());
    const uint64_t slack_tsc = rte_get_tsc_hz() / 20;  // 50 ms: generous, shared machine.
    constexpr uint16_t kPackets = 40;
    std::vector<uint64_t> sent_at(kPackets);
    std::vector<EmulationRig::Out> got;
    std::thread sink([&] { got = rig.Collect(kPackets, std::chrono::seconds(10)); });
    // One packet every ~250 us: several are on the emulated wire at once.
    for (uint16_t i = 0; i < kPackets; ++i) {
      sent_at[i] = rig.Inject(static_cast<uint16_t>(1000 + i), 1);
      std::this_thread::sleep_for(std::chrono::microseconds(250));
    }
    sink.join();
    ASSERT_EQ(got.size(), kPackets);
    uint64_t worst = 0;
    for (uint16_t i = 0; i < kPackets; ++i) {
      EXPECT_EQ(got[i].sport, 1000 + i) << "out of order at " << i;
      const uint64_t idx = got[i].sport - 1000u;
      ASSERT_LT(idx, kPackets);
      const uint64_t latency = got[i].tsc - sent_at[idx];
      EXPECT_GE(latency, delay_tsc) << "packet " << idx << " left early";
      EXPECT_LT(latency, delay_tsc + slack_tsc) << "packet " << idx;
      worst = std::max(worst, latency);
    }
    std::printf("emulated 2 ms delay: worst observed latency %.3f ms\n",
                1e3 * static_cast<double>(worst) / static_cast<double>(rte_get_tsc_hz()));
    const tv1::CountersSnapshot c = rig.h().Counters();
    EXPECT_EQ(DropsOf(c, tv1::DROP_REASON_EMULATED_LOSS), 0u);
    EXPECT_EQ(DropsOf(c, tv1::DROP_REASON_EMULATED_QUEUE_FULL), 0u);
  }
  EXPECT_EQ(rte_mempool_avail_count(MetaPktPool()), pool_before);
}

TEST(DpLinkEmulationPipeline, RateLimitSpacesPacketsAndDropsBeyondTheQueue) {
  EmulationRig rig(Emulation(0));
  // 1 Mbit/s: a 94-byte frame takes 752 us; 4 may wait.
  const v1::LinkEmulation slow = Emulation(0, 1'000'000, 0, 4);
  ASSERT_TRUE(SetEmulation(rig.h(), 2, &slow).ok());
  constexpr uint16_t kBurst = 32;
  const uint64_t t0 = rig.Inject(2000, kBurst);
  std::vector<EmulationRig::Out> got = rig.Collect(kBurst, std::chrono::milliseconds(500));
  const tv1::CountersSnapshot c = rig.h().WaitForCounters([&](const tv1::CountersSnapshot& s) {
    return DropsOf(s, tv1::DROP_REASON_EMULATED_QUEUE_FULL) + got.size() >= kBurst;
  });
  const uint64_t full = DropsOf(c, tv1::DROP_REASON_EMULATED_QUEUE_FULL);
  EXPECT_EQ(full + got.size(), kBurst);
  EXPECT_GE(got.size(), 4u);
  EXPECT_GE(full, 20u) << "the burst arrives far faster than 1 Mbit/s";
  ASSERT_NE(PortOf(c, 2), nullptr);
  EXPECT_GE(PortOf(c, 2)->tx_dropped(), full);
  EXPECT_EQ(PortOf(c, 2)->speed_bps(), 1'000'000u);
  ASSERT_FALSE(got.empty());
  // The k-th packet cannot leave before k serialisation times have passed.
  const double ser_tsc = kFrameBytes * 8.0 / 1e6 * static_cast<double>(rte_get_tsc_hz());
  EXPECT_GE(static_cast<double>(got.back().tsc - t0), got.size() * ser_tsc - 1000)
      << got.size() << " packets";
  for (size_t i = 1; i < got.size(); ++i) EXPECT_LT(got[i - 1].sport, got[i].sport);
}

TEST(DpLinkEmulationPipeline, OverrideLossCutsTheLinkUntilCleared) {
  EmulationRig rig(Emulation(0));
  const v1::LinkEmulation cut = Emulation(0, 0, 1.0);
  ASSERT_TRUE(SetEmulation(rig.h(), 2, &cut).ok());
  rig.Inject(3000, 20);
  const tv1::CountersSnapshot c = rig.h().WaitForCounters([](const tv1::CountersSnapshot& s) {
    return DropsOf(s, tv1::DROP_REASON_EMULATED_LOSS) >= 20;
  });
  EXPECT_EQ(DropsOf(c, tv1::DROP_REASON_EMULATED_LOSS), 20u);
  ASSERT_NE(PortOf(c, 2), nullptr);
  EXPECT_EQ(PortOf(c, 2)->tx_dropped(), 20u);
  EXPECT_TRUE(rig.Collect(1, std::chrono::milliseconds(50)).empty());
  // Cleared: back to Port.emulation (none), everything passes.
  ASSERT_TRUE(SetEmulation(rig.h(), 2, nullptr).ok());
  rig.Inject(3100, 20);
  EXPECT_EQ(rig.Collect(20, std::chrono::seconds(5)).size(), 20u);
}

TEST(DpLinkEmulationPipeline, PacketsHeldAtShutdownAreFreed) {
  const unsigned pool_before = rte_mempool_avail_count(MetaPktPool());
  {
    EmulationRig rig(Emulation(dataplane::kMaxEmulationDelayUs));  // 10 s.
    rig.Inject(4000, 16);
    rig.h().WaitForCounters([](const tv1::CountersSnapshot& s) {
      return s.workers_size() > 0 && s.workers(0).packets() >= 16;
    });
  }
  EXPECT_EQ(rte_mempool_avail_count(MetaPktPool()), pool_before);
}

}  // namespace
}  // namespace cpn::testing
