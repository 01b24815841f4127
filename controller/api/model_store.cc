#include "controller/api/model_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "google/protobuf/util/message_differencer.h"

namespace cpn::api {

namespace tv1 = cpn::topology::v1;

namespace {

template <typename T>
void SortById(google::protobuf::RepeatedPtrField<T>* list) {
  std::stable_sort(list->pointer_begin(), list->pointer_end(),
                   [](const T* a, const T* b) { return a->id() < b->id(); });
}

}  // namespace

void SortTopology(tv1::Topology& topology) {
  SortById(topology.mutable_routers());
  SortById(topology.mutable_links());
  if (topology.has_optical()) {
    SortById(topology.mutable_optical()->mutable_nodes());
    SortById(topology.mutable_optical()->mutable_fibers());
    SortById(topology.mutable_optical()->mutable_lightpaths());
  }
  SortById(topology.mutable_sites());
  SortById(topology.mutable_services());
}

absl::StatusOr<std::unique_ptr<ModelStore>> ModelStore::Create(tv1::Topology initial) {
  SortTopology(initial);
  ASSIGN_OR_RETURN(std::shared_ptr<const model::NetworkModel> model,
                   model::NetworkModel::Build(std::move(initial)));
  auto snapshot = std::make_shared<const ModelSnapshot>(ModelSnapshot{std::move(model), 0});
  return std::unique_ptr<ModelStore>(new ModelStore(std::move(snapshot)));
}

ModelStore::ModelStore(std::shared_ptr<const ModelSnapshot> initial)
    : snapshot_(std::move(initial)) {}

std::shared_ptr<const ModelSnapshot> ModelStore::Current() const {
  absl::ReaderMutexLock lock(&snapshot_mu_);
  return snapshot_;
}

absl::StatusOr<ModelStore::MutateResult> ModelStore::Mutate(
    const MutateOptions& options, absl::FunctionRef<absl::Status(tv1::Topology&)> edit) {
  absl::MutexLock writer(&writer_mu_);
  std::shared_ptr<const ModelSnapshot> current = Current();
  if (options.expected_generation && *options.expected_generation != current->generation) {
    return absl::FailedPreconditionError(absl::StrCat(
        "expected_generation ", *options.expected_generation, " differs from the model generation ",
        current->generation, "; read the model again and retry"));
  }
  tv1::Topology next = current->topology();
  RETURN_IF_ERROR(edit(next));
  SortTopology(next);
  MutateResult result;
  if (google::protobuf::util::MessageDifferencer::Equals(next, current->topology())) {
    result.snapshot = std::move(current);
    return result;
  }
  ASSIGN_OR_RETURN(result.candidate, model::NetworkModel::Build(std::move(next)));
  result.changed = true;
  if (options.validate_only) {
    result.snapshot = std::move(current);
    return result;
  }
  auto published = std::make_shared<const ModelSnapshot>(
      ModelSnapshot{result.candidate, current->generation + 1});
  {
    absl::MutexLock lock(&snapshot_mu_);
    snapshot_ = published;
  }
  for (const Listener& listener : listeners_) listener(*published);
  result.snapshot = std::move(published);
  return result;
}

void ModelStore::AddListener(Listener listener) {
  absl::MutexLock writer(&writer_mu_);
  listeners_.push_back(std::move(listener));
}

}  // namespace cpn::api
