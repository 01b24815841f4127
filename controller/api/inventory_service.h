// InventoryService: the inventory RPCs of ControllerService — create, read,
// update and delete of routers, IP links, sites and services, and
// ImportTopology / GetTopology — on top of the ModelStore.
//
// Every change is one ModelStore::Mutate: validated as a whole by
// NetworkModel::Build and published atomically, or rejected leaving the
// model unchanged. Codes (proto/cpn/controller/v1/inventory.proto):
// INVALID_ARGUMENT naming the entity and field, ALREADY_EXISTS, NOT_FOUND,
// FAILED_PRECONDITION (still referenced; expected_generation differs).
//
// Threads: any method from any thread (the store serialises writers; reads
// use a snapshot without locks).
#ifndef CPN_CONTROLLER_API_INVENTORY_SERVICE_H_
#define CPN_CONTROLLER_API_INVENTORY_SERVICE_H_

#include "absl/status/status.h"
#include "controller/api/model_store.h"
#include "cpn/controller/v1/inventory.pb.h"

namespace cpn::api {

class InventoryService {
 public:
  // `store` must outlive the service.
  explicit InventoryService(ModelStore* store) : store_(store) {}

  absl::Status CreateRouter(const cpn::controller::v1::CreateRouterRequest& request,
                            cpn::controller::v1::CreateRouterResponse* response);
  absl::Status GetRouter(const cpn::controller::v1::GetRouterRequest& request,
                         cpn::controller::v1::GetRouterResponse* response);
  absl::Status ListRouters(const cpn::controller::v1::ListRoutersRequest& request,
                           cpn::controller::v1::ListRoutersResponse* response);
  absl::Status UpdateRouter(const cpn::controller::v1::UpdateRouterRequest& request,
                            cpn::controller::v1::UpdateRouterResponse* response);
  absl::Status DeleteRouter(const cpn::controller::v1::DeleteRouterRequest& request,
                            cpn::controller::v1::DeleteRouterResponse* response);

  absl::Status CreateLink(const cpn::controller::v1::CreateLinkRequest& request,
                          cpn::controller::v1::CreateLinkResponse* response);
  absl::Status GetLink(const cpn::controller::v1::GetLinkRequest& request,
                       cpn::controller::v1::GetLinkResponse* response);
  absl::Status ListLinks(const cpn::controller::v1::ListLinksRequest& request,
                         cpn::controller::v1::ListLinksResponse* response);
  absl::Status UpdateLink(const cpn::controller::v1::UpdateLinkRequest& request,
                          cpn::controller::v1::UpdateLinkResponse* response);
  absl::Status DeleteLink(const cpn::controller::v1::DeleteLinkRequest& request,
                          cpn::controller::v1::DeleteLinkResponse* response);

  absl::Status CreateSite(const cpn::controller::v1::CreateSiteRequest& request,
                          cpn::controller::v1::CreateSiteResponse* response);
  absl::Status GetSite(const cpn::controller::v1::GetSiteRequest& request,
                       cpn::controller::v1::GetSiteResponse* response);
  absl::Status ListSites(const cpn::controller::v1::ListSitesRequest& request,
                         cpn::controller::v1::ListSitesResponse* response);
  absl::Status UpdateSite(const cpn::controller::v1::UpdateSiteRequest& request,
                          cpn::controller::v1::UpdateSiteResponse* response);
  absl::Status DeleteSite(const cpn::controller::v1::DeleteSiteRequest& request,
                          cpn::controller::v1::DeleteSiteResponse* response);

  absl::Status CreateService(const cpn::controller::v1::CreateServiceRequest& request,
                             cpn::controller::v1::CreateServiceResponse* response);
  absl::Status GetService(const cpn::controller::v1::GetServiceRequest& request,
                          cpn::controller::v1::GetServiceResponse* response);
  absl::Status ListServices(const cpn::controller::v1::ListServicesRequest& request,
                            cpn::controller::v1::ListServicesResponse* response);
  absl::Status UpdateService(const cpn::controller::v1::UpdateServiceRequest& request,
                             cpn::controller::v1::UpdateServiceResponse* response);
  absl::Status DeleteService(const cpn::controller::v1::DeleteServiceRequest& request,
                             cpn::controller::v1::DeleteServiceResponse* response);

  absl::Status ImportTopology(const cpn::controller::v1::ImportTopologyRequest& request,
                              cpn::controller::v1::ImportTopologyResponse* response);
  absl::Status GetTopology(const cpn::controller::v1::GetTopologyRequest& request,
                           cpn::controller::v1::GetTopologyResponse* response);

 private:
  ModelStore* store_;
};

}  // namespace cpn::api

#endif  // CPN_CONTROLLER_API_INVENTORY_SERVICE_H_
