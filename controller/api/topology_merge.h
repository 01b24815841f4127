// Whole-topology edits behind ImportTopology: merging one topology into
// another, and counting what an import changes.
//
// Pure functions (no I/O, no locks); safe from any thread.
#ifndef CPN_CONTROLLER_API_TOPOLOGY_MERGE_H_
#define CPN_CONTROLLER_API_TOPOLOGY_MERGE_H_

#include "absl/status/status.h"
#include "cpn/controller/v1/inventory.pb.h"
#include "cpn/topology/v1/topology.pb.h"

namespace cpn::api {

// IMPORT_MODE_MERGE: every entity of `from` is created in `into`, or
// replaces the entity with its id; the ids in `remove` are deleted; non-empty
// name, description and provenance of `from` replace those of `into`.
// INVALID_ARGUMENT (naming the list and index) when `from` repeats an id in
// one kind, `remove` names an id that `into` lacks, or an id is both
// imported and removed. References are not checked here (the model does).
absl::Status MergeTopology(cpn::topology::v1::Topology& into,
                           const cpn::topology::v1::Topology& from,
                           const cpn::controller::v1::TopologyKeys& remove);

// What turning `before` into `after` changes, per kind (entities matched by
// id). `imported` is the topology the operator sent: an entity of it that is
// identical in `before` and `after` counts as unchanged; entities of
// `before` the import did not touch are not counted.
cpn::controller::v1::ImportSummary SummarizeImport(const cpn::topology::v1::Topology& before,
                                                   const cpn::topology::v1::Topology& after,
                                                   const cpn::topology::v1::Topology& imported);

}  // namespace cpn::api

#endif  // CPN_CONTROLLER_API_TOPOLOGY_MERGE_H_
