// ModelStore: the controller's current topology and its validated snapshot.
//
// The store holds one immutable ModelSnapshot (NetworkModel + generation)
// behind a shared_ptr. Readers take the pointer (a reader lock held only for
// the copy of the pointer) and then read the snapshot without any lock for
// as long as they like. Writers are serialised: a mutation copies the
// current Topology, edits the copy, builds a new NetworkModel from it and,
// only when the build succeeds, publishes it with generation + 1. On any
// error (the mutation's own, or NetworkModel::Build's INVALID_ARGUMENT
// naming the entity and field) nothing changes.
//
// Listeners are told of every published snapshot, on the writer's thread,
// in publication order, after the new pointer is visible; they must be quick
// and must not call Mutate (they trigger work elsewhere).
//
// Threads: every method may be called from any thread.
#ifndef CPN_CONTROLLER_API_MODEL_STORE_H_
#define CPN_CONTROLLER_API_MODEL_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "controller/model/network_model.h"
#include "cpn/topology/v1/topology.pb.h"

namespace cpn::api {

struct ModelSnapshot {
  std::shared_ptr<const model::NetworkModel> model;
  // Increases by one with every accepted change; 0 for the initial model.
  uint64_t generation = 0;

  const cpn::topology::v1::Topology& topology() const { return model->proto(); }
};

class ModelStore {
 public:
  // The initial model; INVALID_ARGUMENT when `initial` does not validate.
  // Lists are ordered by id (see SortTopology) before building.
  static absl::StatusOr<std::unique_ptr<ModelStore>> Create(
      cpn::topology::v1::Topology initial = {});

  ModelStore(const ModelStore&) = delete;
  ModelStore& operator=(const ModelStore&) = delete;

  // The current snapshot; never null.
  std::shared_ptr<const ModelSnapshot> Current() const;

  struct MutateOptions {
    // When set, the change fails with FAILED_PRECONDITION unless the
    // current generation equals it.
    std::optional<uint64_t> expected_generation;
    // Validate (build) but do not publish.
    bool validate_only = false;
  };
  struct MutateResult {
    // The published snapshot (or, with validate_only or when the mutation
    // changed nothing, the current one).
    std::shared_ptr<const ModelSnapshot> snapshot;
    // Whether the topology differs from the one before.
    bool changed = false;
    // The model built from the edited topology (also with validate_only);
    // null when nothing changed.
    std::shared_ptr<const model::NetworkModel> candidate;
  };
  // Applies `edit` to a copy of the current topology, sorts its lists by id,
  // builds it and publishes it (unless validate_only or unchanged). `edit`
  // runs under the writer lock: it must not call back into the store.
  absl::StatusOr<MutateResult> Mutate(
      const MutateOptions& options,
      absl::FunctionRef<absl::Status(cpn::topology::v1::Topology&)> edit);

  using Listener = std::function<void(const ModelSnapshot&)>;
  // Adds a listener for every later publication.
  void AddListener(Listener listener);

 private:
  explicit ModelStore(std::shared_ptr<const ModelSnapshot> initial);

  // Serialises writers (held for a whole mutation, including the build).
  absl::Mutex writer_mu_;
  std::vector<Listener> listeners_ ABSL_GUARDED_BY(writer_mu_);
  // Guards only the pointer below; readers hold it for the pointer copy.
  mutable absl::Mutex snapshot_mu_;
  std::shared_ptr<const ModelSnapshot> snapshot_ ABSL_GUARDED_BY(snapshot_mu_);
};

// Orders every list of `topology` (routers, links, optical nodes, fibres,
// lightpaths, sites, services) by id; stable for equal ids.
void SortTopology(cpn::topology::v1::Topology& topology);

}  // namespace cpn::api

#endif  // CPN_CONTROLLER_API_MODEL_STORE_H_
