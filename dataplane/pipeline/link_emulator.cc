#include "dataplane/pipeline/link_emulator.h"

namespace cpn::dataplane {

LinkEmulator::LinkEmulator(uint32_t worker) {
  for (auto& link : links_) link = std::make_unique<EmulatedLink>(worker);
}

LinkEmulator::~LinkEmulator() { FreeAll(); }

void LinkEmulator::Offer(const LinkEmulationParams& p, uint16_t port, rte_mbuf** pkts, uint16_t n,
                         uint64_t now, WorkerCounters& c) {
  EmulatedLink& link = *links_[port];
  rte_mbuf* dropped[kMaxBurst];
  uint16_t d = 0;
  uint64_t lost = 0, full = 0;
  for (uint16_t i = 0; i < n; ++i) {
    rte_mbuf* m = pkts[i];
    const EmulationVerdict v = link.Offer(p, now, m, rte_pktmbuf_pkt_len(m));
    if (likely(v == EmulationVerdict::kQueued)) continue;
    (v == EmulationVerdict::kLost ? lost : full) += 1;
    dropped[d++] = m;
    if (d == kMaxBurst) {
      rte_pktmbuf_free_bulk(dropped, d);
      d = 0;
    }
  }
  if (d != 0) rte_pktmbuf_free_bulk(dropped, d);
  if (lost != 0) c.drops[static_cast<size_t>(PipelineDrop::kEmulatedLoss)].Add(lost);
  if (full != 0) c.drops[static_cast<size_t>(PipelineDrop::kEmulatedQueueFull)].Add(full);
  if (lost + full != 0) c.port_tx_dropped[port].Add(lost + full);
  if (!link.empty()) active_mask_ |= 1u << port;
}

uint64_t LinkEmulator::next_release() const {
  uint64_t earliest = UINT64_MAX;
  uint32_t mask = active_mask_;
  while (mask != 0) {
    const uint32_t port = static_cast<uint32_t>(__builtin_ctz(mask));
    mask &= mask - 1;
    const uint64_t t = links_[port]->next_release();
    if (t < earliest) earliest = t;
  }
  return earliest;
}

void LinkEmulator::FreeAll() {
  for (auto& link : links_) {
    if (link == nullptr) continue;
    rte_mbuf* out[kMaxBurst];
    while (const uint16_t n = link->TakeAll(out, kMaxBurst)) rte_pktmbuf_free_bulk(out, n);
  }
  active_mask_ = 0;
}

}  // namespace cpn::dataplane
