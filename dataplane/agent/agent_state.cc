#include "dataplane/agent/agent_state.h"

namespace cpn::dataplane::agent {

RuleBase SumRule(const Pipeline& p, uint32_t slot) {
  RuleBase b;
  for (uint32_t w = 0; w < p.workers(); ++w) {
    const WorkerCounters& c = p.counters(w);
    if (slot >= c.sizes.rules) continue;
    const RuleCounters& r = c.rules[slot];
    b.packets += r.packets.Get();
    b.bytes += r.bytes.Get();
    b.new_flows += r.new_flows.Get();
    b.repicked += r.repicked_flows.Get();
    b.rerouted += r.rerouted_flows.Get();
    b.not_steered += r.not_steered.Get();
  }
  return b;
}

PolicyBase SumPolicy(const Pipeline& p, uint32_t slot) {
  PolicyBase b;
  for (uint32_t w = 0; w < p.workers(); ++w) {
    const WorkerCounters& c = p.counters(w);
    if (slot >= c.sizes.policies) continue;
    b.packets += c.policies[slot].packets.Get();
    b.bytes += c.policies[slot].bytes.Get();
    b.new_flows += c.policies[slot].new_flows.Get();
  }
  return b;
}

SidBase SumSid(const Pipeline& p, uint32_t slot) {
  SidBase b;
  for (uint32_t w = 0; w < p.workers(); ++w) {
    const WorkerCounters& c = p.counters(w);
    if (slot >= c.sizes.sids) continue;
    b.packets += c.sids[slot].packets.Get();
    b.bytes += c.sids[slot].bytes.Get();
  }
  return b;
}

std::map<uint32_t, PortBinding> Bindings(const AgentState& st) {
  std::map<uint32_t, PortBinding> out;
  for (const auto& [id, p] : st.ports) {
    PortBinding b;
    b.dpdk_id = p->dpdk_id;
    b.rx_queues = p->rx_queues;
    b.tx_queues = p->tx_queues;
    b.rss = p->rss;
    b.handoff = p->handoff;
    b.device_mac = p->device_mac;
    b.quiesced = p->quiesced;
    if (auto o = st.emulation_overrides.find(id); o != st.emulation_overrides.end()) {
      b.emulation_override = o->second;
    }
    out.emplace(id, b);
  }
  return out;
}

absl::Status RepublishPorts(AgentState& st) {
  SlotMaps slots = st.slots;  // Unchanged: no entity is added or removed.
  CompileResult compiled;
  if (absl::Status s = Compile(st.state, st.pipeline->current(), Bindings(st),
                               st.pipeline->workers(), &slots, &compiled);
      !s.ok()) {
    return s;
  }
  st.pipeline->Publish(std::move(compiled.state));
  return absl::OkStatus();
}

}  // namespace cpn::dataplane::agent
