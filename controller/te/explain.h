// Explanations of decisions for people: why a candidate carries no weight,
// naming the element ("link bj--sh is down"); why a decision last changed
// ("site qy service llm background 12.0 -> 45.0 req/s"); and a table of
// every candidate's cost terms. See docs/decisions.md, "Reading an
// explanation".
//
// Pure functions of a DecisionSet; safe from any thread.
#ifndef CPN_CONTROLLER_TE_EXPLAIN_H_
#define CPN_CONTROLLER_TE_EXPLAIN_H_

#include <string>
#include <vector>

#include "controller/te/decision.h"

namespace cpn::te {

// The rejection of one candidate of `decision` for people; empty when the
// candidate is not rejected (reason kNone).
std::string RejectDetail(const DecisionSet& set, const DemandDecision& decision,
                         const CandidateDecision& candidate);

// One line describing a change, e.g.
//   "site metrics: site \"qy\" service \"llm\" background rate 12 -> 45 req/s"
std::string DescribeChange(const DecisionSet& set, const DecisionChange& change);

// Routers of a candidate's path joined by " > ", e.g. "bj > sh > cd";
// "(no path)" when there is none.
std::string DescribePath(const DecisionSet& set, const Candidate& candidate);

// The candidates of a decision ordered for an explanation: by total_ms, then
// by candidate order (indices into decision.candidates).
std::vector<size_t> ExplanationOrder(const DemandDecision& decision);

// A multi-line, fixed-width explanation of one demand's decision: header
// (demand, rate, basis, expected completion, last change) and one row per
// candidate with weight, target, every cost term, utilisations and the
// rejection.
std::string ExplainDecision(const DecisionSet& set, const DemandDecision& decision);

// A short summary of a whole set: epoch, objective, solver run, counts per
// basis, capacity violations.
std::string SummarizeDecisionSet(const DecisionSet& set);

}  // namespace cpn::te

#endif  // CPN_CONTROLLER_TE_EXPLAIN_H_
