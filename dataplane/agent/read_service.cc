#include "dataplane/agent/read_service.h"

#include <mutex>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "dataplane/agent/emulation.h"

namespace cpn::dataplane::agent {

void FillPortStatus(const AgentState& st, uint32_t id, v1::PortStatus* status) {
  auto it = st.ports.find(id);
  auto entity = st.state.ports.find(id);
  if (it == st.ports.end() || entity == st.state.ports.end()) return;
  const OpenPort& p = *it->second;
  const LinkInfo link = st.port_manager->Link(p);
  if (entity->second.admin_state() == cpn::common::v1::ADMIN_STATE_DOWN) {
    status->set_oper_state(telemetry::v1::OPER_STATE_DOWN);
  } else if (link.known) {
    status->set_oper_state(link.up ? telemetry::v1::OPER_STATE_UP : telemetry::v1::OPER_STATE_DOWN);
  }
  status->set_dpdk_port_id(p.dpdk_id);
  status->set_driver(p.driver);
  status->set_mac_address(entity->second.mac_address().empty() ? MacText(p.device_mac)
                                                               : entity->second.mac_address());
  status->set_speed_bps(link.speed_bps);
  auto o = st.emulation_overrides.find(id);
  FillEmulationStatus(id, entity->second.emulation(),
                      o != st.emulation_overrides.end() ? &o->second : nullptr, status);
}

grpc::Status ReadService::Read(grpc::ServerContext* context, const v1::ReadRequest& request,
                               grpc::ServerWriter<v1::ReadResponse>* writer) {
  std::set<int> kinds;
  for (int t : request.entity_types()) {
    if (t <= v1::ENTITY_TYPE_UNSPECIFIED || t > v1::ENTITY_TYPE_STEERING_RULE) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          absl::StrCat("entity_types: ", t, " is not an entity type"));
    }
    kinds.insert(t);
  }
  auto want = [&kinds](v1::EntityType t) { return kinds.empty() || kinds.count(t) != 0; };
  std::vector<v1::Entity> entities;
  uint64_t version;
  {
    std::shared_lock<std::shared_mutex> lock(st_.mu);
    version = st_.state.version;
    const InstalledState& s = st_.state;
    if (want(v1::ENTITY_TYPE_PORT)) {
      for (const auto& [id, p] : s.ports) {
        v1::Port* out = entities.emplace_back().mutable_port();
        *out = p;
        FillPortStatus(st_, id, out->mutable_status());
      }
    }
    if (want(v1::ENTITY_TYPE_NEIGHBOR)) {
      for (const auto& [k, n] : s.neighbors) *entities.emplace_back().mutable_neighbor() = n;
    }
    if (want(v1::ENTITY_TYPE_ROUTE)) {
      for (const auto& [k, r] : s.routes) *entities.emplace_back().mutable_route() = r;
    }
    if (want(v1::ENTITY_TYPE_LOCAL_SID)) {
      for (const auto& [k, l] : s.local_sids) *entities.emplace_back().mutable_local_sid() = l;
    }
    if (want(v1::ENTITY_TYPE_SRV6_POLICY)) {
      for (const auto& [k, p] : s.policies) *entities.emplace_back().mutable_srv6_policy() = p;
    }
    if (want(v1::ENTITY_TYPE_STEERING_RULE)) {
      for (const auto& [k, r] : s.rules) *entities.emplace_back().mutable_steering_rule() = r;
    }
  }
  size_t i = 0;
  do {
    if (context->IsCancelled()) return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
    v1::ReadResponse chunk;
    chunk.set_installed_version(version);
    for (int k = 0; k < kEntitiesPerChunk && i < entities.size(); ++k, ++i) {
      *chunk.add_entities() = std::move(entities[i]);
    }
    if (!writer->Write(chunk)) return grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
  } while (i < entities.size());
  return grpc::Status::OK;
}

}  // namespace cpn::dataplane::agent
