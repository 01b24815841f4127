#include "controller/api/inventory_service.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "controller/api/topology_merge.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/util/field_mask_util.h"

namespace cpn::api {

namespace tv1 = cpn::topology::v1;
namespace cv1 = cpn::controller::v1;
namespace compute = cpn::compute::v1;
using google::protobuf::FieldMask;
using google::protobuf::RepeatedPtrField;
using google::protobuf::util::FieldMaskUtil;

namespace {

std::string Quote(const std::string& s) { return absl::StrCat("\"", s, "\""); }

// Per-kind access to the topology's list and to what refers to an entity.
template <typename T>
struct Kind;

template <>
struct Kind<tv1::Router> {
  static constexpr const char* kName = "router";
  static RepeatedPtrField<tv1::Router>* List(tv1::Topology& t) { return t.mutable_routers(); }
  static const RepeatedPtrField<tv1::Router>& List(const tv1::Topology& t) { return t.routers(); }
  static std::vector<std::string> ReferencesTo(const tv1::Topology& t, const std::string& id) {
    std::vector<std::string> refs;
    for (const tv1::Link& l : t.links()) {
      if (l.a().router_id() == id || l.b().router_id() == id) {
        refs.push_back(absl::StrCat("link ", Quote(l.id())));
      }
    }
    for (const compute::Site& s : t.sites()) {
      if (s.attachment().router_id() == id) refs.push_back(absl::StrCat("site ", Quote(s.id())));
    }
    for (const tv1::OpticalNode& n : t.optical().nodes()) {
      if (n.colocated_router_id() == id) {
        refs.push_back(absl::StrCat("optical node ", Quote(n.id())));
      }
    }
    return refs;
  }
};

template <>
struct Kind<tv1::Link> {
  static constexpr const char* kName = "link";
  static RepeatedPtrField<tv1::Link>* List(tv1::Topology& t) { return t.mutable_links(); }
  static const RepeatedPtrField<tv1::Link>& List(const tv1::Topology& t) { return t.links(); }
  static std::vector<std::string> ReferencesTo(const tv1::Topology&, const std::string&) {
    return {};
  }
};

template <>
struct Kind<compute::Site> {
  static constexpr const char* kName = "site";
  static RepeatedPtrField<compute::Site>* List(tv1::Topology& t) { return t.mutable_sites(); }
  static const RepeatedPtrField<compute::Site>& List(const tv1::Topology& t) { return t.sites(); }
  static std::vector<std::string> ReferencesTo(const tv1::Topology&, const std::string&) {
    return {};
  }
};

template <>
struct Kind<compute::Service> {
  static constexpr const char* kName = "service";
  static RepeatedPtrField<compute::Service>* List(tv1::Topology& t) { return t.mutable_services(); }
  static const RepeatedPtrField<compute::Service>& List(const tv1::Topology& t) {
    return t.services();
  }
  static std::vector<std::string> ReferencesTo(const tv1::Topology& t, const std::string& id) {
    std::vector<std::string> refs;
    for (const compute::Site& s : t.sites()) {
      for (const compute::SiteServiceCapacity& c : s.capacities()) {
        if (c.service_id() == id) {
          refs.push_back(absl::StrCat("site ", Quote(s.id())));
          break;
        }
      }
    }
    return refs;
  }
};

template <typename T>
int FindIndex(const RepeatedPtrField<T>& list, const std::string& id) {
  for (int i = 0; i < list.size(); ++i) {
    if (list[i].id() == id) return i;
  }
  return -1;
}

template <typename T>
absl::Status NotFound(const std::string& id) {
  return absl::NotFoundError(absl::StrCat(Kind<T>::kName, " ", Quote(id), " not found"));
}

template <typename T>
absl::StatusOr<std::pair<T, uint64_t>> Get(const ModelStore& store, const std::string& id) {
  if (id.empty()) return absl::InvalidArgumentError("id is empty");
  std::shared_ptr<const ModelSnapshot> snap = store.Current();
  const auto& list = Kind<T>::List(snap->topology());
  int i = FindIndex(list, id);
  if (i < 0) return NotFound<T>(id);
  return std::make_pair(list[i], snap->generation);
}

template <typename T>
uint64_t List(const ModelStore& store, RepeatedPtrField<T>* out) {
  std::shared_ptr<const ModelSnapshot> snap = store.Current();
  *out = Kind<T>::List(snap->topology());  // already ordered by id
  return snap->generation;
}

ModelStore::MutateOptions Expect(bool has, uint64_t generation) {
  ModelStore::MutateOptions options;
  if (has) options.expected_generation = generation;
  return options;
}

// The entity with `id` in a snapshot (which must hold it).
template <typename T>
const T& StoredEntity(const ModelSnapshot& snap, const std::string& id) {
  const auto& list = Kind<T>::List(snap.topology());
  return list[FindIndex(list, id)];
}

template <typename T>
absl::StatusOr<std::pair<T, uint64_t>> Create(ModelStore& store, const T& entity,
                                              const ModelStore::MutateOptions& options) {
  if (entity.id().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(Kind<T>::kName, ".id is empty"));
  }
  ASSIGN_OR_RETURN(
      ModelStore::MutateResult result, store.Mutate(options, [&](tv1::Topology& t) -> absl::Status {
        if (FindIndex(Kind<T>::List(std::as_const(t)), entity.id()) >= 0) {
          return absl::AlreadyExistsError(
              absl::StrCat(Kind<T>::kName, " ", Quote(entity.id()), " already exists"));
        }
        *Kind<T>::List(t)->Add() = entity;
        return absl::OkStatus();
      }));
  return std::make_pair(StoredEntity<T>(*result.snapshot, entity.id()),
                        result.snapshot->generation);
}

absl::Status CheckMask(const google::protobuf::Descriptor* descriptor, const FieldMask& mask,
                       const char* kind) {
  for (int i = 0; i < mask.paths_size(); ++i) {
    const std::string& path = mask.paths(i);
    if (path == "id") {
      return absl::InvalidArgumentError(absl::StrFormat(
          "update_mask.paths[%d]: \"id\" cannot be updated; the id selects the %s", i, kind));
    }
    if (!FieldMaskUtil::GetFieldDescriptors(descriptor, path, nullptr)) {
      return absl::InvalidArgumentError(
          absl::StrFormat("update_mask.paths[%d]: %s is not a field of %s", i, Quote(path),
                          descriptor->full_name()));
    }
  }
  return absl::OkStatus();
}

template <typename T>
absl::StatusOr<std::pair<T, uint64_t>> Update(ModelStore& store, const T& entity,
                                              const FieldMask* mask,
                                              const ModelStore::MutateOptions& options) {
  if (entity.id().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(Kind<T>::kName, ".id is empty"));
  }
  const bool masked = mask != nullptr && mask->paths_size() > 0;
  if (masked) RETURN_IF_ERROR(CheckMask(T::descriptor(), *mask, Kind<T>::kName));
  ASSIGN_OR_RETURN(ModelStore::MutateResult result,
                   store.Mutate(options, [&](tv1::Topology& t) -> absl::Status {
                     auto* list = Kind<T>::List(t);
                     int i = FindIndex(*list, entity.id());
                     if (i < 0) return NotFound<T>(entity.id());
                     if (!masked) {
                       *list->Mutable(i) = entity;
                       return absl::OkStatus();
                     }
                     FieldMaskUtil::MergeOptions merge;
                     merge.set_replace_message_fields(true);
                     merge.set_replace_repeated_fields(true);
                     FieldMaskUtil::MergeMessageTo(entity, *mask, merge, list->Mutable(i));
                     return absl::OkStatus();
                   }));
  return std::make_pair(StoredEntity<T>(*result.snapshot, entity.id()),
                        result.snapshot->generation);
}

template <typename T>
absl::StatusOr<uint64_t> Delete(ModelStore& store, const std::string& id,
                                const ModelStore::MutateOptions& options) {
  if (id.empty()) return absl::InvalidArgumentError("id is empty");
  ASSIGN_OR_RETURN(
      ModelStore::MutateResult result, store.Mutate(options, [&](tv1::Topology& t) -> absl::Status {
        auto* list = Kind<T>::List(t);
        int i = FindIndex(*list, id);
        if (i < 0) return NotFound<T>(id);
        std::vector<std::string> refs = Kind<T>::ReferencesTo(t, id);
        if (!refs.empty()) {
          return absl::FailedPreconditionError(
              absl::StrCat(Kind<T>::kName, " ", Quote(id), " is still referenced by ",
                           absl::StrJoin(refs, ", "), "; delete or change them first"));
        }
        list->DeleteSubrange(i, 1);
        return absl::OkStatus();
      }));
  return result.snapshot->generation;
}

// Accepted oddities of an imported topology, for people.
std::vector<std::string> ImportWarnings(const tv1::Topology& imported,
                                        const model::NetworkModel& result) {
  std::vector<std::string> warnings;
  int derived = 0;
  for (const tv1::Link& l : imported.links()) {
    std::optional<model::LinkIndex> i = result.FindLink(l.id());
    if (i && result.link(*i).igp_metric_derived) ++derived;
  }
  if (derived > 0) {
    warnings.push_back(absl::StrFormat(
        "%d of %d imported links have igp_metric 0: derived from the propagation delay "
        "(1 per microsecond)",
        derived, imported.links_size()));
  }
  bool any_ingress = false;
  for (const model::Router& r : result.routers()) {
    any_ingress = any_ingress || r.HasRole(tv1::ROUTER_ROLE_INGRESS);
  }
  if (!any_ingress && result.num_routers() > 0) {
    warnings.push_back("no router has ROUTER_ROLE_INGRESS: no demand can be configured");
  }
  for (const model::Service& s : result.services()) {
    if (s.placements.empty()) {
      warnings.push_back(absl::StrCat("service ", Quote(s.id), " is hosted by no site"));
    }
  }
  return warnings;
}

}  // namespace

// --- Routers ---------------------------------------------------------------

absl::Status InventoryService::CreateRouter(const cv1::CreateRouterRequest& request,
                                            cv1::CreateRouterResponse* response) {
  ASSIGN_OR_RETURN(
      auto r, Create(*store_, request.router(),
                     Expect(request.has_expected_generation(), request.expected_generation())));
  *response->mutable_router() = std::move(r.first);
  response->set_model_generation(r.second);
  return absl::OkStatus();
}

absl::Status InventoryService::GetRouter(const cv1::GetRouterRequest& request,
                                         cv1::GetRouterResponse* response) {
  ASSIGN_OR_RETURN(auto r, Get<tv1::Router>(*store_, request.id()));
  *response->mutable_router() = std::move(r.first);
  response->set_model_generation(r.second);
  return absl::OkStatus();
}

absl::Status InventoryService::ListRouters(const cv1::ListRoutersRequest&,
                                           cv1::ListRoutersResponse* response) {
  response->set_model_generation(List(*store_, response->mutable_routers()));
  return absl::OkStatus();
}

absl::Status InventoryService::UpdateRouter(const cv1::UpdateRouterRequest& request,
                                            cv1::UpdateRouterResponse* response) {
  ASSIGN_OR_RETURN(
      auto r, Update(*store_, request.router(),
                     request.has_update_mask() ? &request.update_mask() : nullptr,
                     Expect(request.has_expected_generation(), request.expected_generation())));
  *response->mutable_router() = std::move(r.first);
  response->set_model_generation(r.second);
  return absl::OkStatus();
}

absl::Status InventoryService::DeleteRouter(const cv1::DeleteRouterRequest& request,
                                            cv1::DeleteRouterResponse* response) {
  ASSIGN_OR_RETURN(uint64_t generation,
                   Delete<tv1::Router>(
                       *store_, request.id(),
                       Expect(request.has_expected_generation(), request.expected_generation())));
  response->set_model_generation(generation);
  return absl::OkStatus();
}

// --- Links -----------------------------------------------------------------

absl::Status InventoryService::CreateLink(const cv1::CreateLinkRequest& request,
                                          cv1::CreateLinkResponse* response) {
  ASSIGN_OR_RETURN(
      auto r, Create(*store_, request.link(),
                     Expect(request.has_expected_generation(), request.expected_generation())));
  *response->mutable_link() = std::move(r.first);
  response->set_model_generation(r.second);
  return absl::OkStatus();
}

absl::Status InventoryService::GetLink(const cv1::GetLinkRequest& request,
                                       cv1::GetLinkResponse* response) {
  ASSIGN_OR_RETURN(auto r, Get<tv1::Link>(*store_, request.id()));
  *response->mutable_link() = std::move(r.first);
  response->set_model_generation(r.second);
  return absl::OkStatus();
}

absl::Status InventoryService::ListLinks(const cv1::ListLinksRequest&,
                                         cv1::ListLinksResponse* response) {
  response->set_model_generation(List(*store_, response->mutable_links()));
  return absl::OkStatus();
}

absl::Status InventoryService::UpdateLink(const cv1::UpdateLinkRequest& request,
                                          cv1::UpdateLinkResponse* response) {
  ASSIGN_OR_RETURN(
      auto r,
      Update(*store_, request.link(), request.has_update_mask() ? &request.update_mask() : nullptr,
             Expect(request.has_expected_generation(), request.expected_generation())));
  *response->mutable_link() = std::move(r.first);
  response->set_model_generation(r.second);
  return absl::OkStatus();
}

absl::Status InventoryService::DeleteLink(const cv1::DeleteLinkRequest& request,
                                          cv1::DeleteLinkResponse* response) {
  ASSIGN_OR_RETURN(uint64_t generation, Delete<tv1::Link>(*store_, request.id(),
                                                          Expect(request.has_expected_generation(),
                                                                 request.expected_generation())));
  response->set_model_generation(generation);
  return absl::OkStatus();
}

// --- Sites -----------------------------------------------------------------

absl::Status InventoryService::CreateSite(const cv1::CreateSiteRequest& request,
                                          cv1::CreateSiteResponse* response) {
  ASSIGN_OR_RETURN(
      auto r, Create(*store_, request.site(),
                     Expect(request.has_expected_generation(), request.expected_generation())));
  *response->mutable_site() = std::move(r.first);
  response->set_model_generation(r.second);
  return absl::OkStatus();
}

absl::Status InventoryService::GetSite(const cv1::GetSiteRequest& request,
                                       cv1::GetSiteResponse* response) {
  ASSIGN_OR_RETURN(auto r, Get<compute::Site>(*store_, request.id()));
  *response->mutable_site() = std::move(r.first);
  response->set_model_generation(r.second);
  return absl::OkStatus();
}

absl::Status InventoryService::ListSites(const cv1::ListSitesRequest&,
                                         cv1::ListSitesResponse* response) {
  response->set_model_generation(List(*store_, response->mutable_sites()));
  return absl::OkStatus();
}

absl::Status InventoryService::UpdateSite(const cv1::UpdateSiteRequest& request,
                                          cv1::UpdateSiteResponse* response) {
  ASSIGN_OR_RETURN(
      auto r,
      Update(*store_, request.site(), request.has_update_mask() ? &request.update_mask() : nullptr,
             Expect(request.has_expected_generation(), request.expected_generation())));
  *response->mutable_site() = std::move(r.first);
  response->set_model_generation(r.second);
  return absl::OkStatus();
}

absl::Status InventoryService::DeleteSite(const cv1::DeleteSiteRequest& request,
                                          cv1::DeleteSiteResponse* response) {
  ASSIGN_OR_RETURN(uint64_t generation,
                   Delete<compute::Site>(
                       *store_, request.id(),
                       Expect(request.has_expected_generation(), request.expected_generation())));
  response->set_model_generation(generation);
  return absl::OkStatus();
}

// --- Services --------------------------------------------------------------

absl::Status InventoryService::CreateService(const cv1::CreateServiceRequest& request,
                                             cv1::CreateServiceResponse* response) {
  ASSIGN_OR_RETURN(
      auto r, Create(*store_, request.service(),
                     Expect(request.has_expected_generation(), request.expected_generation())));
  *response->mutable_service() = std::move(r.first);
  response->set_model_generation(r.second);
  return absl::OkStatus();
}

absl::Status InventoryService::GetService(const cv1::GetServiceRequest& request,
                                          cv1::GetServiceResponse* response) {
  ASSIGN_OR_RETURN(auto r, Get<compute::Service>(*store_, request.id()));
  *response->mutable_service() = std::move(r.first);
  response->set_model_generation(r.second);
  return absl::OkStatus();
}

absl::Status InventoryService::ListServices(const cv1::ListServicesRequest&,
                                            cv1::ListServicesResponse* response) {
  response->set_model_generation(List(*store_, response->mutable_services()));
  return absl::OkStatus();
}

absl::Status InventoryService::UpdateService(const cv1::UpdateServiceRequest& request,
                                             cv1::UpdateServiceResponse* response) {
  ASSIGN_OR_RETURN(
      auto r, Update(*store_, request.service(),
                     request.has_update_mask() ? &request.update_mask() : nullptr,
                     Expect(request.has_expected_generation(), request.expected_generation())));
  *response->mutable_service() = std::move(r.first);
  response->set_model_generation(r.second);
  return absl::OkStatus();
}

absl::Status InventoryService::DeleteService(const cv1::DeleteServiceRequest& request,
                                             cv1::DeleteServiceResponse* response) {
  ASSIGN_OR_RETURN(uint64_t generation,
                   Delete<compute::Service>(
                       *store_, request.id(),
                       Expect(request.has_expected_generation(), request.expected_generation())));
  response->set_model_generation(generation);
  return absl::OkStatus();
}

// --- Whole topology --------------------------------------------------------

absl::Status InventoryService::ImportTopology(const cv1::ImportTopologyRequest& request,
                                              cv1::ImportTopologyResponse* response) {
  const cv1::ImportMode mode = request.mode();
  if (mode != cv1::IMPORT_MODE_REPLACE && mode != cv1::IMPORT_MODE_MERGE) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "mode: %s is not a mode; use IMPORT_MODE_REPLACE or IMPORT_MODE_MERGE",
        cv1::ImportMode_IsValid(mode) ? cv1::ImportMode_Name(mode) : absl::StrCat(mode)));
  }
  if (mode == cv1::IMPORT_MODE_REPLACE && request.remove().ByteSizeLong() > 0) {
    return absl::InvalidArgumentError(
        "remove: must be empty with IMPORT_MODE_REPLACE (the model becomes the topology sent)");
  }
  ModelStore::MutateOptions options =
      Expect(request.has_expected_generation(), request.expected_generation());
  options.validate_only = request.validate_only();
  tv1::Topology before;
  ASSIGN_OR_RETURN(ModelStore::MutateResult result,
                   store_->Mutate(options, [&](tv1::Topology& t) -> absl::Status {
                     before = t;
                     if (mode == cv1::IMPORT_MODE_REPLACE) {
                       t = request.topology();
                       return absl::OkStatus();
                     }
                     return MergeTopology(t, request.topology(), request.remove());
                   }));
  const tv1::Topology& after = result.candidate ? result.candidate->proto() : before;
  *response->mutable_summary() = SummarizeImport(before, after, request.topology());
  response->set_model_generation(result.snapshot->generation);
  if (result.candidate) {
    for (std::string& w : ImportWarnings(request.topology(), *result.candidate)) {
      response->add_warnings(std::move(w));
    }
  }
  return absl::OkStatus();
}

absl::Status InventoryService::GetTopology(const cv1::GetTopologyRequest&,
                                           cv1::GetTopologyResponse* response) {
  std::shared_ptr<const ModelSnapshot> snap = store_->Current();
  *response->mutable_topology() = snap->topology();
  response->set_model_generation(snap->generation);
  return absl::OkStatus();
}

}  // namespace cpn::api
