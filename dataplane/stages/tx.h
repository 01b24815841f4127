// rewrite + tx: the last stage. Puts an Ethernet header (and 802.1Q tag) for
// the packet's resolved next hop in front of the L3 header and hands the
// packet to a per-port transmit buffer, flushed in bursts.
//
// Input: packets at L3 with meta.next_hop = an index into the adjacency
// table (the neighbor table's published snapshot, owned by the tables).
// Drops: kNoAdjacency (index out of range, not resolved, or port beyond
// kMaxTxPorts), kRewriteNotIp, kRewriteNoHeadroom, kTxRingFull (the TxSink
// took fewer packets than offered; the rest are freed and counted).
//
// The actual transmit is behind TxSink so the stage itself does no I/O:
// ports/ provides EthdevTxSink (rte_eth_tx_burst on the worker's queue);
// tests use fakes.
//
// Threading: one TxStage per worker (it owns that worker's buffers).
#ifndef CPN_DATAPLANE_STAGES_TX_H_
#define CPN_DATAPLANE_STAGES_TX_H_

#include <rte_ether.h>
#include <rte_mbuf.h>

#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/stages/burst.h"
#include "dataplane/stages/drop_reason.h"

namespace cpn::dataplane {

// A resolved next hop: where to send and with which L2 header.
// 32 bytes (alignas): the tables index it by a shift, where 18 bytes took a
// multiply (and the bounds check, vector::size(), another).
struct alignas(32) Adjacency {
  // In the order of an Ethernet header: rewrite copies both in one move.
  rte_ether_addr dst_mac;
  rte_ether_addr src_mac;
  uint16_t port = 0;     // ethdev port id.
  uint16_t vlan_id = 0;  // 1..4094 adds an 802.1Q tag (PCP 0); 0 = untagged.
  bool valid = false;    // False until the neighbor is resolved.
};
static_assert(offsetof(Adjacency, src_mac) == offsetof(Adjacency, dst_mac) + RTE_ETHER_ADDR_LEN);
static_assert(sizeof(Adjacency) == 32);

class TxSink {
 public:
  virtual ~TxSink() = default;
  // Transmits up to n packets, returns how many were taken (the rest still
  // belong to the caller). Called on the worker lcore.
  virtual uint16_t Transmit(uint16_t port, rte_mbuf** pkts, uint16_t n) = 0;
};

inline constexpr uint16_t kMaxTxPorts = RTE_MAX_ETHPORTS;

class TxStage {
 public:
  // A port's buffer is flushed as soon as it holds `flush_threshold` packets
  // (1..kMaxBurst) and by Flush().
  explicit TxStage(uint16_t flush_threshold = 32);
  TxStage(const TxStage&) = delete;
  TxStage& operator=(const TxStage&) = delete;
  ~TxStage();  // Frees anything still buffered.

  // Rewrites L2 and buffers; may transmit full buffers through `sink`.
  void ProcessBurst(rte_mbuf** pkts, uint16_t n, std::span<const Adjacency> adjacencies,
                    TxSink& sink, DropCounters& drops);
  // ProcessBurst for one packet, for callers that fuse the last stages into
  // one per-packet loop (the worker): drops go to `dropped`. The caller
  // prefetches (the mbuf's private area, and the line before its data).
  void ProcessOne(rte_mbuf* m, std::span<const Adjacency> adjacencies, TxSink& sink,
                  DropList& dropped);
  // ProcessOne for a caller that has checked `adj` itself: valid, and its
  // port < kMaxTxPorts.
  void ProcessResolved(rte_mbuf* m, const Adjacency& adj, TxSink& sink, DropList& dropped);

  // Transmits every buffered packet. Call once per worker loop iteration so
  // a packet never waits for more traffic to the same port.
  void Flush(TxSink& sink, DropCounters& drops);

  // Packets handed to the sink and taken, per port (this worker only).
  uint64_t sent(uint16_t port) const { return port < kMaxTxPorts ? sent_[port] : 0; }
  uint16_t buffered(uint16_t port) const { return port < kMaxTxPorts ? buf_[port].n : 0; }

 private:
  void FlushPort(uint16_t port, TxSink& sink, DropCounters& drops);

  const uint16_t flush_threshold_;
  Burst buf_[kMaxTxPorts];
  uint64_t sent_[kMaxTxPorts] = {};
  uint32_t pending_mask_ = 0;  // Bit per port with buffered packets.
  static_assert(kMaxTxPorts <= 32, "pending_mask_ holds one bit per port");
};

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_STAGES_TX_H_
