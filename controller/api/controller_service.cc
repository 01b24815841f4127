#include "controller/api/controller_service.h"

#include "absl/strings/str_cat.h"
#include "controller/api/grpc_status.h"

namespace cpn::api {

namespace cv1 = cpn::controller::v1;

grpc::Status ControllerServiceImpl::CreateRouter(grpc::ServerContext*,
                                                 const cv1::CreateRouterRequest* request,
                                                 cv1::CreateRouterResponse* response) {
  return ToGrpcStatus(p_.inventory->CreateRouter(*request, response));
}

grpc::Status ControllerServiceImpl::GetRouter(grpc::ServerContext*,
                                              const cv1::GetRouterRequest* request,
                                              cv1::GetRouterResponse* response) {
  return ToGrpcStatus(p_.inventory->GetRouter(*request, response));
}

grpc::Status ControllerServiceImpl::ListRouters(grpc::ServerContext*,
                                                const cv1::ListRoutersRequest* request,
                                                cv1::ListRoutersResponse* response) {
  return ToGrpcStatus(p_.inventory->ListRouters(*request, response));
}

grpc::Status ControllerServiceImpl::UpdateRouter(grpc::ServerContext*,
                                                 const cv1::UpdateRouterRequest* request,
                                                 cv1::UpdateRouterResponse* response) {
  return ToGrpcStatus(p_.inventory->UpdateRouter(*request, response));
}

grpc::Status ControllerServiceImpl::DeleteRouter(grpc::ServerContext*,
                                                 const cv1::DeleteRouterRequest* request,
                                                 cv1::DeleteRouterResponse* response) {
  return ToGrpcStatus(p_.inventory->DeleteRouter(*request, response));
}

grpc::Status ControllerServiceImpl::CreateLink(grpc::ServerContext*,
                                               const cv1::CreateLinkRequest* request,
                                               cv1::CreateLinkResponse* response) {
  return ToGrpcStatus(p_.inventory->CreateLink(*request, response));
}

grpc::Status ControllerServiceImpl::GetLink(grpc::ServerContext*,
                                            const cv1::GetLinkRequest* request,
                                            cv1::GetLinkResponse* response) {
  return ToGrpcStatus(p_.inventory->GetLink(*request, response));
}

grpc::Status ControllerServiceImpl::ListLinks(grpc::ServerContext*,
                                              const cv1::ListLinksRequest* request,
                                              cv1::ListLinksResponse* response) {
  return ToGrpcStatus(p_.inventory->ListLinks(*request, response));
}

grpc::Status ControllerServiceImpl::UpdateLink(grpc::ServerContext*,
                                               const cv1::UpdateLinkRequest* request,
                                               cv1::UpdateLinkResponse* response) {
  return ToGrpcStatus(p_.inventory->UpdateLink(*request, response));
}

grpc::Status ControllerServiceImpl::DeleteLink(grpc::ServerContext*,
                                               const cv1::DeleteLinkRequest* request,
                                               cv1::DeleteLinkResponse* response) {
  return ToGrpcStatus(p_.inventory->DeleteLink(*request, response));
}

grpc::Status ControllerServiceImpl::CreateSite(grpc::ServerContext*,
                                               const cv1::CreateSiteRequest* request,
                                               cv1::CreateSiteResponse* response) {
  return ToGrpcStatus(p_.inventory->CreateSite(*request, response));
}

grpc::Status ControllerServiceImpl::GetSite(grpc::ServerContext*,
                                            const cv1::GetSiteRequest* request,
                                            cv1::GetSiteResponse* response) {
  return ToGrpcStatus(p_.inventory->GetSite(*request, response));
}

grpc::Status ControllerServiceImpl::ListSites(grpc::ServerContext*,
                                              const cv1::ListSitesRequest* request,
                                              cv1::ListSitesResponse* response) {
  return ToGrpcStatus(p_.inventory->ListSites(*request, response));
}

grpc::Status ControllerServiceImpl::UpdateSite(grpc::ServerContext*,
                                               const cv1::UpdateSiteRequest* request,
                                               cv1::UpdateSiteResponse* response) {
  return ToGrpcStatus(p_.inventory->UpdateSite(*request, response));
}

grpc::Status ControllerServiceImpl::DeleteSite(grpc::ServerContext*,
                                               const cv1::DeleteSiteRequest* request,
                                               cv1::DeleteSiteResponse* response) {
  return ToGrpcStatus(p_.inventory->DeleteSite(*request, response));
}

grpc::Status ControllerServiceImpl::CreateService(grpc::ServerContext*,
                                                  const cv1::CreateServiceRequest* request,
                                                  cv1::CreateServiceResponse* response) {
  return ToGrpcStatus(p_.inventory->CreateService(*request, response));
}

grpc::Status ControllerServiceImpl::GetService(grpc::ServerContext*,
                                               const cv1::GetServiceRequest* request,
                                               cv1::GetServiceResponse* response) {
  return ToGrpcStatus(p_.inventory->GetService(*request, response));
}

grpc::Status ControllerServiceImpl::ListServices(grpc::ServerContext*,
                                                 const cv1::ListServicesRequest* request,
                                                 cv1::ListServicesResponse* response) {
  return ToGrpcStatus(p_.inventory->ListServices(*request, response));
}

grpc::Status ControllerServiceImpl::UpdateService(grpc::ServerContext*,
                                                  const cv1::UpdateServiceRequest* request,
                                                  cv1::UpdateServiceResponse* response) {
  return ToGrpcStatus(p_.inventory->UpdateService(*request, response));
}

grpc::Status ControllerServiceImpl::DeleteService(grpc::ServerContext*,
                                                  const cv1::DeleteServiceRequest* request,
                                                  cv1::DeleteServiceResponse* response) {
  return ToGrpcStatus(p_.inventory->DeleteService(*request, response));
}

grpc::Status ControllerServiceImpl::ImportTopology(grpc::ServerContext*,
                                                   const cv1::ImportTopologyRequest* request,
                                                   cv1::ImportTopologyResponse* response) {
  return ToGrpcStatus(p_.inventory->ImportTopology(*request, response));
}

grpc::Status ControllerServiceImpl::GetTopology(grpc::ServerContext*,
                                                const cv1::GetTopologyRequest* request,
                                                cv1::GetTopologyResponse* response) {
  return ToGrpcStatus(p_.inventory->GetTopology(*request, response));
}

grpc::Status ControllerServiceImpl::ListSiteStates(grpc::ServerContext*,
                                                   const cv1::ListSiteStatesRequest* request,
                                                   cv1::ListSiteStatesResponse* response) {
  return ToGrpcStatus(p_.state->ListSiteStates(*request, response));
}

grpc::Status ControllerServiceImpl::ListLinkStates(grpc::ServerContext*,
                                                   const cv1::ListLinkStatesRequest* request,
                                                   cv1::ListLinkStatesResponse* response) {
  return ToGrpcStatus(p_.state->ListLinkStates(*request, response));
}

grpc::Status ControllerServiceImpl::SetDemand(grpc::ServerContext*,
                                              const cv1::SetDemandRequest* request,
                                              cv1::SetDemandResponse* response) {
  return ToGrpcStatus(p_.demands->SetDemand(*request, response));
}

grpc::Status ControllerServiceImpl::DeleteDemand(grpc::ServerContext*,
                                                 const cv1::DeleteDemandRequest* request,
                                                 cv1::DeleteDemandResponse* response) {
  return ToGrpcStatus(p_.demands->DeleteDemand(*request, response));
}

grpc::Status ControllerServiceImpl::ListDemands(grpc::ServerContext*,
                                                const cv1::ListDemandsRequest* request,
                                                cv1::ListDemandsResponse* response) {
  return ToGrpcStatus(p_.demands->ListDemands(*request, response));
}

grpc::Status ControllerServiceImpl::ListDecisions(grpc::ServerContext*,
                                                  const cv1::ListDecisionsRequest* request,
                                                  cv1::ListDecisionsResponse* response) {
  return ToGrpcStatus(p_.decisions->ListDecisions(*request, response));
}

grpc::Status ControllerServiceImpl::ExplainDecision(grpc::ServerContext*,
                                                    const cv1::ExplainDecisionRequest* request,
                                                    cv1::ExplainDecisionResponse* response) {
  return ToGrpcStatus(p_.decisions->ExplainDecision(*request, response));
}

grpc::Status ControllerServiceImpl::WhatIf(grpc::ServerContext*, const cv1::WhatIfRequest* request,
                                           cv1::WhatIfResponse* response) {
  return ToGrpcStatus(p_.decisions->WhatIf(*request, response));
}

grpc::Status ControllerServiceImpl::GetStatus(grpc::ServerContext*,
                                              const cv1::GetStatusRequest* request,
                                              cv1::GetStatusResponse* response) {
  return ToGrpcStatus(p_.status->GetStatus(*request, response));
}

grpc::Status ControllerServiceImpl::SolveNow(grpc::ServerContext*,
                                             const cv1::SolveNowRequest* request,
                                             cv1::SolveNowResponse* response) {
  return ToGrpcStatus(p_.status->SolveNow(*request, response));
}

grpc::Status ControllerServiceImpl::ReportMetrics(
    grpc::ServerContext*,
    grpc::ServerReaderWriter<cv1::ReportMetricsResponse, cpn::compute::v1::ComputeMetrics>*
        stream) {
  struct StreamCount {
    std::atomic<int>& n;
    ~StreamCount() { --n; }
  } count{metric_streams_};
  if (++metric_streams_ > p_.max_metric_streams) {
    return grpc::Status(
        grpc::StatusCode::RESOURCE_EXHAUSTED,
        absl::StrCat("too many metric streams open (", p_.max_metric_streams, "); retry later"));
  }
  cpn::compute::v1::ComputeMetrics report;
  while (stream->Read(&report)) {
    if (!stream->Write(p_.metrics->Ingest(report))) break;
  }
  return grpc::Status::OK;
}

grpc::Status ControllerServiceImpl::WatchDecisions(
    grpc::ServerContext* context, const cv1::WatchDecisionsRequest* request,
    grpc::ServerWriter<cv1::WatchDecisionsResponse>* writer) {
  return ToGrpcStatus(p_.decisions->WatchDecisions(
      *request, [writer](const cv1::WatchDecisionsResponse& m) { return writer->Write(m); },
      [context] { return context->IsCancelled(); }));
}

}  // namespace cpn::api
