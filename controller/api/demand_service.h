// DemandService: SetDemand, DeleteDemand and ListDemands of
// ControllerService over the DemandStore; every change asks the decision
// loop for an immediate run.
//
// Threads: any method from any RPC thread.
#ifndef CPN_CONTROLLER_API_DEMAND_SERVICE_H_
#define CPN_CONTROLLER_API_DEMAND_SERVICE_H_

#include "absl/status/status.h"
#include "controller/api/decision_loop.h"
#include "controller/api/demand_store.h"
#include "controller/api/model_store.h"
#include "cpn/controller/v1/demand.pb.h"

namespace cpn::api {

class DemandService {
 public:
  // Every pointer must outlive the service.
  DemandService(const ModelStore* model, DemandStore* demands, DecisionLoop* loop)
      : model_(model), demands_(demands), loop_(loop) {}

  absl::Status SetDemand(const cpn::controller::v1::SetDemandRequest& request,
                         cpn::controller::v1::SetDemandResponse* response);
  absl::Status DeleteDemand(const cpn::controller::v1::DeleteDemandRequest& request,
                            cpn::controller::v1::DeleteDemandResponse* response);
  absl::Status ListDemands(const cpn::controller::v1::ListDemandsRequest& request,
                           cpn::controller::v1::ListDemandsResponse* response);

 private:
  const ModelStore* model_;
  DemandStore* demands_;
  DecisionLoop* loop_;
};

}  // namespace cpn::api

#endif  // CPN_CONTROLLER_API_DEMAND_SERVICE_H_
