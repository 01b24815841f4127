#include "dataplane/telemetry/prometheus_counters.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/telemetry/prometheus_text.h"

namespace cpn::dataplane {

namespace tv1 = cpn::telemetry::v1;
using telemetry::Labels;
using telemetry::MetricType;
using telemetry::PrometheusText;

namespace {

std::string ReasonLabel(tv1::DropReason r) {
  return telemetry::EnumLabelValue(tv1::DropReason_Name(r), "DROP_REASON_");
}

// One family, one sample per element of `items`.
template <typename Item, typename LabelsOf, typename ValueOf>
absl::Status Family(PrometheusText& t, const char* name, const char* help, MetricType type,
                    const Item& items, LabelsOf labels, ValueOf value) {
  if (items.empty()) return absl::OkStatus();
  RETURN_IF_ERROR(t.BeginFamily(name, help, type));
  for (const auto& item : items) RETURN_IF_ERROR(t.Sample(labels(item), value(item)));
  return absl::OkStatus();
}

absl::Status One(PrometheusText& t, const char* name, const char* help, MetricType type,
                 uint64_t value) {
  RETURN_IF_ERROR(t.BeginFamily(name, help, type));
  return t.Sample({}, value);
}

}  // namespace

absl::StatusOr<std::string> RenderDataplaneMetrics(const tv1::CountersSnapshot& s) {
  return RenderDataplaneMetrics(s, nullptr);
}

absl::StatusOr<std::string> RenderDataplaneMetrics(const tv1::CountersSnapshot& s,
                                                   const IpfixExportCounters* ipfix) {
  PrometheusText t;
  constexpr MetricType kCounter = MetricType::kCounter;
  constexpr MetricType kGauge = MetricType::kGauge;

  RETURN_IF_ERROR(t.BeginFamily("cpn_dataplane_info", "This dataplane: router id (label), 1.",
                                kGauge));
  RETURN_IF_ERROR(t.Sample({{"dataplane_id", s.dataplane_id()}}, uint64_t{1}));
  RETURN_IF_ERROR(One(t, "cpn_dataplane_boot_id",
                      "Process run id; changes when the dataplane restarts.", kGauge, s.boot_id()));
  RETURN_IF_ERROR(One(t, "cpn_dataplane_installed_version",
                      "Version of the state installed by the last southbound Write.", kGauge,
                      s.installed_version()));

  const auto& ports = s.ports();
  auto port = [](const tv1::PortCounters& p) {
    return Labels{{"port_id", absl::StrCat(p.port_id())}, {"port", p.name()}};
  };
  RETURN_IF_ERROR(Family(t, "cpn_port_up", "1 when the port's link is up.", kGauge, ports, port,
                         [](const tv1::PortCounters& p) {
                           return uint64_t{p.oper_state() == tv1::OPER_STATE_UP ? 1u : 0u};
                         }));
  // Prometheus's base unit is bytes (promtool insists).
  RETURN_IF_ERROR(Family(t, "cpn_port_speed_bytes_per_second", "Link speed (0: unknown).", kGauge,
                         ports, port,
                         [](const tv1::PortCounters& p) { return p.speed_bps() / 8; }));
  struct PortField {
    const char* name;
    const char* help;
    std::function<uint64_t(const tv1::PortCounters&)> get;
  };
  const std::vector<PortField> port_fields = {
      {"cpn_port_rx_packets_total", "Packets received.",
       [](const tv1::PortCounters& p) { return p.rx_packets(); }},
      {"cpn_port_rx_bytes_total", "Bytes received.",
       [](const tv1::PortCounters& p) { return p.rx_bytes(); }},
      {"cpn_port_tx_packets_total", "Packets sent.",
       [](const tv1::PortCounters& p) { return p.tx_packets(); }},
      {"cpn_port_tx_bytes_total", "Bytes sent.",
       [](const tv1::PortCounters& p) { return p.tx_bytes(); }},
      {"cpn_port_rx_missed_total", "Packets the port could not receive (no buffer, ring full).",
       [](const tv1::PortCounters& p) { return p.rx_missed(); }},
      {"cpn_port_rx_errors_total", "Receive errors reported by the device.",
       [](const tv1::PortCounters& p) { return p.rx_errors(); }},
      {"cpn_port_tx_dropped_total", "Packets dropped because the transmit queue was full.",
       [](const tv1::PortCounters& p) { return p.tx_dropped(); }},
  };
  for (const PortField& f : port_fields) {
    RETURN_IF_ERROR(Family(t, f.name, f.help, kCounter, ports, port, f.get));
  }

  RETURN_IF_ERROR(Family(
      t, "cpn_drops_total", "Packets dropped by the fast path, by reason.", kCounter, s.drops(),
      [](const tv1::DropCounter& d) { return Labels{{"reason", ReasonLabel(d.reason())}}; },
      [](const tv1::DropCounter& d) { return d.packets(); }));

  auto rule = [](const tv1::SteeringRuleCounters& r) {
    return Labels{{"rule_id", absl::StrCat(r.rule_id())}};
  };
  const auto& rules = s.steering_rules();
  RETURN_IF_ERROR(Family(t, "cpn_steering_rule_packets_total", "Packets matching the rule.",
                         kCounter, rules, rule,
                         [](const tv1::SteeringRuleCounters& r) { return r.packets(); }));
  RETURN_IF_ERROR(Family(t, "cpn_steering_rule_bytes_total", "IP bytes matching the rule.",
                         kCounter, rules, rule,
                         [](const tv1::SteeringRuleCounters& r) { return r.bytes(); }));
  RETURN_IF_ERROR(Family(t, "cpn_steering_rule_new_flows_total",
                         "Flows given a site by the rule's weights (new or re-picked).", kCounter,
                         rules, rule,
                         [](const tv1::SteeringRuleCounters& r) { return r.new_flows(); }));
  RETURN_IF_ERROR(Family(t, "cpn_steering_rule_repicked_flows_total",
                         "Flows re-picked because their site's policy went away.", kCounter, rules,
                         rule, [](const tv1::SteeringRuleCounters& r) { return r.repicked_flows(); }));
  RETURN_IF_ERROR(Family(t, "cpn_steering_rule_rerouted_flows_total",
                         "Flows kept on their site over a new path when theirs went away.",
                         kCounter, rules, rule,
                         [](const tv1::SteeringRuleCounters& r) { return r.rerouted_flows(); }));
  RETURN_IF_ERROR(Family(t, "cpn_steering_rule_not_steered_packets_total",
                         "Packets dropped because the rule had no live policy.", kCounter, rules,
                         rule,
                         [](const tv1::SteeringRuleCounters& r) { return r.not_steered_packets(); }));

  auto policy = [](const tv1::PolicyCounters& p) {
    return Labels{{"policy_id", absl::StrCat(p.policy_id())}};
  };
  const auto& policies = s.policies();
  RETURN_IF_ERROR(Family(t, "cpn_policy_packets_total", "Packets encapsulated by the policy.",
                         kCounter, policies, policy,
                         [](const tv1::PolicyCounters& p) { return p.packets(); }));
  RETURN_IF_ERROR(Family(t, "cpn_policy_bytes_total", "Inner IP bytes encapsulated by the policy.",
                         kCounter, policies, policy,
                         [](const tv1::PolicyCounters& p) { return p.bytes(); }));
  RETURN_IF_ERROR(Family(t, "cpn_policy_new_flows_total", "Flows pinned to the policy.", kCounter,
                         policies, policy,
                         [](const tv1::PolicyCounters& p) { return p.new_flows(); }));

  auto sid = [](const tv1::LocalSidCounters& l) { return Labels{{"sid", l.sid()}}; };
  RETURN_IF_ERROR(Family(t, "cpn_local_sid_packets_total", "Packets processed by the local SID.",
                         kCounter, s.local_sids(), sid,
                         [](const tv1::LocalSidCounters& l) { return l.packets(); }));
  RETURN_IF_ERROR(Family(t, "cpn_local_sid_bytes_total", "Bytes processed by the local SID.",
                         kCounter, s.local_sids(), sid,
                         [](const tv1::LocalSidCounters& l) { return l.bytes(); }));

  if (s.has_affinity()) {
    const tv1::AffinityTableStats& a = s.affinity();
    RETURN_IF_ERROR(One(t, "cpn_affinity_entries", "Flows held in the affinity tables.", kGauge,
                        a.entries()));
    RETURN_IF_ERROR(One(t, "cpn_affinity_capacity", "Flows the affinity tables can hold.", kGauge,
                        a.capacity()));
    RETURN_IF_ERROR(One(t, "cpn_affinity_insertions_total", "Flows added.", kCounter,
                        a.insertions()));
    RETURN_IF_ERROR(One(t, "cpn_affinity_expirations_total", "Flows removed after idling.",
                        kCounter, a.expirations()));
    RETURN_IF_ERROR(One(t, "cpn_affinity_evictions_total",
                        "Flows removed to make room while still active.", kCounter, a.evictions()));
    RETURN_IF_ERROR(One(t, "cpn_affinity_insert_failures_total",
                        "Flows that found no room (their packets dropped).", kCounter,
                        a.insert_failures()));
  }

  auto worker = [](const tv1::WorkerStats& w) {
    return Labels{{"worker", absl::StrCat(w.worker_id())}, {"lcore", absl::StrCat(w.lcore_id())}};
  };
  const auto& workers = s.workers();
  RETURN_IF_ERROR(Family(t, "cpn_worker_busy_ratio",
                         "Share of the worker's cycles spent on packets, 0..1.", kGauge, workers,
                         worker, [](const tv1::WorkerStats& w) { return w.busy_ratio(); }));
  RETURN_IF_ERROR(Family(t, "cpn_worker_packets_total", "Packets the worker processed.", kCounter,
                         workers, worker, [](const tv1::WorkerStats& w) { return w.packets(); }));
  RETURN_IF_ERROR(Family(t, "cpn_worker_empty_polls_total", "Polls that found no packet.",
                         kCounter, workers, worker,
                         [](const tv1::WorkerStats& w) { return w.empty_polls(); }));
  RETURN_IF_ERROR(Family(t, "cpn_worker_flow_cache_hits_total",
                         "Steered packets decided by the worker's flow cache.", kCounter, workers,
                         worker, [](const tv1::WorkerStats& w) { return w.flow_cache_hits(); }));
  RETURN_IF_ERROR(Family(t, "cpn_worker_flow_cache_misses_total",
                         "Steered packets that took the full steering path.", kCounter, workers,
                         worker, [](const tv1::WorkerStats& w) { return w.flow_cache_misses(); }));
  RETURN_IF_ERROR(Family(t, "cpn_worker_route_cache_hits_total",
                         "IPv6 FIB lookups answered by the worker's route cache.", kCounter,
                         workers, worker,
                         [](const tv1::WorkerStats& w) { return w.route_cache_hits(); }));
  RETURN_IF_ERROR(Family(t, "cpn_worker_route_cache_misses_total",
                         "IPv6 FIB lookups that went to the FIB's trie.", kCounter, workers,
                         worker, [](const tv1::WorkerStats& w) { return w.route_cache_misses(); }));
  if (ipfix != nullptr) {
    RETURN_IF_ERROR(One(t, "cpn_ipfix_records_sent_total",
                        "IPFIX flow records sent to the collector.", kCounter,
                        ipfix->records_sent));
    RETURN_IF_ERROR(One(t, "cpn_ipfix_messages_sent_total", "IPFIX messages (UDP datagrams) sent.",
                        kCounter, ipfix->messages_sent));
    RETURN_IF_ERROR(t.BeginFamily("cpn_ipfix_records_dropped_total",
                                  "IPFIX flow records not sent, by reason.", kCounter));
    RETURN_IF_ERROR(t.Sample({{"reason", "rate"}}, ipfix->dropped_rate));
    RETURN_IF_ERROR(t.Sample({{"reason", "ring_full"}}, ipfix->dropped_ring));
    RETURN_IF_ERROR(One(t, "cpn_ipfix_send_errors_total",
                        "IPFIX messages the socket refused (their records are lost).", kCounter,
                        ipfix->send_errors));
  }
  return t.text();
}

}  // namespace cpn::dataplane
