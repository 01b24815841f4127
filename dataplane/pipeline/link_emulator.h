// A worker's emulated links (lab link emulation, stages/link_emulation.h):
// one EmulatedLink per DPDK port, the ports that hold packets, and the drop
// accounting. The worker's TxSink offers the packets of emulated ports here
// instead of transmitting them; every loop iteration the worker releases
// the due ones (Release) and never sleeps past next_release().
//
// Settings come from the published ForwardingState (ports[p].emulated,
// emulation[p]), so a Write or SetPortEmulation changes them atomically.
// When a port stops being emulated its queued packets leave at once; when it
// is gone or administratively down they are dropped (PORT_DOWN).
//
// THREADS: owned by one worker; every method on that worker's thread. Only
// created when the dataplane runs with lab emulation (--lab-emulation).
#ifndef CPN_DATAPLANE_PIPELINE_LINK_EMULATOR_H_
#define CPN_DATAPLANE_PIPELINE_LINK_EMULATOR_H_

#include <rte_mbuf.h>

#include <cstdint>
#include <memory>

#include "dataplane/pipeline/forwarding_state.h"
#include "dataplane/pipeline/worker_counters.h"
#include "dataplane/stages/link_emulation.h"

namespace cpn::dataplane {

class LinkEmulator {
 public:
  explicit LinkEmulator(uint32_t worker);
  ~LinkEmulator();  // Frees every packet still held.
  LinkEmulator(const LinkEmulator&) = delete;
  LinkEmulator& operator=(const LinkEmulator&) = delete;

  // Takes all `n` packets of emulated `port` at `now`: queued, or dropped
  // (freed; counted by reason and in the port's tx_dropped).
  void Offer(const LinkEmulationParams& p, uint16_t port, rte_mbuf** pkts, uint16_t n, uint64_t now,
             WorkerCounters& c);

  // Hands the due packets of every port to `send(port, pkts, n)`, which
  // must take ownership of all of them (transmit or free).
  template <typename Send>
  void Release(const ForwardingState& s, uint64_t now, WorkerCounters& c, Send&& send);

  bool active() const { return active_mask_ != 0; }
  // Earliest release time over all ports; UINT64_MAX when nothing is held.
  uint64_t next_release() const;
  // Frees every packet held (worker stopping).
  void FreeAll();

 private:
  std::unique_ptr<EmulatedLink> links_[kMaxTxPorts];
  uint32_t active_mask_ = 0;  // Bit per port whose link holds packets.
  static_assert(kMaxTxPorts <= 32, "active_mask_ holds one bit per port");
};

template <typename Send>
void LinkEmulator::Release(const ForwardingState& s, uint64_t now, WorkerCounters& c, Send&& send) {
  uint32_t mask = active_mask_;
  while (mask != 0) {
    const uint16_t port = static_cast<uint16_t>(__builtin_ctz(mask));
    mask &= mask - 1;
    EmulatedLink& link = *links_[port];
    const PortState& ps = s.ports[port];
    rte_mbuf* out[kMaxBurst];
    for (;;) {
      // Emulation cleared: what is held leaves at once (no reordering
      // behind packets that now bypass the link).
      const uint16_t n =
          ps.emulated ? link.Release(now, out, kMaxBurst) : link.TakeAll(out, kMaxBurst);
      if (n == 0) break;
      if (unlikely(!ps.present || !ps.admin_up)) {
        c.drops[static_cast<size_t>(PipelineDrop::kPortDown)].Add(n);
        if (ps.present) c.port_tx_dropped[port].Add(n);
        rte_pktmbuf_free_bulk(out, n);
      } else {
        send(port, out, n);
      }
      if (n < kMaxBurst) break;
    }
    if (link.empty()) active_mask_ &= ~(1u << port);
  }
}

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_PIPELINE_LINK_EMULATOR_H_
