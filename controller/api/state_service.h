// StateService: ListSiteStates and ListLinkStates of ControllerService — the
// controller's live view of its inputs: per (site, service) the last
// accepted report, its age and freshness, and the engine's model of the
// site (servers, service rate, background and assigned load, utilisation,
// expected wait); per link its status, capacity, planned load and the load
// last measured by the sending port's counters.
//
// Threads: any method from any RPC thread; reads snapshots only.
#ifndef CPN_CONTROLLER_API_STATE_SERVICE_H_
#define CPN_CONTROLLER_API_STATE_SERVICE_H_

#include "absl/status/status.h"
#include "controller/api/clock.h"
#include "controller/api/decision_loop.h"
#include "controller/api/link_load_store.h"
#include "controller/api/metrics_ingest.h"
#include "controller/api/model_store.h"
#include "cpn/controller/v1/state.pb.h"

namespace cpn::api {

class StateService {
 public:
  // Every pointer must outlive the service.
  StateService(const ModelStore* model, const MetricsIngest* metrics,
               const LinkLoadStore* link_loads, const DecisionLoop* loop, const Clock* clock)
      : model_(model), metrics_(metrics), link_loads_(link_loads), loop_(loop), clock_(clock) {}

  absl::Status ListSiteStates(const cpn::controller::v1::ListSiteStatesRequest& request,
                              cpn::controller::v1::ListSiteStatesResponse* response);
  absl::Status ListLinkStates(const cpn::controller::v1::ListLinkStatesRequest& request,
                              cpn::controller::v1::ListLinkStatesResponse* response);

 private:
  const ModelStore* model_;
  const MetricsIngest* metrics_;
  const LinkLoadStore* link_loads_;
  const DecisionLoop* loop_;
  const Clock* clock_;
};

}  // namespace cpn::api

#endif  // CPN_CONTROLLER_API_STATE_SERVICE_H_
