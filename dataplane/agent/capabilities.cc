#include "dataplane/agent/capabilities.h"

#include <mutex>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "dataplane/agent/emulation.h"
#include "dataplane/agent/read_service.h"

namespace cpn::dataplane::agent {
namespace {

void SetDuration(absl::Duration d, google::protobuf::Duration* out) {
  const int64_t ns = absl::ToInt64Nanoseconds(d);
  out->set_seconds(ns / 1'000'000'000);
  out->set_nanos(static_cast<int32_t>(ns % 1'000'000'000));
}

}  // namespace

v1::GetCapabilitiesResponse Capabilities(const AgentState& st) {
  v1::GetCapabilitiesResponse r;
  const AgentConfig& c = st.config;
  r.set_dataplane_id(c.dataplane_id);
  r.set_boot_id(st.boot_id);
  r.set_software_version(c.software_version);
  r.set_worker_count(st.pipeline->workers());
  v1::TableCapacities* t = r.mutable_capacities();
  const Capacities& cap = c.limits.capacities;
  t->set_ports(cap.ports);
  t->set_neighbors(cap.neighbors);
  t->set_ipv6_routes(cap.ipv6_routes);
  t->set_ipv4_routes(cap.ipv4_routes);
  t->set_tables(cap.tables);
  t->set_local_sids(cap.local_sids);
  t->set_srv6_policies(cap.srv6_policies);
  t->set_steering_rules(cap.steering_rules);
  const PipelineConfig& pc = st.pipeline->config();
  t->set_affinity_entries(uint64_t{pc.affinity_capacity_per_worker} * pc.workers);
  r.set_max_segments(c.limits.max_segments);
  r.set_max_ecmp_next_hops(c.limits.max_ecmp_next_hops);
  r.set_max_policies_per_rule(c.limits.max_policies_per_rule);
  r.set_max_updates_per_write(c.max_updates_per_write);
  SetDuration(absl::Milliseconds(static_cast<int64_t>(pc.affinity_idle_timeout_ms)),
              r.mutable_default_affinity_idle_timeout());
  SetDuration(c.min_counters_interval, r.mutable_min_counters_interval());
  r.set_default_emulation_queue(kDefaultEmulationQueue);
  r.set_emulation_override_enabled(c.limits.lab_emulation);
  return r;
}

grpc::Status SetPortEmulation(AgentState& st, const v1::SetPortEmulationRequest& request,
                              v1::SetPortEmulationResponse* response) {
  // Checked before the port (the contract's order): without lab emulation
  // no port can be overridden.
  if (!st.config.limits.lab_emulation) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        "this dataplane was started without lab emulation (--lab-emulation; "
                        "GetCapabilitiesResponse.emulation_override_enabled is false)");
  }
  std::unique_lock<std::shared_mutex> lock(st.mu);
  const uint32_t id = request.port_id();
  if (st.state.ports.count(id) == 0 || st.ports.count(id) == 0) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        absl::StrCat("port_id: port ", id, " is not installed"));
  }
  std::optional<v1::LinkEmulation> before;
  if (auto it = st.emulation_overrides.find(id); it != st.emulation_overrides.end()) {
    before = it->second;
  }
  switch (request.change_case()) {
    case v1::SetPortEmulationRequest::kEmulation:
      if (absl::Status s = CheckLinkEmulation(request.emulation(), "emulation", true); !s.ok()) {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::string(s.message()));
      }
      st.emulation_overrides[id] = request.emulation();
      break;
    case v1::SetPortEmulationRequest::kClear:
      st.emulation_overrides.erase(id);
      break;
    case v1::SetPortEmulationRequest::CHANGE_NOT_SET:
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "change: exactly one of emulation, clear must be set");
  }
  if (absl::Status s = RepublishPorts(st); !s.ok()) {
    if (before.has_value()) {
      st.emulation_overrides[id] = *before;
    } else {
      st.emulation_overrides.erase(id);
    }
    return grpc::Status(grpc::StatusCode::INTERNAL,
                        absl::StrCat("cannot rebuild the forwarding state: ", s.message()));
  }
  FillPortStatus(st, id, response->mutable_status());
  return grpc::Status::OK;
}

}  // namespace cpn::dataplane::agent
