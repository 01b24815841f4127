// What-if changes: checks the hypothetical changes of a WhatIfRequest
// against the model and applies them to a copy of the decision inputs —
// the topology (link, router, site down; fibre cut; link delay or capacity),
// the demands, the metrics (site metric overrides) and the engine's load
// adjustments (site load surges, link utilisation) — never to the live state.
//
// Pure: works on the values passed in; safe from any thread.
#ifndef CPN_CONTROLLER_API_WHATIF_CHANGES_H_
#define CPN_CONTROLLER_API_WHATIF_CHANGES_H_

#include "absl/status/status.h"
#include "controller/api/decision_engine.h"
#include "cpn/controller/v1/whatif.pb.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace cpn::api {

// Applies `changes` in order to `inputs` (whose model is replaced by a
// rebuilt copy when the topology changes). INVALID_ARGUMENT naming the
// change and field, e.g. `changes[1].link_down.link_id: no link "x--y"`, for
// an unknown id or an out-of-range value; `inputs` is then unspecified.
absl::Status ApplyWhatIfChanges(
    const google::protobuf::RepeatedPtrField<cpn::controller::v1::WhatIfChange>& changes,
    DecisionInputs& inputs);

}  // namespace cpn::api

#endif  // CPN_CONTROLLER_API_WHATIF_CHANGES_H_
