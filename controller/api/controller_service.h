// ControllerServiceImpl: the gRPC face of cpn.controller.v1.ControllerService.
// It only adapts: each RPC calls the service object that owns the concern
// (inventory, state, demand, decisions, status — one file each) and converts
// the absl::Status it returns to a grpc::Status at this boundary. The two
// streaming RPCs loop over their stream here (ReportMetrics feeds
// MetricsIngest; WatchDecisions writes what DecisionsService hands it).
//
// Threads: gRPC's synchronous server calls every method on its own thread
// pool, concurrently; the services it calls are thread-safe.
#ifndef CPN_CONTROLLER_API_CONTROLLER_SERVICE_H_
#define CPN_CONTROLLER_API_CONTROLLER_SERVICE_H_

#include <atomic>

#include "controller/api/decisions_service.h"
#include "controller/api/demand_service.h"
#include "controller/api/inventory_service.h"
#include "controller/api/metrics_ingest.h"
#include "controller/api/state_service.h"
#include "controller/api/status_service.h"
#include "cpn/controller/v1/controller.grpc.pb.h"

namespace cpn::api {

struct ControllerServiceParts {
  InventoryService* inventory;
  MetricsIngest* metrics;
  StateService* state;
  DemandService* demands;
  DecisionsService* decisions;
  StatusService* status;
  // Most ReportMetrics streams open at once (RESOURCE_EXHAUSTED beyond).
  int max_metric_streams = 256;
};

class ControllerServiceImpl final : public cpn::controller::v1::ControllerService::Service {
 public:
  // Every part must outlive the service.
  explicit ControllerServiceImpl(ControllerServiceParts parts) : p_(parts) {}

  grpc::Status CreateRouter(grpc::ServerContext* context,
                            const cpn::controller::v1::CreateRouterRequest* request,
                            cpn::controller::v1::CreateRouterResponse* response) override;
  grpc::Status GetRouter(grpc::ServerContext* context,
                         const cpn::controller::v1::GetRouterRequest* request,
                         cpn::controller::v1::GetRouterResponse* response) override;
  grpc::Status ListRouters(grpc::ServerContext* context,
                           const cpn::controller::v1::ListRoutersRequest* request,
                           cpn::controller::v1::ListRoutersResponse* response) override;
  grpc::Status UpdateRouter(grpc::ServerContext* context,
                            const cpn::controller::v1::UpdateRouterRequest* request,
                            cpn::controller::v1::UpdateRouterResponse* response) override;
  grpc::Status DeleteRouter(grpc::ServerContext* context,
                            const cpn::controller::v1::DeleteRouterRequest* request,
                            cpn::controller::v1::DeleteRouterResponse* response) override;
  grpc::Status CreateLink(grpc::ServerContext* context,
                          const cpn::controller::v1::CreateLinkRequest* request,
                          cpn::controller::v1::CreateLinkResponse* response) override;
  grpc::Status GetLink(grpc::ServerContext* context,
                       const cpn::controller::v1::GetLinkRequest* request,
                       cpn::controller::v1::GetLinkResponse* response) override;
  grpc::Status ListLinks(grpc::ServerContext* context,
                         const cpn::controller::v1::ListLinksRequest* request,
                         cpn::controller::v1::ListLinksResponse* response) override;
  grpc::Status UpdateLink(grpc::ServerContext* context,
                          const cpn::controller::v1::UpdateLinkRequest* request,
                          cpn::controller::v1::UpdateLinkResponse* response) override;
  grpc::Status DeleteLink(grpc::ServerContext* context,
                          const cpn::controller::v1::DeleteLinkRequest* request,
                          cpn::controller::v1::DeleteLinkResponse* response) override;
  grpc::Status CreateSite(grpc::ServerContext* context,
                          const cpn::controller::v1::CreateSiteRequest* request,
                          cpn::controller::v1::CreateSiteResponse* response) override;
  grpc::Status GetSite(grpc::ServerContext* context,
                       const cpn::controller::v1::GetSiteRequest* request,
                       cpn::controller::v1::GetSiteResponse* response) override;
  grpc::Status ListSites(grpc::ServerContext* context,
                         const cpn::controller::v1::ListSitesRequest* request,
                         cpn::controller::v1::ListSitesResponse* response) override;
  grpc::Status UpdateSite(grpc::ServerContext* context,
                          const cpn::controller::v1::UpdateSiteRequest* request,
                          cpn::controller::v1::UpdateSiteResponse* response) override;
  grpc::Status DeleteSite(grpc::ServerContext* context,
                          const cpn::controller::v1::DeleteSiteRequest* request,
                          cpn::controller::v1::DeleteSiteResponse* response) override;
  grpc::Status CreateService(grpc::ServerContext* context,
                             const cpn::controller::v1::CreateServiceRequest* request,
                             cpn::controller::v1::CreateServiceResponse* response) override;
  grpc::Status GetService(grpc::ServerContext* context,
                          const cpn::controller::v1::GetServiceRequest* request,
                          cpn::controller::v1::GetServiceResponse* response) override;
  grpc::Status ListServices(grpc::ServerContext* context,
                            const cpn::controller::v1::ListServicesRequest* request,
                            cpn::controller::v1::ListServicesResponse* response) override;
  grpc::Status UpdateService(grpc::ServerContext* context,
                             const cpn::controller::v1::UpdateServiceRequest* request,
                             cpn::controller::v1::UpdateServiceResponse* response) override;
  grpc::Status DeleteService(grpc::ServerContext* context,
                             const cpn::controller::v1::DeleteServiceRequest* request,
                             cpn::controller::v1::DeleteServiceResponse* response) override;
  grpc::Status ImportTopology(grpc::ServerContext* context,
                              const cpn::controller::v1::ImportTopologyRequest* request,
                              cpn::controller::v1::ImportTopologyResponse* response) override;
  grpc::Status GetTopology(grpc::ServerContext* context,
                           const cpn::controller::v1::GetTopologyRequest* request,
                           cpn::controller::v1::GetTopologyResponse* response) override;
  grpc::Status ListSiteStates(grpc::ServerContext* context,
                              const cpn::controller::v1::ListSiteStatesRequest* request,
                              cpn::controller::v1::ListSiteStatesResponse* response) override;
  grpc::Status ListLinkStates(grpc::ServerContext* context,
                              const cpn::controller::v1::ListLinkStatesRequest* request,
                              cpn::controller::v1::ListLinkStatesResponse* response) override;
  grpc::Status SetDemand(grpc::ServerContext* context,
                         const cpn::controller::v1::SetDemandRequest* request,
                         cpn::controller::v1::SetDemandResponse* response) override;
  grpc::Status DeleteDemand(grpc::ServerContext* context,
                            const cpn::controller::v1::DeleteDemandRequest* request,
                            cpn::controller::v1::DeleteDemandResponse* response) override;
  grpc::Status ListDemands(grpc::ServerContext* context,
                           const cpn::controller::v1::ListDemandsRequest* request,
                           cpn::controller::v1::ListDemandsResponse* response) override;
  grpc::Status ListDecisions(grpc::ServerContext* context,
                             const cpn::controller::v1::ListDecisionsRequest* request,
                             cpn::controller::v1::ListDecisionsResponse* response) override;
  grpc::Status ExplainDecision(grpc::ServerContext* context,
                               const cpn::controller::v1::ExplainDecisionRequest* request,
                               cpn::controller::v1::ExplainDecisionResponse* response) override;
  grpc::Status WhatIf(grpc::ServerContext* context,
                      const cpn::controller::v1::WhatIfRequest* request,
                      cpn::controller::v1::WhatIfResponse* response) override;
  grpc::Status GetStatus(grpc::ServerContext* context,
                         const cpn::controller::v1::GetStatusRequest* request,
                         cpn::controller::v1::GetStatusResponse* response) override;
  grpc::Status SolveNow(grpc::ServerContext* context,
                        const cpn::controller::v1::SolveNowRequest* request,
                        cpn::controller::v1::SolveNowResponse* response) override;

  grpc::Status ReportMetrics(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<cpn::controller::v1::ReportMetricsResponse,
                               cpn::compute::v1::ComputeMetrics>* stream) override;
  grpc::Status WatchDecisions(
      grpc::ServerContext* context, const cpn::controller::v1::WatchDecisionsRequest* request,
      grpc::ServerWriter<cpn::controller::v1::WatchDecisionsResponse>* writer) override;

 private:
  const ControllerServiceParts p_;
  std::atomic<int> metric_streams_{0};
};

}  // namespace cpn::api

#endif  // CPN_CONTROLLER_API_CONTROLLER_SERVICE_H_
