// Why a decision changed: the cause, a line for people and the quantities
// that moved most, from the previous and the new decision sets.
//
// Pure functions; safe from any thread.
#ifndef CPN_CONTROLLER_API_CHANGE_CAUSE_H_
#define CPN_CONTROLLER_API_CHANGE_CAUSE_H_

#include <cstdint>

#include "absl/time/time.h"
#include "controller/api/decision_engine.h"
#include "cpn/controller/v1/decision.pb.h"

namespace cpn::api {

struct ChangeContext {
  // The sets before and after (previous may be null: first run).
  const DecisionSet* previous = nullptr;
  const DecisionSet* next = nullptr;
  // Model generations the two runs used.
  uint64_t old_generation = 0;
  uint64_t new_generation = 0;
  // Whether compute metrics were accepted between the two runs.
  bool metrics_changed = false;
  uint64_t epoch = 0;
  absl::Time now;
};

// The change from `prev` (null: a new demand) to `now`, which must differ.
// An engine-provided cause (now.decision.last_change.cause) is kept;
// otherwise the cause is inferred, first match wins: new demand (INITIAL),
// basis FAILOVER, model generation moved (TOPOLOGY), this demand's rate
// moved (DEMAND), a candidate site's metrics went missing (METRICS_STALE),
// a candidate site's utilisation moved (SITE_METRICS), a candidate site's
// metrics came back without moving its load (METRICS_RECOVERED), basis DAMPED (CONVERGING), metrics
// moved elsewhere (SITE_METRICS), else another demand through shared capacity (DEMAND).
cpn::controller::v1::DecisionChange InferChange(const DecisionRecord* prev,
                                                const DecisionRecord& now,
                                                const ChangeContext& context);

// The change recorded when a demand disappears.
cpn::controller::v1::DecisionChange RemovedChange(const DecisionRecord& prev,
                                                  const ChangeContext& context);

}  // namespace cpn::api

#endif  // CPN_CONTROLLER_API_CHANGE_CAUSE_H_
