// What IPFIX flow records cost the fast path: the affinity table's bulk
// lookup plus the per-packet Count() the steer stage does, in bursts of 32
// on one core, with flow records off (no sink: Count is a null test) and on
// (a sink: counts in a second array). Not a test: run it by hand.
//   build/tests/dataplane/telemetry/ipfix_flow_records_bench
// Prints the median of 5 runs in ns per packet.
#include <rte_eal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/tables/affinity.h"

using namespace cpn::dataplane;

namespace {

constexpr uint32_t kBurst = 32;
constexpr uint32_t kPackets = 1 << 22;

class NullSink final : public FlowRecordSink {
 public:
  void Emit(const FlowEnd&) override {}
};

double Measure(uint32_t flows, bool records) {
  NullSink sink;
  AffinityConfig c;
  c.capacity = std::max<uint32_t>(flows * 2, 1024);
  c.flow_sink = records ? &sink : nullptr;
  auto table = AffinityTable::Create(c);
  if (!table.ok()) return -1;
  AffinityTable& t = **table;
  std::vector<FlowKey> keys(flows);
  std::vector<uint32_t> hashes(flows);
  for (uint32_t i = 0; i < flows; ++i) {
    FlowKey& k = keys[i];
    k = FlowKey{};
    k.src[0] = 0x20;
    k.src[12] = static_cast<uint8_t>(i >> 24);
    k.src[13] = static_cast<uint8_t>(i >> 16);
    k.src[14] = static_cast<uint8_t>(i >> 8);
    k.src[15] = static_cast<uint8_t>(i);
    k.dst[15] = 1;
    k.src_port = static_cast<uint16_t>(i);
    k.dst_port = 443;
    k.protocol = 17;
    hashes[i] = t.Hash(k);
    (void)t.Upsert(k, hashes[i], AffinityValue{1, 1}, 1);
  }
  // Packets visit the flows in a scrambled order, as interleaved flows do.
  std::vector<uint32_t> order(kPackets);
  for (uint32_t i = 0; i < kPackets; ++i) order[i] = (i * 2654435761u) % flows;
  std::vector<double> runs;
  uint64_t now = 2;
  for (int r = 0; r < 5; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    for (uint32_t i = 0; i < kPackets; i += kBurst) {
      const FlowKey* k[kBurst];
      uint32_t h[kBurst];
      for (uint32_t j = 0; j < kBurst; ++j) {
        k[j] = &keys[order[i + j]];
        h[j] = hashes[order[i + j]];
      }
      AffinityValue v[kBurst];
      const uint64_t hits = t.LookupBulk(k, h, kBurst, ++now, v);
      for (uint32_t j = 0; j < kBurst; ++j) {
        if ((hits >> j) & 1) t.Count(v[j].position, 64, now);
      }
    }
    const auto t1 = std::chrono::steady_clock::now();
    runs.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / kPackets);
  }
  std::sort(runs.begin(), runs.end());
  return runs[2];
}

}  // namespace

int main() {
  std::string prefix = "--file-prefix=cpnipfixbench" + std::to_string(getpid());
  std::vector<std::string> args = {"bench", "--no-huge", "-m",
                                   "512",   "--no-pci",  "--log-level=lib.eal:error",
                                   "-l",    "0",         prefix};
  std::vector<char*> argv;
  for (auto& s : args) argv.push_back(s.data());
  if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) return 1;
  std::printf("affinity lookup + Count, ns/packet (median of 5; bursts of 32)\n");
  for (uint32_t flows : {1024u, 65536u, 1u << 20}) {
    const double off = Measure(flows, false);
    const double on = Measure(flows, true);
    std::printf("%8u flows: records off %6.2f   on %6.2f   (+%.2f)\n", flows, off, on, on - off);
  }
  rte_eal_cleanup();
  return 0;
}
