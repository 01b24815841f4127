// Applying one WriteRequest's updates to the installed state, and
// validating every update against the state the WHOLE batch produces
// (updates may come in any order). The updates are applied IN PLACE with an
// undo log (copying a 16,000-rule state per Write cost more than the rest of
// the Write): with errors, ApplyBatch restores the state before it returns;
// without, the caller opens ports and compiles, and calls Undo if one of
// those fails. Nothing else has side effects.
//
// Per update, in this order: type and entity set; key fields; the key not
// already used earlier in the batch; the entity's own fields (entity_check.h);
// INSERT of an existing key (ALREADY_EXISTS) / MODIFY or DELETE of a missing
// one (NOT_FOUND). Then on the resulting state: capacities
// (RESOURCE_EXHAUSTED, blamed on the first INSERT of that kind), unknown
// references (ports of neighbors and next hops, policies of rules; blamed on
// the referring update, or on the DELETE that removed a still-referenced
// entity), port names and rule matches that must be unique, and the first
// segment of every written policy being routable in table 0.
//
// Checks that only a written entity can fail (its own fields, references
// from it, uniqueness of a rule match) look only at the entities the batch
// wrote, unless it deleted a port or policy (then every reference to one is
// checked): the cost follows the batch, not the installed state.
//
// One error per failing update (its first problem), in index order.
// Any thread; the caller serialises access to the state.
#ifndef CPN_DATAPLANE_AGENT_BATCH_H_
#define CPN_DATAPLANE_AGENT_BATCH_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "cpn/dataplane/v1/dataplane.pb.h"
#include "dataplane/agent/entity_check.h"
#include "dataplane/agent/installed_state.h"

namespace cpn::dataplane::agent {

struct UpdateFailure {
  uint32_t index = 0;
  absl::StatusCode code = absl::StatusCode::kInvalidArgument;
  std::string message;
  v1::EntityType type = v1::ENTITY_TYPE_UNSPECIFIED;
  std::string key;
};

// What a batch replaced, to put back (each key occurs once in a batch, so the
// order of restoring does not matter). nullopt: the key was not installed.
struct UndoLog {
  std::vector<std::pair<uint32_t, std::optional<v1::Port>>> ports;
  std::vector<std::pair<NeighborKey, std::optional<v1::Neighbor>>> neighbors;
  std::vector<std::pair<RouteKey, std::optional<v1::Route>>> routes;
  std::vector<std::pair<IpAddress, std::optional<v1::LocalSid>>> local_sids;
  std::vector<std::pair<uint32_t, std::optional<v1::Srv6Policy>>> policies;
  std::vector<std::pair<uint32_t, std::optional<v1::SteeringRule>>> rules;
};

struct BatchResult {
  std::vector<UpdateFailure> errors;     // By index.
  UndoLog undo;                          // Empty when errors is not.
  std::vector<uint32_t> inserted_ports;  // Port ids, in update order.
  std::vector<uint32_t> deleted_ports;
  std::vector<uint32_t> mac_changed_ports;  // Inserted or modified with a new MAC.
  // Update index of the first INSERT/MODIFY of each kind (compile errors are
  // blamed on it); -1 when none.
  int first_write_of[7] = {-1, -1, -1, -1, -1, -1, -1};
};

// Applies `request` to `state` (left unchanged when errors is not empty).
// state.version is not touched.
BatchResult ApplyBatch(InstalledState& state, const v1::WriteRequest& request,
                       const Limits& limits);

// Puts back what a successful ApplyBatch changed in `state`; empties the log.
void Undo(InstalledState& state, UndoLog& undo);

}  // namespace cpn::dataplane::agent

#endif  // CPN_DATAPLANE_AGENT_BATCH_H_
