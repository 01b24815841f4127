#include "dataplane/pipeline/worker.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_memcpy.h>
#include <rte_prefetch.h>
#include <sys/prctl.h>

#include <algorithm>
#include <cstring>
#include <span>

#include "dataplane/stages/drop_reason.h"
#include "dataplane/stages/packet_meta.h"
#include "dataplane/stages/wire.h"

namespace cpn::dataplane {
namespace {

// Local SID passes per packet (an End whose next SID is ours again).
constexpr uint32_t kMaxPasses = 4;

inline void Push(Burst& b, rte_mbuf* m) { b.pkts[b.n++] = m; }

// Appends `src` to `dst`. Each Route() call handles at most kRxBurst
// packets and every packet is on one list, so this never overflows; if it
// did, the rest would be dropped and counted, never leaked.
inline void Append(Burst& dst, const Burst& src, DropCounters& drops) {
  uint16_t room = static_cast<uint16_t>(kMaxBurst - dst.n);
  const uint16_t take = src.n < room ? src.n : room;
  // rte_memcpy is inline; a variable-size std::memcpy is a call into libc
  // (~2% of a steering worker's time, several appends a burst).
  rte_memcpy(dst.pkts + dst.n, src.pkts, sizeof(rte_mbuf*) * take);
  dst.n = static_cast<uint16_t>(dst.n + take);
  if (unlikely(take < src.n)) {
    const uint16_t rest = static_cast<uint16_t>(src.n - take);
    drops.packets[static_cast<size_t>(DropReason::kEdgeOverflow)] += rest;
    rte_pktmbuf_free_bulk(const_cast<rte_mbuf**>(src.pkts + take), rest);
  }
}

// An IPv6 packet (data at L3) to a multicast group: not forwarded.
inline bool IsMulticast(const rte_mbuf* m) {
  return rte_pktmbuf_mtod(m, const uint8_t*)[24] == 0xff;
}

// The cache line in front of the data: where encap and rewrite put headers.
inline void PrefetchHeadroom(rte_mbuf* m) {
  PrefetchForWrite(rte_pktmbuf_mtod_offset(m, uint8_t*, -RTE_CACHE_LINE_SIZE));
}

// Starts the headroom lines of the first kPrefetchAhead packets; a loop
// over `b` then prefetches kPrefetchAhead packets ahead of itself.
inline void PrefetchFirstHeadrooms(const Burst& b) {
  for (uint16_t i = 0; i < std::min<uint16_t>(b.n, kPrefetchAhead); ++i) {
    PrefetchHeadroom(b.pkts[i]);
  }
}

// True when adjacency `nh` exists and is resolved on a port TxStage can
// buffer for; else TxStage drops the packet (NO_ADJACENCY).
inline bool Resolved(const ForwardingState& s, uint32_t nh) {
  return nh < s.adjacencies.size() && s.adjacencies[nh].valid &&
         s.adjacencies[nh].port < kMaxTxPorts;
}

// True when TransmitOne would send on adjacency `nh` (resolved, on a port
// that is up) unless the packet is too big.
inline bool Usable(const ForwardingState& s, uint32_t nh) {
  return Resolved(s, nh) && s.ports[s.adjacencies[nh].port].admin_up;
}

// A TwoWayCache of `entries` into *cache, none for 0.
template <typename Cache>
absl::Status CreateCache(uint32_t entries, std::unique_ptr<Cache>* cache) {
  if (entries == 0) return absl::OkStatus();
  absl::StatusOr<std::unique_ptr<Cache>> created = Cache::Create(entries);
  if (!created.ok()) return created.status();
  *cache = *std::move(created);
  return absl::OkStatus();
}

inline bool IsSrv6Like(const PacketMeta* meta) {
  return (meta->flags & kMetaSrh) != 0 || meta->l4_proto == kProtoIpv6 ||
         meta->l4_proto == kProtoIpv4;
}

}  // namespace

uint16_t WorkerTxSink::Transmit(uint16_t port, rte_mbuf** pkts, uint16_t n) {
  // The one test zero emulation costs (per port burst).
  if (unlikely(s_ != nullptr && s_->ports[port].emulated) && emu_ != nullptr) {
    // Stamped now, after rx: a packet is never released early.
    emu_->Offer(s_->emulation[port], port, pkts, n, rte_rdtsc(), *c_);
    return n;  // Queued, or dropped and counted.
  }
  return SendNow(port, pkts, n);
}

uint16_t WorkerTxSink::SendNow(uint16_t port, rte_mbuf** pkts, uint16_t n) {
  uint16_t sent = 0;
  if (likely(s_ != nullptr && s_->ports[port].present)) {
    const TxRoute& r = s_->tx[port];
    const int16_t q = r.queue[worker_];
    if (q >= 0) {
      sent = rte_eth_tx_burst(port, static_cast<uint16_t>(q), pkts, n);
    } else if (r.handoff != nullptr) {
      sent = static_cast<uint16_t>(
          rte_ring_mp_enqueue_burst(r.handoff, reinterpret_cast<void**>(pkts), n, nullptr));
    }
  }
  if (unlikely(sent < n)) c_->port_tx_dropped[port].Add(n - sent);
  return sent;
}

absl::StatusOr<std::unique_ptr<Worker>> Worker::Create(const WorkerConfig& config,
                                                       RcuDomain* domain,
                                                       const RcuPublished<ForwardingState>* state,
                                                       const rte_ring* const* inputs) {
  if (config.id >= kMaxWorkers || config.workers > kMaxWorkers || config.id >= config.workers) {
    return absl::InvalidArgumentError("worker id out of range");
  }
  AffinityConfig affinity = config.affinity;
  std::unique_ptr<FlowRecordRing> records;
  if (config.flow_record_ring != 0) {
    absl::StatusOr<std::unique_ptr<FlowRecordRing>> ring =
        FlowRecordRing::Create(config.flow_record_ring);
    if (!ring.ok()) return ring.status();
    records = *std::move(ring);
    affinity.flow_sink = records.get();
  }
  absl::StatusOr<std::unique_ptr<AffinityTable>> table = AffinityTable::Create(affinity);
  if (!table.ok()) return table.status();
  std::unique_ptr<FlowCache> cache;
  if (absl::Status st = CreateCache(config.flow_cache_entries, &cache); !st.ok()) return st;
  std::unique_ptr<RouteCache6> route_cache;
  if (absl::Status st = CreateCache(config.route_cache_entries, &route_cache); !st.ok()) return st;
  return std::unique_ptr<Worker>(new Worker(config, domain, state, inputs, std::move(records),
                                            *std::move(table), std::move(cache),
                                            std::move(route_cache)));
}

Worker::Worker(const WorkerConfig& config, RcuDomain* domain,
               const RcuPublished<ForwardingState>* state, const rte_ring* const* inputs,
               std::unique_ptr<FlowRecordRing> flow_records, std::unique_ptr<AffinityTable> affinity,
               std::unique_ptr<FlowCache> cache, std::unique_ptr<RouteCache6> route_cache)
    : config_(config),
      domain_(domain),
      state_(state),
      flow_records_(std::move(flow_records)),
      affinity_(std::move(affinity)),
      cache_(std::move(cache)),
      route_cache_(std::move(route_cache)),
      counters_(config.counter_sizes),
      idle_(config.idle),
      steer_(affinity_.get()),
      sink_(config.id, &counters_) {
  for (uint32_t w = 0; w < config.workers; ++w) inputs_[w] = const_cast<rte_ring*>(inputs[w]);
}

void Worker::Run(const std::atomic<bool>& stop) {
  lcore_.store(rte_lcore_id(), std::memory_order_relaxed);
  const uint32_t id = config_.id;
  sink_.set_emulator(emu_.get());
  // Emulated delays want sleeps that end on time (default slack: 50 us).
  if (emu_ != nullptr) prctl(PR_SET_TIMERSLACK, 1000UL, 0UL, 0UL, 0UL);
  const uint64_t tsc_per_us = std::max<uint64_t>(rte_get_tsc_hz() / 1'000'000, 1);
  domain_->Online(id);
  uint64_t last = rte_rdtsc();
  while (!stop.load(std::memory_order_relaxed)) {
    const uint64_t start = rte_rdtsc();
    uint32_t got = 0;
    if (const ForwardingState* s = state_->Get(); s != nullptr) got = Poll(*s, start);
    sink_.set_state(nullptr);
    domain_->Quiescent(id);  // Nothing of `s` is used past this point.
    const uint64_t end = rte_rdtsc();
    if (got != 0) {
      counters_.busy_cycles.Add(end - start);
      counters_.packets.Add(got);
    } else {
      counters_.empty_polls.Add(1);
    }
    uint32_t sleep_us = idle_.NextSleepUs(got);
    if (sleep_us != 0 && emu_ != nullptr && emu_->active()) {
      sleep_us = SleepBeforeDeparture(sleep_us, emu_->next_release(), end, tsc_per_us);
    }
    if (sleep_us != 0) {
      domain_->Offline(id);
      affinity_->Age(end, config_.age_slots_when_idle);
      rte_delay_us_sleep(sleep_us);
      domain_->Online(id);
    }
    const uint64_t now = rte_rdtsc();
    counters_.total_cycles.Add(now - last);
    last = now;
  }
  if (emu_ != nullptr) emu_->FreeAll();
  domain_->Offline(id);
}

uint32_t Worker::Poll(const ForwardingState& s, uint64_t now) {
  sink_.set_state(&s);
  if (unlikely(s.publication != cache_publication_)) {
    // Their answers were the old state's.
    if (cache_ != nullptr) cache_->Clear();
    if (route_cache_ != nullptr) route_cache_->Clear();
    cache_publication_ = s.publication;
  }
  uint32_t got = 0;
  rte_mbuf* pkts[kRxBurst];
  for (const RxQueue& q : s.rx[config_.id]) {
    if (!s.ports[q.port].admin_up) continue;
    const uint16_t n = rte_eth_rx_burst(q.port, q.queue, pkts, kRxBurst);
    if (n == 0) continue;
    got += n;
    FromRx(s, pkts, n, q.spread, now);
  }
  if (rte_ring* in = inputs_[config_.id]; in != nullptr) {
    const uint16_t n = static_cast<uint16_t>(
        rte_ring_sc_dequeue_burst(in, reinterpret_cast<void**>(pkts), kRxBurst, nullptr));
    if (n != 0) {
      got += n;
      Burst v6, v4;
      v6.n = v4.n = 0;
      // Multicast was dropped by the worker that parsed the packet.
      for (uint16_t i = 0; i < n; ++i) {
        Push(Meta(pkts[i])->l3_type == L3Type::kIpv6 ? v6 : v4, pkts[i]);
      }
      Route(s, v6, v4, now);
    }
  }
  DrainHandoffs(s);
  tx_.Flush(sink_, counters_.stage_drops);
  if (unlikely(emu_ != nullptr && emu_->active())) ReleaseEmulated(s);
  affinity_->Age(now, config_.age_slots_per_loop);
  return got;
}

void Worker::FromRx(const ForwardingState& s, rte_mbuf** pkts, uint16_t n, bool spread,
                    uint64_t now) {
  Burst v6, v4;
  v6.n = v4.n = 0;
  {
    // Parse, fused with the split by family: one pass over the burst.
    DropList parse_drops(counters_.stage_drops);
    PipelineDropList dropped(counters_);
    // Two distances: the mbuf itself first (its buf_addr and data_off
    // locate the frame), then the frame and the metadata to write. The
    // PMD's copies of the frames have pushed the mbufs out of L1.
    constexpr uint16_t kMbufAhead = 2 * kPrefetchAhead;
    // The steering pass looks a flow up in the cache soon: parse starts
    // that line. Not when there is no steering rule (a transit router:
    // ~10 instructions a packet).
    const FlowCache* cache = s.tables.Classifier() != nullptr ? cache_.get() : nullptr;
    for (uint16_t i = 0; i < std::min<uint16_t>(n, kMbufAhead); ++i) rte_prefetch0(pkts[i]);
    for (uint16_t i = 0; i < std::min<uint16_t>(n, kPrefetchAhead); ++i) {
      ParseStage::Prefetch(pkts[i]);
    }
    for (uint16_t i = 0; i < n; ++i) {
      if (i + kMbufAhead < n) rte_prefetch0(pkts[i + kMbufAhead]);
      if (i + kPrefetchAhead < n) ParseStage::Prefetch(pkts[i + kPrefetchAhead]);
      rte_mbuf* m = pkts[i];
      ParseEdge edge;
      DropReason why;
      if (unlikely(!parse_.ParseOne(m, &edge, &why))) {
        parse_drops.Drop(m, why);
      } else if (likely(edge == ParseEdge::kIpv6)) {
        if (unlikely(IsMulticast(m))) {
          dropped.Drop(m, PipelineDrop::kUnsupportedProtocol);
        } else {
          if (cache != nullptr) cache->Prefetch(Meta(m)->flow_hash);
          Push(v6, m);
        }
      } else if (edge == ParseEdge::kIpv4) {
        if (cache != nullptr) cache->Prefetch(Meta(m)->flow_hash);
        Push(v4, m);
      } else {
        dropped.Drop(m, PipelineDrop::kUnsupportedProtocol);
      }
    }
  }
  Burst* lists[2] = {&v6, &v4};
  const uint32_t workers = config_.workers;
  if (spread && workers > 1) {
    PipelineDropList dropped(counters_);
    for (Burst* b : lists) {
      uint8_t target[kMaxBurst];
      for (uint16_t i = 0; i < b->n; ++i) {
        target[i] = static_cast<uint8_t>(WorkerForHash(Meta(b->pkts[i])->flow_hash, workers));
      }
      for (uint32_t t = 0; t < workers; ++t) {
        if (t == config_.id) continue;
        rte_mbuf* out[kMaxBurst];
        uint16_t k = 0;
        for (uint16_t i = 0; i < b->n; ++i) {
          if (target[i] == t) out[k++] = b->pkts[i];
        }
        if (k == 0) continue;
        const unsigned sent =
            rte_ring_mp_enqueue_burst(inputs_[t], reinterpret_cast<void**>(out), k, nullptr);
        for (uint16_t i = static_cast<uint16_t>(sent); i < k; ++i) {
          dropped.Drop(out[i], PipelineDrop::kSpreadRingFull);
        }
      }
      uint16_t keep = 0;
      for (uint16_t i = 0; i < b->n; ++i) {
        if (target[i] == config_.id) b->pkts[keep++] = b->pkts[i];
      }
      b->n = keep;
    }
  }
  Route(s, v6, v4, now);
}

// The stages run per packet inside as few passes over the burst as the bulk
// lookups allow (local SIDs, classifier, affinity, FIB): each pass carries a
// packet as far as it can go before the next bulk lookup, so metadata is
// written and read while it is in L1 and no edge buffer is filled only to be
// copied into the next one. What each packet goes through, and in which
// order packets of one list are transmitted, is what the stage-per-pass
// loop did.
void Worker::Route(const ForwardingState& s, Burst& v6, Burst& v4, uint64_t now) {
  Burst srv6, steer, fib6, fib4, local;
  srv6.n = steer.n = fib6.n = fib4.n = local.n = 0;
  {
    PipelineDropList dropped(counters_);
    LookupSids(s, v6, srv6, &steer, dropped);
  }
  v6.n = 0;
  Append(steer, v4, counters_.stage_drops);
  v4.n = 0;
  Steer(s, steer, fib6, fib4, now);
  for (uint32_t pass = 1;; ++pass) {
    RunSrv6(s, srv6, fib6, fib4);
    if (fib6.n != 0) {
      Forward(s, fib6, /*v6=*/true, &local);
      fib6.n = 0;
    }
    if (local.n == 0) break;
    PipelineDropList dropped(counters_);
    if (pass >= kMaxPasses) {
      for (uint16_t i = 0; i < local.n; ++i) {
        dropped.Drop(local.pkts[i], PipelineDrop::kRecirculationLimit);
      }
      break;
    }
    LookupSids(s, local, srv6, nullptr, dropped);
    local.n = 0;
  }
  if (fib4.n != 0) {
    Forward(s, fib4, /*v6=*/false, nullptr);
    fib4.n = 0;
  }
}

void Worker::LookupSids(const ForwardingState& s, Burst& in, Burst& srv6, Burst* miss,
                        PipelineDropList& dropped) {
  const LocalSidTable* table = s.tables.LocalSids();
  if ((table == nullptr || table->size() == 0) && miss != nullptr) {
    // No SID here (an ingress or plain router): everything misses.
    Append(*miss, in, counters_.stage_drops);
    in.n = 0;
    return;
  }
  // A hit (`value` = the SID's slot) goes to srv6 counted; a miss to `miss`,
  // or is dropped when there is no such list (a local SID pass).
  auto route = [&](rte_mbuf* m, const uint32_t* value) {
    PacketMeta* meta = Meta(m);
    if (value != nullptr && *value < s.sids.size()) {
      const uint32_t slot = *value;
      meta->local_sid = &s.sids[slot].action;
      if (slot < counters_.sizes.sids) {
        counters_.sids[slot].packets.Add(1);
        counters_.sids[slot].bytes.Add(meta->l3_len + meta->l2_len);
      }
      Push(srv6, m);
    } else if (miss != nullptr) {
      Push(*miss, m);
    } else {
      dropped.Drop(m, IsSrv6Like(meta) ? PipelineDrop::kNoLocalSid : PipelineDrop::kLocalDelivery);
    }
  };
  if (table != nullptr && table->linear()) {
    for (uint16_t i = 0; i < in.n; ++i) {
      rte_mbuf* m = in.pkts[i];
      route(m, table->LookupLinear(rte_pktmbuf_mtod_offset(m, const uint8_t*, 24)));
    }
    in.n = 0;
    return;
  }
  uint64_t hits = 0;
  uint32_t values[kMaxBurst];
  if (table != nullptr && table->size() != 0 && in.n != 0) {
    const uint8_t* keys[kMaxBurst];
    for (uint16_t i = 0; i < in.n; ++i) keys[i] = rte_pktmbuf_mtod_offset(in.pkts[i], uint8_t*, 24);
    hits = table->LookupBulk(keys, in.n, values);
  }
  for (uint16_t i = 0; i < in.n; ++i) {
    route(in.pkts[i], ((hits >> i) & 1) != 0 ? &values[i] : nullptr);
  }
  in.n = 0;
}

void Worker::Steer(const ForwardingState& s, Burst& in, Burst& fib6, Burst& fib4, uint64_t now) {
  if (in.n == 0) return;
  // Packets reach here straight from parse (or a hand-off after parse), so
  // meta.fib_table is 0 already: the FIB looks them up in the main table.
  if (s.tables.Classifier() == nullptr) {  // No steering rule: all unsteered.
    for (uint16_t i = 0; i < in.n; ++i) {
      Push(Meta(in.pkts[i])->l3_type == L3Type::kIpv6 ? fib6 : fib4, in.pkts[i]);
    }
    in.n = 0;
    return;
  }
  if (cache_ != nullptr) SendCached(s, in, now);  // Leaves the misses in `in`.
  steer_out_.Clear();
  steer_.ProcessBurst(s, in.pkts, in.n, now, steer_out_, counters_, cache_ != nullptr);
  in.n = 0;
  const Burst& unsteered = steer_out_[SteerEdge::kUnsteered];
  for (uint16_t i = 0; i < unsteered.n; ++i) {
    rte_mbuf* m = unsteered.pkts[i];
    Push(Meta(m)->l3_type == L3Type::kIpv6 ? fib6 : fib4, m);
  }
  // Encap fused with the policy's outer hop limit and the FIB's input list.
  const Burst& steered = steer_out_[SteerEdge::kEncap];
  if (cache_ != nullptr) counters_.flow_cache_misses.Add(steered.n);
  DropList dropped(counters_.stage_drops);
  PrefetchFirstHeadrooms(steered);
  for (uint16_t i = 0; i < steered.n; ++i) {
    if (i + kPrefetchAhead < steered.n) PrefetchHeadroom(steered.pkts[i + kPrefetchAhead]);
    rte_mbuf* m = steered.pkts[i];
    if (unlikely(!EncapSteered(m, dropped))) continue;
    if (likely(!fib6.Full())) {
      Push(fib6, m);
    } else {
      dropped.Drop(m, DropReason::kEdgeOverflow);
    }
  }
}

[[gnu::flatten]] void Worker::SendCached(const ForwardingState& s, Burst& in, uint64_t now) {
  DropList dropped(counters_.stage_drops);
  PipelineDropList pipeline_dropped(counters_);
  const SteerStage::CacheLimits limits = SteerStage::Limits(s, counters_);
  uint16_t misses = 0;
  PrefetchFirstHeadrooms(in);
  for (uint16_t i = 0; i < in.n; ++i) {
    if (i + kPrefetchAhead < in.n) PrefetchHeadroom(in.pkts[i + kPrefetchAhead]);
    rte_mbuf* m = in.pkts[i];
    if (!steer_.SteerCachedOne(s, m, now, counters_, *cache_, limits)) {
      in.pkts[misses++] = m;
      continue;
    }
    // Encap marks the hop limit done: the FIB would not have decremented it,
    // so the cached next hop is all Forward() would add.
    if (likely(EncapSteered(m, dropped, EncapStage::MetaUpdate::kForTx))) {
      TransmitCached(s, m, pipeline_dropped, dropped);
    }
  }
  counters_.flow_cache_hits.Add(in.n - misses);
  in.n = misses;
}

inline bool Worker::EncapSteered(rte_mbuf* m, DropList& dropped,
                                 EncapStage::MetaUpdate meta_update) {
  DropReason why;
  // A null policy is EncapOne's to drop; with one, its outer hop limit.
  const Srv6EncapPolicy* policy = Meta(m)->encap_policy;
  const uint8_t hop_limit = policy != nullptr ? PolicyOf(policy)->hop_limit : 64;
  if (unlikely(!encap_.EncapOne(m, &why, hop_limit, meta_update))) {
    dropped.Drop(m, why);
    return false;
  }
  return true;
}

[[gnu::flatten]] void Worker::RunSrv6(const ForwardingState& s, Burst& in, Burst& fib6, Burst& fib4) {
  if (in.n == 0) return;
  DropList dropped(counters_.stage_drops);
  PipelineDropList tx_dropped(counters_);
  for (uint16_t i = 0; i < std::min<uint16_t>(in.n, kPrefetchAhead); ++i) {
    PrefetchForWrite(rte_pktmbuf_mtod(in.pkts[i], void*));
  }
  for (uint16_t i = 0; i < in.n; ++i) {
    if (i + kPrefetchAhead < in.n) {
      rte_mbuf* ahead = in.pkts[i + kPrefetchAhead];
      // IPv6 header and the start of the SRH share the first 64 bytes; the
      // next segment may sit in the second line.
      PrefetchForWrite(rte_pktmbuf_mtod(ahead, void*));
      PrefetchForWrite(rte_pktmbuf_mtod_offset(ahead, uint8_t*, RTE_CACHE_LINE_SIZE));
    }
    rte_mbuf* m = in.pkts[i];
    Srv6Edge edge;
    DropReason why;
    if (unlikely(!srv6_.ProcessOne(m, &edge, &why))) {
      dropped.Drop(m, why);
    } else if (likely(edge == Srv6Edge::kIpv6Lookup)) {
      Push(fib6, m);
    } else if (edge == Srv6Edge::kIpv4Lookup) {
      Push(fib4, m);
    } else {
      TransmitOne(s, m, tx_dropped, dropped);
    }
  }
  in.n = 0;
}

[[gnu::flatten]] void Worker::Forward(const ForwardingState& s, Burst& in, bool v6, Burst* local) {
  uint32_t values[kMaxBurst];
  if (v6) {
    const FibStage::MainTableLookups done =
        fib_.LookupIpv6(s, in.pkts, in.n, values, route_cache_.get());
    if (route_cache_ != nullptr) {
      counters_.route_cache_hits.Add(done.cached);
      counters_.route_cache_misses.Add(done.trie);
    }
  } else {
    fib_.LookupIpv4(s, in.pkts, in.n, values);
  }
  PipelineDropList dropped(counters_);
  DropList tx_dropped(counters_.stage_drops);
  // No prefetch: the Ethernet header goes into the 14 bytes before the data,
  // where parse took one off (or encap's headers start), a line this worker
  // has just read or written.
  for (uint16_t i = 0; i < in.n; ++i) {
    rte_mbuf* m = in.pkts[i];
    switch (FibStage::Resolve(s, m, values[i], v6, dropped)) {
      case FibVerdict::kTx: {
        const PacketMeta* meta = Meta(m);
        if ((meta->flags & kMetaFlowCacheFill) != 0 && cache_ != nullptr &&
            Usable(s, meta->next_hop)) {
          cache_->Insert(meta->flow, meta->flow_hash,
                         FlowCacheValue{meta->steer_rule, s.PolicySlot(meta->encap_policy),
                                        meta->next_hop, meta->affinity_position,
                                        meta->affinity_incarnation});
        }
        TransmitOne(s, m, dropped, tx_dropped);
        break;
      }
      case FibVerdict::kLocal:
        // Its first segment is a SID of ours: the local SID pass decides
        // more than the cache holds.
        Meta(m)->flags &= static_cast<uint8_t>(~kMetaFlowCacheFill);
        Push(*local, m);
        break;
      case FibVerdict::kDropped:
        break;
    }
  }
}

inline void Worker::TransmitOne(const ForwardingState& s, rte_mbuf* m, PipelineDropList& dropped,
                                DropList& tx_dropped) {
  const uint32_t nh = Meta(m)->next_hop;
  if (unlikely(!Resolved(s, nh))) {
    // TxStage drops what has no adjacency.
    tx_.ProcessOne(m, std::span<const Adjacency>(s.adjacencies), sink_, tx_dropped);
    return;
  }
  const Adjacency& adj = s.adjacencies[nh];
  if (unlikely(!s.ports[adj.port].admin_up)) {
    counters_.port_tx_dropped[adj.port].Add(1);
    dropped.Drop(m, PipelineDrop::kPortDown);
    return;
  }
  SendWithinMtu(s, m, adj, dropped, tx_dropped);
}

inline void Worker::TransmitCached(const ForwardingState& s, rte_mbuf* m,
                                   PipelineDropList& dropped, DropList& tx_dropped) {
  const uint32_t nh = Meta(m)->next_hop;
  // In range (cached from this state); checked all the same, as the cached
  // slots are (SteerStage::SteerCachedOne).
  if (unlikely(nh >= s.adjacencies.size())) {
    TransmitOne(s, m, dropped, tx_dropped);
    return;
  }
  SendWithinMtu(s, m, s.adjacencies[nh], dropped, tx_dropped);
}

inline void Worker::SendWithinMtu(const ForwardingState& s, rte_mbuf* m, const Adjacency& adj,
                                  PipelineDropList& dropped, DropList& tx_dropped) {
  if (unlikely(rte_pktmbuf_pkt_len(m) > s.ports[adj.port].mtu)) {
    counters_.port_tx_dropped[adj.port].Add(1);
    dropped.Drop(m, PipelineDrop::kMtuExceeded);
    return;
  }
  tx_.ProcessResolved(m, adj, sink_, tx_dropped);
}

void Worker::DrainHandoffs(const ForwardingState& s) {
  const uint32_t id = config_.id;
  // drains[id] lists only present ports with a hand-off ring that this
  // worker drains on its own tx queue (the compiler's Ports()).
  for (const uint16_t p : s.drains[id]) {
    const TxRoute& r = s.tx[p];
    rte_mbuf* pkts[kRxBurst];
    const uint16_t n = static_cast<uint16_t>(
        rte_ring_sc_dequeue_burst(r.handoff, reinterpret_cast<void**>(pkts), kRxBurst, nullptr));
    if (n == 0) continue;
    const uint16_t sent = rte_eth_tx_burst(p, static_cast<uint16_t>(r.queue[id]), pkts, n);
    if (sent < n) {
      const uint16_t rest = static_cast<uint16_t>(n - sent);
      counters_.stage_drops.packets[static_cast<size_t>(DropReason::kTxRingFull)] += rest;
      counters_.port_tx_dropped[p].Add(rest);
      rte_pktmbuf_free_bulk(pkts + sent, rest);
    }
  }
}

void Worker::ReleaseEmulated(const ForwardingState& s) {
  emu_->Release(s, rte_rdtsc(), counters_, [this](uint16_t port, rte_mbuf** pkts, uint16_t n) {
    const uint16_t sent = sink_.SendNow(port, pkts, n);
    if (unlikely(sent < n)) {  // Like TxStage: the queue is full, drop now.
      const uint16_t rest = static_cast<uint16_t>(n - sent);
      counters_.stage_drops.packets[static_cast<size_t>(DropReason::kTxRingFull)] += rest;
      rte_pktmbuf_free_bulk(pkts + sent, rest);
    }
  });
}

}  // namespace cpn::dataplane
