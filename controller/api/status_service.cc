#include "controller/api/status_service.h"

#include <utility>

#include "common/status_macros.h"
#include "controller/api/proto_time.h"

namespace cpn::api {

namespace cv1 = cpn::controller::v1;

absl::Status StatusService::GetStatus(const cv1::GetStatusRequest&,
                                      cv1::GetStatusResponse* response) {
  std::shared_ptr<const ModelSnapshot> snap = model_->Current();
  std::shared_ptr<const DecisionSet> decisions = loop_->Current();
  const model::NetworkModel& m = *snap->model;
  cv1::ControllerStatus* s = response->mutable_status();
  s->set_controller_id(identity_.controller_id);
  s->set_software_version(identity_.software_version);
  *s->mutable_started_at() = ToProtoTime(identity_.started_at);
  s->set_epoch(decisions->epoch);
  *s->mutable_epoch_interval() = ToProtoDuration(loop_->options().epoch_interval);
  if (decisions->epoch > 0) {
    *s->mutable_last_solve_at() = ToProtoTime(decisions->decided_at);
    *s->mutable_last_solve() = decisions->solver;
  }
  s->set_model_generation(snap->generation);
  cv1::ModelCounts* c = s->mutable_model();
  c->set_routers(static_cast<uint32_t>(m.num_routers()));
  c->set_links(static_cast<uint32_t>(m.num_links()));
  c->set_optical_nodes(static_cast<uint32_t>(m.optical_nodes().size()));
  c->set_fibers(static_cast<uint32_t>(m.fibers().size()));
  c->set_lightpaths(static_cast<uint32_t>(m.lightpaths().size()));
  c->set_sites(static_cast<uint32_t>(m.sites().size()));
  c->set_services(static_cast<uint32_t>(m.services().size()));
  c->set_demands(static_cast<uint32_t>(demands_->size()));
  if (const DataplaneSessionSource* sessions = sessions_.load(); sessions != nullptr) {
    for (cv1::DataplaneSession& d : sessions->Sessions()) *s->add_dataplanes() = std::move(d);
  } else {
    for (const cpn::topology::v1::Router& r : m.proto().routers()) {
      if (r.dataplane_address().empty()) continue;
      cv1::DataplaneSession* d = s->add_dataplanes();
      d->set_router_id(r.id());
      d->set_address(r.dataplane_address());
      d->set_state(cv1::SESSION_STATE_DISCONNECTED);
      d->set_last_error("no southbound client runs in this controller");
    }
  }
  return absl::OkStatus();
}

absl::Status StatusService::SolveNow(const cv1::SolveNowRequest&, cv1::SolveNowResponse* response,
                                     absl::Duration timeout) {
  ASSIGN_OR_RETURN(std::shared_ptr<const DecisionSet> set, loop_->SolveNow(timeout));
  *response->mutable_solver() = set->solver;
  return absl::OkStatus();
}

}  // namespace cpn::api
