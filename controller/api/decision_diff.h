// Comparing decisions: whether an assignment changed, which weights moved,
// and the per-decision difference between two DecisionSets (what-if).
//
// Pure functions; safe from any thread.
#ifndef CPN_CONTROLLER_API_DECISION_DIFF_H_
#define CPN_CONTROLLER_API_DECISION_DIFF_H_

#include <span>
#include <string>
#include <vector>

#include "controller/api/decision_engine.h"
#include "cpn/controller/v1/decision.pb.h"
#include "cpn/controller/v1/whatif.pb.h"

namespace cpn::api {

// Weights closer than this are equal: a smaller move is not a change (no
// watch event, last_change kept). As te::DecisionOptions::change_epsilon.
inline constexpr double kWeightEpsilon = 1e-3;

// The identity of a candidate across epochs: site and path_id (the joined
// link ids when the engine left path_id empty).
std::string CandidateKey(const cpn::controller::v1::WeightedCandidate& c);
std::string CandidateKey(const std::string& site_id, const cpn::controller::v1::CandidatePath& p);

// True when both decisions carry the same candidates with the same weights
// (within kWeightEpsilon) on the same basis.
bool SameAssignment(const cpn::controller::v1::Decision& a, const cpn::controller::v1::Decision& b);

// The weights that moved from `old` (null: a new decision, every old weight
// 0) to `now`, ordered by |new - old|, largest first. target_weight comes
// from the matching explanation in `explanations`, else equals new_weight.
std::vector<cpn::controller::v1::WeightChange> WeightChanges(
    const cpn::controller::v1::Decision* old, const cpn::controller::v1::Decision& now,
    std::span<const cpn::controller::v1::CandidateExplanation> explanations);

// The decisions of `what_if` that differ from `current`, ordered by key.
std::vector<cpn::controller::v1::DecisionDiff> DiffDecisionSets(const DecisionSet& current,
                                                                const DecisionSet& what_if);

}  // namespace cpn::api

#endif  // CPN_CONTROLLER_API_DECISION_DIFF_H_
