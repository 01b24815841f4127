#include "dataplane/agent/counters_service.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "dataplane/agent/read_service.h"

namespace cpn::dataplane::agent {
namespace {

namespace tv1 = ::cpn::telemetry::v1;

bool Want(const std::set<int>& groups, tv1::CounterGroup g) {
  return groups.empty() || groups.count(g) != 0;
}

}  // namespace

tv1::DropReason ApiReason(DropReason r) {
  switch (r) {
    case DropReason::kEthTruncated:
    case DropReason::kVlanTruncated:
      return tv1::DROP_REASON_MALFORMED_ETHERNET;
    case DropReason::kIpv4Truncated:
    case DropReason::kIpv4BadVersion:
    case DropReason::kIpv4BadIhl:
    case DropReason::kIpv4BadTotalLength:
    case DropReason::kIpv4BadChecksum:
      return tv1::DROP_REASON_MALFORMED_IPV4;
    case DropReason::kIpv6Truncated:
    case DropReason::kIpv6BadVersion:
    case DropReason::kIpv6BadPayloadLength:
    // The API has no transport category; a truncated TCP/UDP/ICMP header is
    // counted as a malformed IP packet (the detail name says which).
    case DropReason::kTcpTruncated:
    case DropReason::kUdpTruncated:
    case DropReason::kUdpBadLength:
    case DropReason::kIcmpTruncated:
      return tv1::DROP_REASON_MALFORMED_IPV6;
    case DropReason::kIpv6ExtTruncated:
    case DropReason::kIpv6ExtChainTooLong:
    case DropReason::kIpv6HopByHopNotFirst:
    case DropReason::kIpv6DuplicateExtHeader:
      return tv1::DROP_REASON_MALFORMED_EXTENSION_HEADER;
    case DropReason::kSrhBadLength:
    case DropReason::kSrhBadSegmentsLeft:
      return tv1::DROP_REASON_MALFORMED_SRH;
    case DropReason::kSrv6NoSrh:
    case DropReason::kSrv6SegmentsLeftZero:
    case DropReason::kSrv6SegmentsLeftNonZero:
      return tv1::DROP_REASON_SRV6_SEGMENTS_LEFT;
    case DropReason::kSrv6WrongInnerProtocol:
    case DropReason::kSrv6InnerMalformed:
      return tv1::DROP_REASON_SRV6_UNEXPECTED_PAYLOAD;
    case DropReason::kHopLimitExceeded:
      return tv1::DROP_REASON_HOP_LIMIT_EXPIRED;
    case DropReason::kNoAdjacency:
      return tv1::DROP_REASON_NO_NEIGHBOR;
    case DropReason::kTxRingFull:
      return tv1::DROP_REASON_TX_FULL;
    case DropReason::kEncapTooBig:
      return tv1::DROP_REASON_MTU_EXCEEDED;
    case DropReason::kNoMetadataRoom:
    case DropReason::kHeadersNotContiguous:
    case DropReason::kEncapNoRoom:
    case DropReason::kRewriteNoHeadroom:
      return tv1::DROP_REASON_NO_BUFFER;
    case DropReason::kEdgeOverflow:
    case DropReason::kEncapNoPolicy:
    case DropReason::kEncapBadPolicy:
    case DropReason::kEncapNotIp:
    case DropReason::kSrv6NoAction:
    case DropReason::kSrv6NotIpv6:
    case DropReason::kSrv6UnsupportedBehaviour:
    case DropReason::kRewriteNotIp:
    case DropReason::kCount:
      break;
  }
  return tv1::DROP_REASON_INTERNAL;
}

tv1::DropReason ApiReason(PipelineDrop r) {
  switch (r) {
    case PipelineDrop::kUnsupportedProtocol:
      return tv1::DROP_REASON_UNSUPPORTED_PROTOCOL;
    case PipelineDrop::kNoRoute:
      return tv1::DROP_REASON_NO_ROUTE;
    case PipelineDrop::kBlackhole:
      return tv1::DROP_REASON_BLACKHOLE;
    case PipelineDrop::kNoLocalSid:
      return tv1::DROP_REASON_NO_LOCAL_SID;
    case PipelineDrop::kLocalDelivery:
      return tv1::DROP_REASON_LOCAL_DELIVERY;
    case PipelineDrop::kNotSteered:
      return tv1::DROP_REASON_NOT_STEERED;
    case PipelineDrop::kAffinityTableFull:
      return tv1::DROP_REASON_AFFINITY_TABLE_FULL;
    case PipelineDrop::kMtuExceeded:
      return tv1::DROP_REASON_MTU_EXCEEDED;
    case PipelineDrop::kPortDown:
      return tv1::DROP_REASON_PORT_DOWN;
    case PipelineDrop::kHopLimitExpired:
      return tv1::DROP_REASON_HOP_LIMIT_EXPIRED;
    case PipelineDrop::kSpreadRingFull:
      return tv1::DROP_REASON_NO_BUFFER;
    case PipelineDrop::kEmulatedLoss:
      return tv1::DROP_REASON_EMULATED_LOSS;
    case PipelineDrop::kEmulatedQueueFull:
      return tv1::DROP_REASON_EMULATED_QUEUE_FULL;
    case PipelineDrop::kRecirculationLimit:
    case PipelineDrop::kCount:
      break;
  }
  return tv1::DROP_REASON_INTERNAL;
}

tv1::CountersSnapshot CountersService::Sample(const std::set<int>& groups,
                                              std::vector<WorkerCycles>* previous) const {
  tv1::CountersSnapshot snap;
  const Pipeline& p = *st_.pipeline;
  std::shared_lock<std::shared_mutex> lock(st_.mu);
  snap.set_dataplane_id(st_.config.dataplane_id);
  snap.set_boot_id(st_.boot_id);
  {
    const int64_t ns = absl::ToUnixNanos(absl::Now());
    snap.mutable_sampled_at()->set_seconds(ns / 1'000'000'000);
    snap.mutable_sampled_at()->set_nanos(static_cast<int32_t>(ns % 1'000'000'000));
  }
  snap.set_installed_version(st_.state.version);
  const uint32_t workers = p.workers();

  if (Want(groups, tv1::COUNTER_GROUP_PORTS)) {
    for (const auto& [id, port] : st_.state.ports) {
      auto open = st_.ports.find(id);
      if (open == st_.ports.end()) continue;
      const OpenPort& op = *open->second;
      tv1::PortCounters* pc = snap.add_ports();
      pc->set_port_id(id);
      pc->set_name(port.name());
      v1::PortStatus status;
      FillPortStatus(st_, id, &status);
      pc->set_oper_state(status.oper_state());
      // An emulated rate limit is the port's speed (counters.proto).
      const uint64_t emulated_bps = status.effective_emulation().rate_bps();
      pc->set_speed_bps(emulated_bps != 0 ? emulated_bps : status.speed_bps());
      if (absl::StatusOr<PortStats> s = op.port->Stats(); s.ok()) {
        pc->set_rx_packets(s->rx_packets);
        pc->set_rx_bytes(s->rx_bytes);
        pc->set_tx_packets(s->tx_packets);
        pc->set_tx_bytes(s->tx_bytes);
        pc->set_rx_missed(s->rx_missed + s->rx_no_mbuf);
        pc->set_rx_errors(s->rx_errors);
      }
      uint64_t tx_dropped = 0;
      for (uint32_t w = 0; w < workers; ++w) {
        tx_dropped += p.counters(w).port_tx_dropped[op.dpdk_id].Get();
      }
      pc->set_tx_dropped(tx_dropped);
    }
  }

  if (Want(groups, tv1::COUNTER_GROUP_DROPS)) {
    std::map<int, uint64_t> by_reason;
    std::map<std::string, std::pair<tv1::DropReason, uint64_t>> details;
    for (size_t r = 0; r < kDropReasonCount; ++r) {
      uint64_t n = 0;
      for (uint32_t w = 0; w < workers; ++w) n += p.counters(w).stage_drops.packets[r];
      if (n == 0) continue;
      const DropReason reason = static_cast<DropReason>(r);
      by_reason[ApiReason(reason)] += n;
      details[std::string(DropReasonName(reason))] = {ApiReason(reason), n};
    }
    for (size_t r = 0; r < kPipelineDropCount; ++r) {
      uint64_t n = 0;
      for (uint32_t w = 0; w < workers; ++w) n += p.counters(w).drops[r].Get();
      if (n == 0) continue;
      const PipelineDrop reason = static_cast<PipelineDrop>(r);
      by_reason[ApiReason(reason)] += n;
      auto& d = details[std::string(PipelineDropName(reason))];
      d.first = ApiReason(reason);
      d.second += n;
    }
    for (const auto& [reason, n] : by_reason) {
      tv1::DropCounter* d = snap.add_drops();
      d->set_reason(static_cast<tv1::DropReason>(reason));
      d->set_packets(n);
    }
    for (const auto& [name, v] : details) {
      tv1::DropDetailCounter* d = snap.add_drop_details();
      d->set_name(name);
      d->set_reason(v.first);
      d->set_packets(v.second);
    }
  }

  if (Want(groups, tv1::COUNTER_GROUP_STEERING_RULES)) {
    for (const auto& [id, rule] : st_.state.rules) {
      const std::optional<uint32_t> slot = st_.slots.rules.Find(id);
      if (!slot.has_value()) continue;
      const RuleBase now = SumRule(p, *slot);
      const RuleBase base = *slot < st_.rule_base.size() ? st_.rule_base[*slot] : RuleBase{};
      tv1::SteeringRuleCounters* c = snap.add_steering_rules();
      c->set_rule_id(id);
      c->set_packets(now.packets - base.packets);
      c->set_bytes(now.bytes - base.bytes);
      c->set_new_flows(now.new_flows - base.new_flows);
      c->set_repicked_flows(now.repicked - base.repicked);
      c->set_rerouted_flows(now.rerouted - base.rerouted);
      c->set_not_steered_packets(now.not_steered - base.not_steered);
    }
  }
  if (Want(groups, tv1::COUNTER_GROUP_POLICIES)) {
    for (const auto& [id, policy] : st_.state.policies) {
      const std::optional<uint32_t> slot = st_.slots.policies.Find(id);
      if (!slot.has_value()) continue;
      const PolicyBase now = SumPolicy(p, *slot);
      const PolicyBase base =
          *slot < st_.policy_base.size() ? st_.policy_base[*slot] : PolicyBase{};
      tv1::PolicyCounters* c = snap.add_policies();
      c->set_policy_id(id);
      c->set_packets(now.packets - base.packets);
      c->set_bytes(now.bytes - base.bytes);
      c->set_new_flows(now.new_flows - base.new_flows);
    }
  }
  if (Want(groups, tv1::COUNTER_GROUP_LOCAL_SIDS)) {
    for (const auto& [addr, sid] : st_.state.local_sids) {
      const std::optional<uint32_t> slot = st_.slots.sids.Find(addr);
      if (!slot.has_value()) continue;
      const SidBase now = SumSid(p, *slot);
      const SidBase base = *slot < st_.sid_base.size() ? st_.sid_base[*slot] : SidBase{};
      tv1::LocalSidCounters* c = snap.add_local_sids();
      c->set_sid(sid.sid());
      c->set_packets(now.packets - base.packets);
      c->set_bytes(now.bytes - base.bytes);
    }
  }
  if (Want(groups, tv1::COUNTER_GROUP_AFFINITY)) {
    tv1::AffinityTableStats* a = snap.mutable_affinity();
    for (uint32_t w = 0; w < workers; ++w) {
      const AffinityCounters c = p.affinity(w);
      a->set_entries(a->entries() + c.occupancy);
      a->set_capacity(a->capacity() + c.capacity);
      a->set_insertions(a->insertions() + c.inserts);
      a->set_expirations(a->expirations() + c.expirations);
      a->set_evictions(a->evictions() + c.evictions);
      a->set_insert_failures(a->insert_failures() + c.insert_failures);
      a->set_repins(a->repins() + c.updates);
    }
  }
  if (Want(groups, tv1::COUNTER_GROUP_WORKERS)) {
    if (previous != nullptr && previous->size() != workers)
      previous->assign(workers, WorkerCycles{});
    for (uint32_t w = 0; w < workers; ++w) {
      const WorkerCounters& c = p.counters(w);
      tv1::WorkerStats* ws = snap.add_workers();
      ws->set_worker_id(w);
      const uint32_t lcore = p.lcore(w);
      ws->set_lcore_id(lcore == UINT32_MAX ? 0 : lcore);
      const uint64_t busy = c.busy_cycles.Get();
      const uint64_t total = c.total_cycles.Get();
      ws->set_busy_cycles(busy);
      ws->set_total_cycles(total);
      ws->set_packets(c.packets.Get());
      ws->set_empty_polls(c.empty_polls.Get());
      ws->set_flow_cache_hits(c.flow_cache_hits.Get());
      ws->set_flow_cache_misses(c.flow_cache_misses.Get());
      ws->set_route_cache_hits(c.route_cache_hits.Get());
      ws->set_route_cache_misses(c.route_cache_misses.Get());
      const WorkerCycles before = previous != nullptr ? (*previous)[w] : WorkerCycles{};
      const uint64_t dt = total - before.total;
      ws->set_busy_ratio(dt == 0 ? 0.0
                                 : std::min(1.0, static_cast<double>(busy - before.busy) /
                                                     static_cast<double>(dt)));
      if (previous != nullptr) (*previous)[w] = WorkerCycles{busy, total};
    }
  }
  return snap;
}

grpc::Status CountersService::Stream(grpc::ServerContext* context,
                                     const v1::CountersRequest& request,
                                     grpc::ServerWriter<tv1::CountersSnapshot>* writer) {
  absl::Duration interval = absl::Seconds(1);
  if (request.has_interval()) {
    interval =
        absl::Seconds(request.interval().seconds()) + absl::Nanoseconds(request.interval().nanos());
    if (interval < st_.config.min_counters_interval) {
      return grpc::Status(
          grpc::StatusCode::INVALID_ARGUMENT,
          absl::StrCat("interval: ", absl::FormatDuration(interval), " is below the minimum ",
                       absl::FormatDuration(st_.config.min_counters_interval)));
    }
  }
  std::set<int> groups;
  for (int g : request.groups()) {
    if (g <= tv1::COUNTER_GROUP_UNSPECIFIED || !tv1::CounterGroup_IsValid(g)) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          absl::StrCat("groups: ", g, " is not a counter group"));
    }
    groups.insert(g);
  }
  std::vector<WorkerCycles> previous;
  for (;;) {
    if (!writer->Write(Sample(groups, &previous))) return grpc::Status::OK;  // Client left.
    std::unique_lock<std::mutex> lock(mu_);
    const auto deadline = std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(interval);
    while (!shutdown_ && !context->IsCancelled()) {
      // Wake up at least every 100 ms to notice a cancelled stream.
      const auto step =
          std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(100));
      cv_.wait_until(lock, step);
      if (std::chrono::steady_clock::now() >= deadline) break;
    }
    if (shutdown_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "dataplane stopping");
    if (context->IsCancelled()) return grpc::Status::OK;
  }
}

void CountersService::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutdown_ = true;
  }
  cv_.notify_all();
}

}  // namespace cpn::dataplane::agent
