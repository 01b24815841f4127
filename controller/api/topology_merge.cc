#include "controller/api/topology_merge.h"

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "google/protobuf/util/message_differencer.h"

namespace cpn::api {

namespace tv1 = cpn::topology::v1;
namespace cv1 = cpn::controller::v1;
using google::protobuf::RepeatedPtrField;
using google::protobuf::util::MessageDifferencer;

namespace {

std::string Quote(const std::string& s) { return absl::StrCat("\"", s, "\""); }

// Merges one kind: `list` is the model's, `imported` the import's, `removed`
// the ids to delete. `what` names the list for messages ("routers") and
// `singular` one entity ("router").
template <typename T>
absl::Status MergeKind(RepeatedPtrField<T>* list, const RepeatedPtrField<T>& imported,
                       const RepeatedPtrField<std::string>& removed, const char* what,
                       const char* remove_field, const char* singular) {
  absl::flat_hash_map<std::string, int> imported_at;
  for (int i = 0; i < imported.size(); ++i) {
    auto [it, inserted] = imported_at.emplace(imported[i].id(), i);
    if (!inserted) {
      return absl::InvalidArgumentError(
          absl::StrFormat("topology.%s[%d]: duplicate id %s (%s[%d] has it too)", what, i,
                          Quote(imported[i].id()), what, it->second));
    }
  }
  absl::flat_hash_map<std::string, int> existing_at;
  for (int i = 0; i < list->size(); ++i) existing_at.emplace((*list)[i].id(), i);
  absl::flat_hash_set<std::string> remove_set;
  for (int i = 0; i < removed.size(); ++i) {
    const std::string& id = removed[i];
    if (!existing_at.contains(id)) {
      return absl::InvalidArgumentError(
          absl::StrFormat("remove.%s[%d]: no %s has id %s", remove_field, i, singular, Quote(id)));
    }
    if (imported_at.contains(id)) {
      return absl::InvalidArgumentError(
          absl::StrFormat("remove.%s[%d]: %s %s is also in topology.%s; import or remove it, "
                          "not both",
                          remove_field, i, singular, Quote(id), what));
    }
    remove_set.insert(id);
  }
  RepeatedPtrField<T> merged;
  for (const T& e : *list) {
    if (remove_set.contains(e.id())) continue;
    auto it = imported_at.find(e.id());
    *merged.Add() = it == imported_at.end() ? e : imported[it->second];
  }
  for (const T& e : imported) {
    if (!existing_at.contains(e.id())) *merged.Add() = e;
  }
  list->Swap(&merged);
  return absl::OkStatus();
}

template <typename T>
cv1::KindChangeCounts CountKind(const RepeatedPtrField<T>& before, const RepeatedPtrField<T>& after,
                                const RepeatedPtrField<T>& imported) {
  absl::flat_hash_map<std::string, const T*> old_by_id, new_by_id;
  for (const T& e : before) old_by_id.emplace(e.id(), &e);
  for (const T& e : after) new_by_id.emplace(e.id(), &e);
  cv1::KindChangeCounts counts;
  for (const T& e : after) {
    auto it = old_by_id.find(e.id());
    if (it == old_by_id.end()) {
      counts.set_created(counts.created() + 1);
    } else if (!MessageDifferencer::Equals(*it->second, e)) {
      counts.set_updated(counts.updated() + 1);
    }
  }
  for (const T& e : before) {
    if (!new_by_id.contains(e.id())) counts.set_deleted(counts.deleted() + 1);
  }
  absl::flat_hash_set<std::string> seen;
  for (const T& e : imported) {
    if (!seen.insert(e.id()).second) continue;
    auto o = old_by_id.find(e.id());
    auto n = new_by_id.find(e.id());
    if (o != old_by_id.end() && n != new_by_id.end() &&
        MessageDifferencer::Equals(*o->second, *n->second)) {
      counts.set_unchanged(counts.unchanged() + 1);
    }
  }
  return counts;
}

}  // namespace

absl::Status MergeTopology(tv1::Topology& into, const tv1::Topology& from,
                           const cv1::TopologyKeys& remove) {
  RETURN_IF_ERROR(MergeKind(into.mutable_routers(), from.routers(), remove.router_ids(), "routers",
                            "router_ids", "router"));
  RETURN_IF_ERROR(MergeKind(into.mutable_links(), from.links(), remove.link_ids(), "links",
                            "link_ids", "link"));
  // Work on a copy so that a topology without an optical layer keeps none.
  tv1::OpticalLayer optical_copy = into.optical();
  tv1::OpticalLayer* optical = &optical_copy;
  RETURN_IF_ERROR(MergeKind(optical->mutable_nodes(), from.optical().nodes(),
                            remove.optical_node_ids(), "optical.nodes", "optical_node_ids",
                            "optical node"));
  RETURN_IF_ERROR(MergeKind(optical->mutable_fibers(), from.optical().fibers(), remove.fiber_ids(),
                            "optical.fibers", "fiber_ids", "fibre"));
  RETURN_IF_ERROR(MergeKind(optical->mutable_lightpaths(), from.optical().lightpaths(),
                            remove.lightpath_ids(), "optical.lightpaths", "lightpath_ids",
                            "lightpath"));
  if (into.has_optical() || optical->ByteSizeLong() > 0) *into.mutable_optical() = optical_copy;
  RETURN_IF_ERROR(MergeKind(into.mutable_sites(), from.sites(), remove.site_ids(), "sites",
                            "site_ids", "site"));
  RETURN_IF_ERROR(MergeKind(into.mutable_services(), from.services(), remove.service_ids(),
                            "services", "service_ids", "service"));
  if (!from.name().empty()) into.set_name(from.name());
  if (!from.description().empty()) into.set_description(from.description());
  if (from.has_provenance()) *into.mutable_provenance() = from.provenance();
  return absl::OkStatus();
}

cv1::ImportSummary SummarizeImport(const tv1::Topology& before, const tv1::Topology& after,
                                   const tv1::Topology& imported) {
  cv1::ImportSummary s;
  *s.mutable_routers() = CountKind(before.routers(), after.routers(), imported.routers());
  *s.mutable_links() = CountKind(before.links(), after.links(), imported.links());
  *s.mutable_optical_nodes() =
      CountKind(before.optical().nodes(), after.optical().nodes(), imported.optical().nodes());
  *s.mutable_fibers() =
      CountKind(before.optical().fibers(), after.optical().fibers(), imported.optical().fibers());
  *s.mutable_lightpaths() = CountKind(before.optical().lightpaths(), after.optical().lightpaths(),
                                      imported.optical().lightpaths());
  *s.mutable_sites() = CountKind(before.sites(), after.sites(), imported.sites());
  *s.mutable_services() = CountKind(before.services(), after.services(), imported.services());
  return s;
}

}  // namespace cpn::api
