#include "controller/api/demand_service.h"

#include "common/status_macros.h"

namespace cpn::api {

namespace cv1 = cpn::controller::v1;

absl::Status DemandService::SetDemand(const cv1::SetDemandRequest& request,
                                      cv1::SetDemandResponse* response) {
  if (!request.has_demand()) return absl::InvalidArgumentError("demand is not set");
  std::shared_ptr<const ModelSnapshot> snap = model_->Current();
  ASSIGN_OR_RETURN(*response->mutable_demand(), demands_->Set(request.demand(), *snap->model));
  loop_->Trigger();
  return absl::OkStatus();
}

absl::Status DemandService::DeleteDemand(const cv1::DeleteDemandRequest& request,
                                         cv1::DeleteDemandResponse* response) {
  if (request.key().ingress_router_id().empty()) {
    return absl::InvalidArgumentError("key.ingress_router_id is empty");
  }
  if (request.key().service_id().empty()) {
    return absl::InvalidArgumentError("key.service_id is empty");
  }
  ASSIGN_OR_RETURN(*response->mutable_demand(), demands_->Delete(request.key()));
  loop_->Trigger();
  return absl::OkStatus();
}

absl::Status DemandService::ListDemands(const cv1::ListDemandsRequest& request,
                                        cv1::ListDemandsResponse* response) {
  for (cv1::Demand& d : demands_->List(request)) *response->add_demands() = std::move(d);
  return absl::OkStatus();
}

}  // namespace cpn::api
