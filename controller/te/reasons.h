// The vocabulary of decisions: why a candidate carries no weight, what a
// demand's weights rest on, why a decision changed and which input moved.
// Numeric values equal those of the cpn.controller.v1 enums of the same
// name (decision.proto), so the API converts with a cast.
//
// Value types; safe from any thread.
#ifndef CPN_CONTROLLER_TE_REASONS_H_
#define CPN_CONTROLLER_TE_REASONS_H_

#include <cstdint>

namespace cpn::te {

// Why a candidate carries no weight (cpn.controller.v1.RejectReason).
enum class RejectReason : uint8_t {
  kNone = 0,            // carries weight, or could
  kNotOptimal = 1,      // feasible, but the optimum gives it no weight
  kDamped = 2,          // the optimum wants it; damping holds it at 0
  kSiteDown = 3,        // site down, no servers, or gateway router down
  kSiteSaturated = 4,   // background load alone fills the placement
  kMetricsMissing = 5,  // static fallback and no static weight
  kPathDown = 6,        // a link or router of the path is down / no path
  kLinkCapacity = 7,    // background load alone fills a link of the path
  kLatencyBound = 8,    // zero-load completion time breaks the service bound
};
const char* RejectReasonName(RejectReason r);

// What a demand's weights rest on (cpn.controller.v1.DecisionBasis).
enum class DecisionBasis : uint8_t {
  kOptimized = 1,       // the solver's optimum
  kDamped = 2,          // moving toward it, limited by damping
  kStaticFallback = 3,  // no usable metrics for the service: static weights
  kFailover = 4,        // a used candidate died: its share moved at once
  kBestEffort = 5,      // no candidate meets the bound / has headroom
  kUnserved = 6,        // no usable candidate at all
};
const char* DecisionBasisName(DecisionBasis b);

// Why a decision changed (cpn.controller.v1.ChangeCause).
enum class ChangeCause : uint8_t {
  kUnspecified = 0,
  kInitial = 1,
  kSiteMetrics = 2,
  kLinkLoad = 3,
  kDemand = 4,
  kTopology = 5,
  kServiceConfig = 6,
  kConverging = 7,
  kMetricsStale = 8,
  kMetricsRecovered = 9,
  kFailover = 10,
  kDemandRemoved = 11,
};
const char* ChangeCauseName(ChangeCause c);

// A quantity whose movement drove a change (cpn.controller.v1.DriverMetric).
enum class DriverMetric : uint8_t {
  kUnspecified = 0,
  kSiteUtilization = 1,
  kSiteAvailableServers = 3,
  kSiteServiceRate = 4,
  kSiteBackgroundRate = 5,
  kSiteMetricsAge = 6,
  kSiteUp = 7,
  kLinkUtilization = 8,
  kLinkUp = 10,
  kDemandRate = 12,
};
const char* DriverMetricName(DriverMetric m);

}  // namespace cpn::te

#endif  // CPN_CONTROLLER_TE_REASONS_H_
