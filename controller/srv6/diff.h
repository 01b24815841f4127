// The stable diff between two states of one dataplane, and its ordering into
// make-before-break write batches.
//
// DiffEntities compares by entity key: a key only in `desired` is an INSERT,
// only in `installed` a DELETE, in both with different contents a MODIFY
// (full replacement); equal entities give nothing. Port.status is read-only
// (Read fills it in) and is ignored, so `installed` may come straight from
// Read through MakeEntityMap. Every list is in key order, so the same two
// states always give the same updates.
//
// MakeBeforeBreakBatches splits a diff into up to four batches, to be
// written one after the other (each is atomic in the dataplane), so that no
// packet ever meets a reference to something not yet there or already gone:
//   1 kMake     INSERT/MODIFY of ports, neighbors, routes, local SIDs and
//               policies (new segment lists exist before rules use them)
//   2 kSteer    INSERT/MODIFY of steering rules (flows move to the new
//               policies; removed policies now carry only old flows)
//   3 kUnsteer  DELETE of steering rules
//   4 kBreak    DELETE of policies, local SIDs, routes, neighbors, ports
//               (in that order: users before what they use)
// Empty batches are left out. A batch may exceed the dataplane's
// max_updates_per_write; splitting it loses only atomicity within a phase.
//
// DiffEntityRefs / MakeBeforeBreakRefBatches are the same without copying
// entities: each update points at the entity (and key) in the map it came
// from, so the two maps must outlive the result and stay unchanged while it
// is used. A southbound session with 16,000 steering rules writes straight
// from these into its WriteRequest (one copy per entity instead of four).
//
// Pure functions; safe from any thread.
#ifndef CPN_CONTROLLER_SRV6_DIFF_H_
#define CPN_CONTROLLER_SRV6_DIFF_H_

#include <cstddef>
#include <vector>

#include "controller/srv6/desired_state.h"
#include "cpn/dataplane/v1/dataplane.pb.h"

namespace cpn::srv6 {

struct EntityDiff {
  // Each ascending by entity key; DELETEs carry the whole installed entity.
  std::vector<cpn::dataplane::v1::Update> inserts;
  std::vector<cpn::dataplane::v1::Update> modifies;
  std::vector<cpn::dataplane::v1::Update> deletes;

  bool empty() const { return inserts.empty() && modifies.empty() && deletes.empty(); }
  size_t size() const { return inserts.size() + modifies.size() + deletes.size(); }
};

EntityDiff DiffEntities(const EntityMap& installed, const EntityMap& desired);

// One update of a diff, by reference: DELETEs point into `installed`,
// INSERTs and MODIFYs into `desired`.
struct UpdateRef {
  cpn::dataplane::v1::UpdateType type = cpn::dataplane::v1::UPDATE_TYPE_UNSPECIFIED;
  const EntityKey* key = nullptr;
  const cpn::dataplane::v1::Entity* entity = nullptr;
};

struct EntityDiffRefs {
  // INSERTs and MODIFYs merged, ascending by key; DELETEs ascending by key.
  std::vector<UpdateRef> upserts;
  std::vector<UpdateRef> deletes;

  bool empty() const { return upserts.empty() && deletes.empty(); }
  size_t size() const { return upserts.size() + deletes.size(); }
};

EntityDiffRefs DiffEntityRefs(const EntityMap& installed, const EntityMap& desired);

// True when the two entities are the same for the dataplane (Port.status
// ignored). Compares the wire encodings (no map fields in entities, so equal
// messages encode equally); only a double of -0.0 against 0.0 differs from
// field-by-field equality, and that just sends one needless MODIFY.
bool SameEntity(const cpn::dataplane::v1::Entity& a, const cpn::dataplane::v1::Entity& b);

enum class BatchPhase { kMake = 1, kSteer = 2, kUnsteer = 3, kBreak = 4 };

struct UpdateBatch {
  BatchPhase phase = BatchPhase::kMake;
  std::vector<cpn::dataplane::v1::Update> updates;
};

std::vector<UpdateBatch> MakeBeforeBreakBatches(const EntityDiff& diff);

struct UpdateRefBatch {
  BatchPhase phase = BatchPhase::kMake;
  std::vector<UpdateRef> updates;
};

// The same batches, in the same order, by reference.
std::vector<UpdateRefBatch> MakeBeforeBreakRefBatches(const EntityDiffRefs& diff);

}  // namespace cpn::srv6

#endif  // CPN_CONTROLLER_SRV6_DIFF_H_
