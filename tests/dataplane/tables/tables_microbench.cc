// Per-packet cost of each table's bulk lookup, in bursts of 32, on one core.
// Not a test (no assertion on time): run it by hand and read the numbers.
//   build-tables/tests/dataplane/tables/tables_microbench
// Prints the median of 5 runs of each measurement in ns per packet.
#include <rte_cycles.h>
#include <rte_eal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "dataplane/tables/affinity.h"
#include "dataplane/tables/classifier.h"
#include "dataplane/tables/local_sid.h"
#include "dataplane/tables/lpm.h"
#include "dataplane/tables/maglev.h"

using namespace cpn::dataplane;

namespace {

constexpr uint32_t kBurst = 32;
constexpr uint32_t kPackets = 1 << 22;

double NsPerPacket(const std::function<void(uint32_t)>& burst_at) {
  std::vector<double> runs;
  for (int r = 0; r < 5; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    for (uint32_t i = 0; i < kPackets; i += kBurst) burst_at(i);
    const auto t1 = std::chrono::steady_clock::now();
    runs.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / kPackets);
  }
  std::sort(runs.begin(), runs.end());
  return runs[2];
}

IpAddress Service(uint32_t i, std::mt19937_64& rng) {
  IpAddress a = *ParseIpAddress("2001:db8::");
  a.bytes[4] = static_cast<uint8_t>(i >> 8);
  a.bytes[5] = static_cast<uint8_t>(i);
  for (int b = 6; b < 16; ++b) a.bytes[b] = static_cast<uint8_t>(rng());
  return a;
}

}  // namespace

void Run();

int main() {
  std::string prefix = "--file-prefix=cpnbench" + std::to_string(getpid());
  std::vector<std::string> args = {"bench", "--no-huge", "-m",
                                   "512",   "--no-pci",  "--log-level=lib.eal:error",
                                   "-l",    "0",         prefix};
  std::vector<char*> argv;
  for (auto& s : args) argv.push_back(s.data());
  if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) return 2;
  Run();  // Every table is freed before EAL goes.
  rte_eal_cleanup();
  return 0;
}

void Run() {
  std::mt19937_64 rng(1);

  // 1,000 service /48s; packets from 1,024 flows spread over them.
  std::vector<LpmRoute> routes;
  std::vector<SteeringRuleSpec> rules;
  for (uint32_t i = 0; i < 1000; ++i) {
    IpPrefix p = *ParseIpPrefix("2001:db8::/48");
    p.addr.bytes[4] = static_cast<uint8_t>(i >> 8);
    p.addr.bytes[5] = static_cast<uint8_t>(i);
    routes.push_back({p, i % 64});
    rules.push_back({i, p, {}, {}});
  }
  constexpr uint32_t kFlows = 1024;
  std::vector<FlowKey> flows(kFlows);
  std::vector<IpAddress> dsts(kFlows);
  for (uint32_t f = 0; f < kFlows; ++f) {
    dsts[f] = Service(f % 1000, rng);
    std::memcpy(flows[f].dst, dsts[f].bytes, 16);
    flows[f].src[0] = 0x20;
    flows[f].src[15] = static_cast<uint8_t>(f);
    flows[f].src[14] = static_cast<uint8_t>(f >> 8);
    flows[f].src_port = static_cast<uint16_t>(1000 + f);
    flows[f].dst_port = 443;
    flows[f].protocol = 17;
  }

  auto fib = *Lpm6::Build(routes);
  uint32_t out[kBurst];
  uint8_t addrs[kBurst][16];
  const double fib_ns = NsPerPacket([&](uint32_t i) {
    for (uint32_t k = 0; k < kBurst; ++k) std::memcpy(addrs[k], dsts[(i + k) % kFlows].bytes, 16);
    fib->LookupBulk(addrs, out, kBurst);
  });
  std::printf("fib6 (1,000 /48, rte_fib6 trie)        %6.1f ns/pkt\n", fib_ns);

  auto cls = *SteeringClassifier::Build(rules);
  const FlowKey* keys[kBurst];
  const double cls_ns = NsPerPacket([&](uint32_t i) {
    for (uint32_t k = 0; k < kBurst; ++k) keys[k] = &flows[(i + k) % kFlows];
    cls->ClassifyBulk(keys, kBurst, out);
  });
  std::printf("classifier (1,000 rules)               %6.1f ns/pkt\n", cls_ns);

  std::vector<MaglevBackend> backends = {{1, 40}, {2, 30}, {3, 20}, {4, 10}};
  auto maglev = *MaglevTable::Build(backends);
  uint32_t hashes[kBurst];
  const double mag_ns = NsPerPacket([&](uint32_t i) {
    for (uint32_t k = 0; k < kBurst; ++k) hashes[k] = (i + k) * 2654435761u;
    maglev->SelectBulk(hashes, kBurst, out);
  });
  std::printf("maglev select (4099 slots)             %6.1f ns/pkt\n", mag_ns);

  for (uint32_t size : {MaglevTable::kDefaultSize, MaglevTable::kLargeSize}) {
    std::vector<MaglevBackend> w = {{1, 40}, {2, 30}, {3, 20}, {4, 10},
                                    {5, 10}, {6, 10}, {7, 10}, {8, 10}};
    auto prev = *MaglevTable::Build(w, size);
    const auto t0 = std::chrono::steady_clock::now();
    constexpr int kBuilds = 50;
    for (int b = 0; b < kBuilds; ++b) {
      w[b % 8].weight += 3;
      w[(b + 3) % 8].weight += 1;
      prev = *MaglevTable::Build(w, size, prev.get());
    }
    const auto t1 = std::chrono::steady_clock::now();
    auto scratch = *MaglevTable::Build(w, size);
    const auto t2 = std::chrono::steady_clock::now();
    std::printf("maglev build M=%-5u 8 backends: delta %.3f ms, from scratch %.3f ms\n", size,
                std::chrono::duration<double, std::milli>(t1 - t0).count() / kBuilds,
                std::chrono::duration<double, std::milli>(t2 - t1).count());
  }

  std::vector<LocalSidEntry> sids;
  for (uint32_t i = 0; i < 1000; ++i) sids.push_back({Service(i, rng), i});
  const auto b0 = std::chrono::steady_clock::now();
  auto sid_table = *LocalSidTable::Build(sids);
  const auto b1 = std::chrono::steady_clock::now();
  std::printf("local SID build, 1,000 SIDs            %6.2f ms\n",
              std::chrono::duration<double, std::milli>(b1 - b0).count());
  const uint8_t* sid_keys[kBurst];
  const double sid_ns = NsPerPacket([&](uint32_t i) {
    for (uint32_t k = 0; k < kBurst; ++k) sid_keys[k] = sids[(i + k) % 1000].sid.bytes;
    sid_table->LookupBulk(sid_keys, kBurst, out);
  });
  std::printf("local SID (1,000 SIDs, rte_hash)       %6.1f ns/pkt\n", sid_ns);

  {
    AffinityConfig c;
    c.capacity = 1 << 20;
    c.idle_timeout_tsc = 1000;
    auto aff = *AffinityTable::Create(c);
    for (uint32_t f = 0; f < 100000; ++f) {
      FlowKey k = flows[f % kFlows];
      k.src_port = static_cast<uint16_t>(f);
      k.src[13] = static_cast<uint8_t>(f >> 16);
      aff->Upsert(k, aff->Hash(k), {1, 0}, 1);
    }
    const auto t0 = std::chrono::steady_clock::now();
    const uint32_t expired = aff->Age(1000000, 1 << 20);  // Whole table, 100k expire.
    const auto t1 = std::chrono::steady_clock::now();
    const uint32_t none = aff->Age(1000000, 1 << 20);  // Whole table, all empty.
    const auto t2 = std::chrono::steady_clock::now();
    const double empty_ns = std::chrono::duration<double, std::nano>(t2 - t1).count() / (1 << 20);
    std::printf("affinity age: %.1f ns per empty slot, %.0f ns per expired entry (%u, %u)\n",
                empty_ns,
                (std::chrono::duration<double, std::nano>(t1 - t0).count() - empty_ns * (1 << 20)) /
                    expired,
                expired, none);
  }

  for (uint32_t nflows : {1024u, 65536u}) {
    AffinityConfig c;
    c.capacity = 1000000;
    c.idle_timeout_tsc = rte_get_tsc_hz() * 30;
    auto aff = *AffinityTable::Create(c);
    if (nflows == 1024u) {
      std::printf("affinity memory (1M-flow table)        %6.1f MiB\n",
                  aff->memory_bytes() / (1024.0 * 1024.0));
    }
    std::vector<FlowKey> many(nflows);
    std::vector<uint32_t> many_hash(nflows);
    for (uint32_t f = 0; f < nflows; ++f) {
      many[f] = flows[f % kFlows];
      many[f].src_port = static_cast<uint16_t>(f);
      many[f].src[13] = static_cast<uint8_t>(f >> 16);
      many_hash[f] = aff->Hash(many[f]);
      aff->Upsert(many[f], many_hash[f], {f % 4, 0}, rte_rdtsc());
    }
    AffinityValue values[kBurst];
    const double aff_ns = NsPerPacket([&](uint32_t i) {
      uint32_t h[kBurst];
      for (uint32_t k = 0; k < kBurst; ++k) {
        const uint32_t f = (i + k) * 40503u % nflows;
        keys[k] = &many[f];
        h[k] = many_hash[f];
      }
      aff->LookupBulk(keys, h, kBurst, rte_rdtsc(), values);
    });
    std::printf("affinity hit (%6u flows, 1M table)   %6.1f ns/pkt\n", nflows, aff_ns);
  }
}
