#include "dataplane/agent/compiler.h"

#include <rte_cycles.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "dataplane/agent/emulation.h"

namespace cpn::dataplane::agent {
namespace {

bool SameRoutes(const std::vector<LpmRoute>& a, const std::vector<LpmRoute>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!(a[i].prefix == b[i].prefix) || a[i].value != b[i].value) return false;
  }
  return true;
}

bool SameSpecs(const std::vector<SteeringRuleSpec>& a, const std::vector<SteeringRuleSpec>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].index != b[i].index || !(a[i].prefix == b[i].prefix) ||
        a[i].protocol != b[i].protocol || a[i].dst_ports != b[i].dst_ports) {
      return false;
    }
  }
  return true;
}

bool SameSids(const std::vector<LocalSidEntry>& a, const std::vector<LocalSidEntry>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!(a[i].sid == b[i].sid) || a[i].value != b[i].value) return false;
  }
  return true;
}

bool SameBackends(const std::vector<MaglevBackend>& a, const std::vector<MaglevBackend>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].policy != b[i].policy || a[i].weight != b[i].weight) return false;
  }
  return true;
}

uint64_t Mix(uint64_t h) {  // splitmix64's finaliser.
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
  return h ^ (h >> 31);
}

uint64_t MemoHash(const MaglevTable* old, const std::vector<MaglevBackend>& backends) {
  uint64_t h = Mix(reinterpret_cast<uintptr_t>(old));
  for (const MaglevBackend& b : backends) h = Mix(h ^ ((uint64_t{b.policy} << 32) | b.weight));
  return h;
}

bool SamePath(const Srv6EncapPolicy& a, const Srv6EncapPolicy& b) {
  return a.num_sids == b.num_sids && a.mode == b.mode && std::memcmp(a.source, b.source, 16) == 0 &&
         std::memcmp(a.sids, b.sids, 16u * a.num_sids) == 0;
}

absl::Status Tag(const absl::Status& s, v1::EntityType kind, CompileResult* out) {
  out->failed_kind = kind;
  return s;
}

class Builder {
 public:
  Builder(const InstalledState& st, const ForwardingState* prev,
          const std::map<uint32_t, PortBinding>& ports, uint32_t workers, SlotMaps* slots,
          CompileResult* out)
      : st_(st), prev_(prev), ports_(ports), workers_(workers), slots_(slots), out_(out) {}

  absl::Status Run() {
    out_->state = std::make_unique<ForwardingState>();
    s_ = out_->state.get();
    s_->version = st_.version;
    RETURN_IF_ERROR(Ports());
    RETURN_IF_ERROR(Routes());
    RETURN_IF_ERROR(Sids());
    RETURN_IF_ERROR(Policies());
    RETURN_IF_ERROR(Rules());
    return absl::OkStatus();
  }

 private:
  absl::Status Ports() {
    for (TxRoute& t : s_->tx) std::fill(std::begin(t.queue), std::end(t.queue), int16_t{-1});
    for (const auto& [id, port] : st_.ports) {
      auto it = ports_.find(id);
      if (it == ports_.end()) {
        return Tag(absl::InternalError(absl::StrCat("port ", id, " has no open device")),
                   v1::ENTITY_TYPE_PORT, out_);
      }
      const PortBinding& b = it->second;
      PortState& ps = s_->ports[b.dpdk_id];
      ps.present = true;
      ps.admin_up = port.admin_state() != cpn::common::v1::ADMIN_STATE_DOWN;
      ps.mtu = static_cast<uint16_t>(port.mtu() != 0 ? port.mtu() : 1500);
      const v1::LinkEmulation& emulation =
          b.emulation_override.has_value() ? *b.emulation_override : port.emulation();
      s_->emulation[b.dpdk_id] =
          MakeLinkEmulationParams(SettingsOf(emulation), rte_get_tsc_hz(), id);
      ps.emulated = s_->emulation[b.dpdk_id].enabled;
      rte_ether_addr mac = b.device_mac;
      if (!port.mac_address().empty()) {
        absl::StatusOr<rte_ether_addr> m = ParseMac(port.mac_address());
        if (m.ok()) mac = *m;
      }
      port_mac_[id] = mac;
      if (b.quiesced) {
        // Being restarted (PortReconnector): no worker may poll or transmit
        // on it; its routes drop as on a port that is down.
        ps.present = false;
        ps.admin_up = false;
        continue;
      }
      TxRoute& tr = s_->tx[b.dpdk_id];
      for (uint32_t w = 0; w < workers_; ++w) {
        tr.queue[w] = w < b.tx_queues ? static_cast<int16_t>(w) : int16_t{-1};
      }
      tr.handoff = b.handoff;
      tr.drainer = 0;
      if (tr.handoff != nullptr && tr.queue[tr.drainer] >= 0) {
        s_->drains[tr.drainer].push_back(b.dpdk_id);
      }
      const bool spread = workers_ > 1 && !(b.rss && b.rx_queues == workers_);
      for (uint16_t q = 0; q < b.rx_queues; ++q) {
        s_->rx[q % workers_].push_back(RxQueue{b.dpdk_id, q, spread});
      }
    }
    return absl::OkStatus();
  }

  // The adjacency of (port, neighbor address); created on first use.
  uint32_t Adjacency(uint32_t port_id, const std::string& address) {
    absl::StatusOr<IpAddress> addr = ParseIpAddress(address);
    const NeighborKey key{port_id, addr.ok() ? *addr : IpAddress{}};
    if (auto it = adjacency_ids_.find(key); it != adjacency_ids_.end()) return it->second;
    dataplane::Adjacency a;
    const PortBinding& b = ports_.at(port_id);
    a.port = b.dpdk_id;
    a.src_mac = port_mac_.at(port_id);
    if (auto n = st_.neighbors.find(key); n != st_.neighbors.end()) {
      absl::StatusOr<rte_ether_addr> mac = ParseMac(n->second.mac_address());
      if (mac.ok()) {
        a.dst_mac = *mac;
        a.valid = true;
      }
    }
    const uint32_t id = static_cast<uint32_t>(s_->adjacencies.size());
    s_->adjacencies.push_back(a);
    adjacency_ids_.emplace(key, id);
    return id;
  }

  absl::Status Routes() {
    slots_->routes.ReleaseIf([this](const RouteKey& k) { return st_.routes.count(k) == 0; });
    uint32_t tables = 0;
    for (const auto& [k, r] : st_.routes) tables = std::max(tables, k.table_id + 1);
    std::vector<std::vector<LpmRoute>> v6(tables), v4(tables);
    for (const auto& [k, route] : st_.routes) {
      bool fresh;
      absl::StatusOr<uint32_t> slot = slots_->routes.Acquire(k, &fresh);
      if (!slot.ok()) return Tag(slot.status(), v1::ENTITY_TYPE_ROUTE, out_);
      if (s_->routes.size() <= *slot) s_->routes.resize(*slot + 1);
      RouteAction& a = s_->routes[*slot];
      if (route.has_next_hops()) {
        a.kind = RouteKind::kForward;
        a.ecmp_offset = static_cast<uint32_t>(s_->ecmp.size());
        for (const v1::NextHop& nh : route.next_hops().next_hops()) {
          s_->ecmp.push_back(Adjacency(nh.port_id(), nh.address()));
        }
        a.ecmp_count = static_cast<uint16_t>(route.next_hops().next_hops_size());
      } else if (route.has_local()) {
        a.kind = RouteKind::kLocal;
      } else {
        a.kind = RouteKind::kBlackhole;
      }
      (k.prefix.family == IpFamily::kIpv6 ? v6 : v4)[k.table_id].push_back(
          LpmRoute{k.prefix, *slot});
    }
    s_->tables.fib6.resize(tables);
    s_->tables.fib4.resize(tables);
    for (uint32_t t = 0; t < tables; ++t) {
      auto by_prefix = [](const LpmRoute& a, const LpmRoute& b) { return a.prefix < b.prefix; };
      std::sort(v6[t].begin(), v6[t].end(), by_prefix);
      std::sort(v4[t].begin(), v4[t].end(), by_prefix);
      if (!v6[t].empty()) {
        const Lpm6* old = prev_ != nullptr ? prev_->tables.Fib6(t) : nullptr;
        if (old != nullptr && SameRoutes(old->routes(), v6[t])) {
          s_->tables.fib6[t] = prev_->tables.fib6[t];
        } else {
          absl::StatusOr<std::unique_ptr<Lpm6>> fib = Lpm6::Build(v6[t]);
          if (!fib.ok()) return Tag(fib.status(), v1::ENTITY_TYPE_ROUTE, out_);
          s_->tables.fib6[t] = std::shared_ptr<const Lpm6>(std::move(*fib));
        }
      }
      if (!v4[t].empty()) {
        const Lpm4* old = prev_ != nullptr ? prev_->tables.Fib4(t) : nullptr;
        if (old != nullptr && SameRoutes(old->routes(), v4[t])) {
          s_->tables.fib4[t] = prev_->tables.fib4[t];
        } else {
          absl::StatusOr<std::unique_ptr<Lpm4>> fib = Lpm4::Build(v4[t]);
          if (!fib.ok()) return Tag(fib.status(), v1::ENTITY_TYPE_ROUTE, out_);
          s_->tables.fib4[t] = std::shared_ptr<const Lpm4>(std::move(*fib));
        }
      }
    }
    return absl::OkStatus();
  }

  absl::Status Sids() {
    slots_->sids.ReleaseIf([this](const IpAddress& k) { return st_.local_sids.count(k) == 0; });
    std::vector<LocalSidEntry> entries;
    for (const auto& [addr, sid] : st_.local_sids) {
      bool fresh;
      absl::StatusOr<uint32_t> slot = slots_->sids.Acquire(addr, &fresh);
      if (!slot.ok()) return Tag(slot.status(), v1::ENTITY_TYPE_LOCAL_SID, out_);
      if (fresh) out_->new_sid_slots.push_back(*slot);
      if (s_->sids.size() <= *slot) s_->sids.resize(*slot + 1);
      LocalSidAction& a = s_->sids[*slot].action;
      switch (sid.behavior_case()) {
        case v1::LocalSid::kEnd:
          a.behaviour = Srv6Behaviour::kEnd;
          break;
        case v1::LocalSid::kEndX:
          a.behaviour = Srv6Behaviour::kEndX;
          a.next_hop =
              Adjacency(sid.end_x().next_hop().port_id(), sid.end_x().next_hop().address());
          break;
        case v1::LocalSid::kEndDx6:
          a.behaviour = Srv6Behaviour::kEndDx6;
          a.next_hop =
              Adjacency(sid.end_dx6().next_hop().port_id(), sid.end_dx6().next_hop().address());
          break;
        case v1::LocalSid::kEndDx4:
          a.behaviour = Srv6Behaviour::kEndDx4;
          a.next_hop =
              Adjacency(sid.end_dx4().next_hop().port_id(), sid.end_dx4().next_hop().address());
          break;
        case v1::LocalSid::kEndDt6:
          a.behaviour = Srv6Behaviour::kEndDt6;
          a.table_id = sid.end_dt6().table_id();
          break;
        case v1::LocalSid::BEHAVIOR_NOT_SET:
          break;
      }
      for (int f : sid.flavors()) {
        if (f == v1::SID_FLAVOR_PSP) a.flavours |= kFlavourPsp;
        if (f == v1::SID_FLAVOR_USD) a.flavours |= kFlavourUsd;
      }
      entries.push_back(LocalSidEntry{addr, *slot});
    }
    if (entries.empty()) return absl::OkStatus();
    const LocalSidTable* old = prev_ != nullptr ? prev_->tables.LocalSids() : nullptr;
    if (old != nullptr && SameSids(old->entries(), entries)) {
      s_->tables.local_sids = prev_->tables.local_sids;
      return absl::OkStatus();
    }
    absl::StatusOr<std::unique_ptr<LocalSidTable>> table = LocalSidTable::Build(entries);
    if (!table.ok()) return Tag(table.status(), v1::ENTITY_TYPE_LOCAL_SID, out_);
    s_->tables.local_sids = std::shared_ptr<const LocalSidTable>(std::move(*table));
    return absl::OkStatus();
  }

  absl::Status Policies() {
    slots_->policies.ReleaseIf([this](uint32_t id) { return st_.policies.count(id) == 0; });
    s_->policies.resize(slots_->policies.high_water() + st_.policies.size());
    for (const auto& [id, policy] : st_.policies) {
      bool fresh;
      absl::StatusOr<uint32_t> slot = slots_->policies.Acquire(id, &fresh);
      if (!slot.ok()) return Tag(slot.status(), v1::ENTITY_TYPE_SRV6_POLICY, out_);
      if (fresh) out_->new_policy_slots.push_back(*slot);
      uint8_t source[16];
      absl::StatusOr<IpAddress> src = ParseIpAddress(policy.source_address());
      if (!src.ok()) return Tag(src.status(), v1::ENTITY_TYPE_SRV6_POLICY, out_);
      std::memcpy(source, src->bytes, 16);
      std::vector<Ipv6Addr> sids(static_cast<size_t>(policy.segments_size()));
      uint32_t destination = 0;
      for (int i = 0; i < policy.segments_size(); ++i) {
        absl::StatusOr<IpAddress> a = ParseIpAddress(policy.segments(i));
        if (!a.ok()) return Tag(a.status(), v1::ENTITY_TYPE_SRV6_POLICY, out_);
        std::memcpy(sids[static_cast<size_t>(i)], a->bytes, 16);
        if (i + 1 == policy.segments_size()) destination = slots_->destinations.IdOf(*a);
      }
      absl::StatusOr<Srv6EncapPolicy> encap = MakeSrv6EncapPolicy(
          source, sids,
          policy.encap_mode() == v1::ENCAP_MODE_H_ENCAPS_RED ? EncapMode::kEncapsRed
                                                             : EncapMode::kEncaps);
      if (!encap.ok()) {
        return Tag(
            absl::InvalidArgumentError(absl::StrCat("policy ", id, ": ", encap.status().message())),
            v1::ENTITY_TYPE_SRV6_POLICY, out_);
      }
      PolicyEntry& e = s_->policies[*slot];
      e.encap = *encap;
      e.hop_limit = static_cast<uint8_t>(policy.hop_limit() != 0 ? policy.hop_limit() : 64);
      e.live = true;
      e.destination = destination;
      if (!fresh && prev_ != nullptr && *slot < prev_->policies.size() &&
          prev_->policies[*slot].live && !SamePath(prev_->policies[*slot].encap, e.encap)) {
        slots_->policies.BumpGeneration(*slot);  // New path: its flows are re-picked.
      }
      e.generation = slots_->policies.generation(*slot);
    }
    s_->policies.resize(slots_->policies.high_water());
    return absl::OkStatus();
  }

  absl::Status Rules() {
    // ReleaseIf visits ids in ascending order: walk the rules alongside
    // rather than look each id up.
    auto live = st_.rules.begin();
    slots_->rules.ReleaseIf([&](uint32_t id) {
      while (live != st_.rules.end() && live->first < id) ++live;
      return live == st_.rules.end() || live->first != id;
    });
    SelectorSet selectors;
    if (prev_ != nullptr && prev_->tables.selectors != nullptr)
      selectors = *prev_->tables.selectors;
    std::vector<SteeringRuleSpec> specs;
    specs.reserve(st_.rules.size());
    std::vector<bool> used;
    // This batch's new tables by (previous table, backends): a table depends
    // only on those (and the size), so rules that had the same table and get
    // the same weights share the new one (a controller often gives every
    // prefix of a service the same weights; building each would dominate a
    // large Write). Found by a hash of both: an INSERT has no previous
    // tables, and scanning every table built so far for each new rule was
    // quadratic in the distinct weight sets.
    struct Built {
      const MaglevTable* old;
      std::vector<MaglevBackend> backends;
      std::shared_ptr<const MaglevTable> table;
    };
    absl::flat_hash_map<uint64_t, std::vector<Built>> built;
    std::vector<MaglevBackend> backends;  // Per rule; reused.
    for (const auto& [id, rule] : st_.rules) {
      bool fresh;
      absl::StatusOr<uint32_t> slot = slots_->rules.Acquire(id, &fresh);
      if (!slot.ok()) return Tag(slot.status(), v1::ENTITY_TYPE_STEERING_RULE, out_);
      if (fresh) out_->new_rule_slots.push_back(*slot);
      if (used.size() <= *slot) used.resize(*slot + 1);
      used[*slot] = true;
      if (s_->rules.size() <= *slot) s_->rules.resize(*slot + 1);
      RuleEntry& e = s_->rules[*slot];
      const v1::SteeringMatch& m = rule.match();
      SteeringRuleSpec spec;
      spec.index = *slot;
      absl::StatusOr<IpPrefix> prefix = ParseIpPrefix(m.destination_prefix());
      if (!prefix.ok()) return Tag(prefix.status(), v1::ENTITY_TYPE_STEERING_RULE, out_);
      spec.prefix = *prefix;
      if (m.protocol() != cpn::compute::v1::PROTOCOL_UNSPECIFIED) {
        spec.protocol = static_cast<uint8_t>(m.protocol());
      }
      if (m.has_destination_ports()) {
        const uint32_t lo = m.destination_ports().first();
        const uint32_t hi = m.destination_ports().last() == 0 ? lo : m.destination_ports().last();
        spec.dst_ports = PortRange{static_cast<uint16_t>(lo), static_cast<uint16_t>(hi)};
      }
      specs.push_back(spec);
      switch (rule.affinity_key()) {
        case v1::AFFINITY_KEY_FLOW_LABEL:
          e.mode = AffinityMode::kFlowLabel;
          break;
        case v1::AFFINITY_KEY_SOURCE_ADDRESS:
          e.mode = AffinityMode::kSourceAddress;
          break;
        default:
          e.mode = AffinityMode::kFiveTuple;
          break;
      }
      if (!rule.has_weighted()) {
        e.kind = RuleKind::kDrop;
        RETURN_IF_ERROR(selectors.Set(*slot, nullptr));
        continue;
      }
      e.kind = RuleKind::kWeighted;
      e.members_offset = static_cast<uint32_t>(s_->rule_members.size());
      backends.clear();
      for (const v1::WeightedPolicy& wp : rule.weighted().policies()) {
        std::optional<uint32_t> pslot = slots_->policies.Find(wp.policy_id());
        if (!pslot.has_value()) {
          return Tag(absl::InternalError(
                         absl::StrCat("rule ", id, ": policy ", wp.policy_id(), " has no slot")),
                     v1::ENTITY_TYPE_STEERING_RULE, out_);
        }
        s_->rule_members.push_back(*pslot);
        backends.push_back(MaglevBackend{*pslot, wp.weight()});
      }
      e.members_count = static_cast<uint32_t>(backends.size());
      std::sort(backends.begin(), backends.end(),
                [](const MaglevBackend& a, const MaglevBackend& b) { return a.policy < b.policy; });
      const MaglevTable* old = fresh ? nullptr : selectors.Get(*slot);
      if (old != nullptr && SameBackends(old->backends(), backends)) continue;  // Shared.
      std::vector<Built>& same = built[MemoHash(old, backends)];
      auto memo = std::find_if(same.begin(), same.end(), [&](const Built& b) {
        return b.old == old && SameBackends(b.backends, backends);
      });
      if (memo == same.end()) {
        absl::StatusOr<std::unique_ptr<MaglevTable>> table =
            MaglevTable::Build(backends, MaglevTable::kDefaultSize, old);
        if (!table.ok()) return Tag(table.status(), v1::ENTITY_TYPE_STEERING_RULE, out_);
        same.push_back(Built{old, backends, std::shared_ptr<const MaglevTable>(std::move(*table))});
        memo = same.end() - 1;
      }
      RETURN_IF_ERROR(selectors.Set(*slot, memo->table));
    }
    for (uint32_t slot = 0; slot < selectors.size(); ++slot) {
      if (slot >= used.size() || !used[slot]) RETURN_IF_ERROR(selectors.Set(slot, nullptr));
    }
    s_->tables.selectors = std::make_shared<const SelectorSet>(std::move(selectors));
    if (specs.empty()) return absl::OkStatus();
    const SteeringClassifier* old = prev_ != nullptr ? prev_->tables.Classifier() : nullptr;
    if (old != nullptr && SameSpecs(old->rules(), specs)) {
      s_->tables.classifier = prev_->tables.classifier;
      return absl::OkStatus();
    }
    absl::StatusOr<std::unique_ptr<SteeringClassifier>> cls = SteeringClassifier::Build(specs);
    if (!cls.ok()) return Tag(cls.status(), v1::ENTITY_TYPE_STEERING_RULE, out_);
    s_->tables.classifier = std::shared_ptr<const SteeringClassifier>(std::move(*cls));
    return absl::OkStatus();
  }

  const InstalledState& st_;
  const ForwardingState* prev_;
  const std::map<uint32_t, PortBinding>& ports_;
  const uint32_t workers_;
  SlotMaps* slots_;
  CompileResult* out_;
  ForwardingState* s_ = nullptr;
  std::map<uint32_t, rte_ether_addr> port_mac_;
  std::map<NeighborKey, uint32_t> adjacency_ids_;
};

}  // namespace

absl::Status Compile(const InstalledState& state, const ForwardingState* previous,
                     const std::map<uint32_t, PortBinding>& ports, uint32_t workers,
                     SlotMaps* slots, CompileResult* result) {
  if (workers == 0 || workers > kMaxWorkers) return absl::InvalidArgumentError("bad worker count");
  Builder b(state, previous, ports, workers, slots, result);
  absl::Status s = b.Run();
  if (!s.ok()) result->state.reset();
  return s;
}

}  // namespace cpn::dataplane::agent
