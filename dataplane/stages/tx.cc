#include "dataplane/stages/tx.h"

#include <rte_prefetch.h>

#include <algorithm>
#include <cstring>

#include "dataplane/stages/packet_meta.h"
#include "dataplane/stages/wire.h"

namespace cpn::dataplane {

TxStage::TxStage(uint16_t flush_threshold)
    : flush_threshold_(std::clamp<uint16_t>(flush_threshold, 1, kMaxBurst)) {
  for (auto& b : buf_) b.n = 0;
}

TxStage::~TxStage() {
  for (auto& b : buf_) {
    rte_pktmbuf_free_bulk(b.pkts, b.n);
    b.n = 0;
  }
}

void TxStage::ProcessBurst(rte_mbuf** pkts, uint16_t n, std::span<const Adjacency> adjacencies,
                           TxSink& sink, DropCounters& drops) {
  DropList dropped(drops);
  for (uint16_t i = 0; i < std::min<uint16_t>(n, kPrefetchAhead); ++i) {
    rte_prefetch0(rte_mbuf_to_priv(pkts[i]));
  }
  for (uint16_t i = 0; i < n; ++i) {
    if (i + kPrefetchAhead < n) {
      rte_mbuf* ahead = pkts[i + kPrefetchAhead];
      rte_prefetch0(rte_mbuf_to_priv(ahead));
      // The Ethernet header goes into the line just before the data.
      PrefetchForWrite(rte_pktmbuf_mtod_offset(ahead, uint8_t*, -RTE_CACHE_LINE_SIZE));
    }
    ProcessOne(pkts[i], adjacencies, sink, dropped);
  }
}

void TxStage::ProcessOne(rte_mbuf* m, std::span<const Adjacency> adjacencies, TxSink& sink,
                         DropList& dropped) {
  const PacketMeta* meta = Meta(m);
  const uint32_t nh = meta->next_hop;
  if (unlikely(nh >= adjacencies.size() || !adjacencies[nh].valid ||
               adjacencies[nh].port >= kMaxTxPorts)) {
    dropped.Drop(m, DropReason::kNoAdjacency);
    return;
  }
  ProcessResolved(m, adjacencies[nh], sink, dropped);
}

void TxStage::ProcessResolved(rte_mbuf* m, const Adjacency& adj, TxSink& sink,
                              DropList& dropped) {
  const PacketMeta* meta = Meta(m);
  uint16_t ethertype;
  if (meta->l3_type == L3Type::kIpv6) {
    ethertype = wire::kEtherTypeIpv6;
  } else if (meta->l3_type == L3Type::kIpv4) {
    ethertype = wire::kEtherTypeIpv4;
  } else {
    dropped.Drop(m, DropReason::kRewriteNotIp);
    return;
  }
  // Each branch prepends a constant length: computed from the tag, the
  // length took ~8 instructions a packet (worked out twice, 16 and 32 bit).
  uint8_t* eth;
  if (likely(adj.vlan_id == 0)) {
    eth = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, wire::kEthHeaderLen));
    if (unlikely(eth == nullptr)) {
      dropped.Drop(m, DropReason::kRewriteNoHeadroom);
      return;
    }
    wire::Store16(eth + 12, ethertype);
  } else {
    eth = reinterpret_cast<uint8_t*>(
        rte_pktmbuf_prepend(m, wire::kEthHeaderLen + wire::kVlanTagLen));
    if (unlikely(eth == nullptr)) {
      dropped.Drop(m, DropReason::kRewriteNoHeadroom);
      return;
    }
    wire::Store16(eth + 12, wire::kEtherTypeVlan);
    wire::Store16(eth + 14, adj.vlan_id & 0x0fff);
    wire::Store16(eth + 16, ethertype);
  }
  std::memcpy(eth, &adj.dst_mac, 2 * RTE_ETHER_ADDR_LEN);  // Destination, then source.
  Burst& b = buf_[adj.port];
  // A port's bit is set while its buffer holds packets (FlushPort clears both).
  if (b.n == 0) pending_mask_ |= 1u << adj.port;
  b.pkts[b.n++] = m;
  if (b.n >= flush_threshold_) FlushPort(adj.port, sink, dropped.counters());
}

void TxStage::Flush(TxSink& sink, DropCounters& drops) {
  uint32_t mask = pending_mask_;
  while (mask != 0) {
    const uint16_t port = static_cast<uint16_t>(__builtin_ctz(mask));
    mask &= mask - 1;
    FlushPort(port, sink, drops);
  }
}

void TxStage::FlushPort(uint16_t port, TxSink& sink, DropCounters& drops) {
  Burst& b = buf_[port];
  const uint16_t sent = b.n == 0 ? 0 : sink.Transmit(port, b.pkts, b.n);
  sent_[port] += sent;
  if (unlikely(sent < b.n)) {
    // The queue is full: drop now rather than hold packets (and mbufs) for
    // an unknown time; the counter tells the operator the port is the limit.
    const uint16_t unsent = static_cast<uint16_t>(b.n - sent);
    drops.packets[static_cast<size_t>(DropReason::kTxRingFull)] += unsent;
    rte_pktmbuf_free_bulk(b.pkts + sent, unsent);
  }
  b.n = 0;
  pending_mask_ &= ~(1u << port);
}

}  // namespace cpn::dataplane
