// Applying one WriteRequest's updates to a copy of the installed state, and
// validating every update against the state the WHOLE batch produces
// (updates may come in any order). Nothing here has side effects: the caller
// opens ports, compiles and publishes only when `errors` is empty.
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
// One error per failing update (its first problem), in index order.
// Pure; any thread.
#ifndef CPN_DATAPLANE_AGENT_BATCH_H_
#define CPN_DATAPLANE_AGENT_BATCH_H_

#include <cstdint>
#include <string>
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

struct BatchResult {
  InstalledState next;                   // Valid when errors is empty.
  std::vector<UpdateFailure> errors;     // By index.
  std::vector<uint32_t> inserted_ports;  // Port ids, in update order.
  std::vector<uint32_t> deleted_ports;
  std::vector<uint32_t> mac_changed_ports;  // Inserted or modified with a new MAC.
  // Update index of the first INSERT/MODIFY of each kind (compile errors are
  // blamed on it); -1 when none.
  int first_write_of[7] = {-1, -1, -1, -1, -1, -1, -1};
};

BatchResult ApplyBatch(const InstalledState& current, const v1::WriteRequest& request,
                       const Limits& limits);

}  // namespace cpn::dataplane::agent

#endif  // CPN_DATAPLANE_AGENT_BATCH_H_
