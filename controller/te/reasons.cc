#include "controller/te/reasons.h"

namespace cpn::te {

const char* RejectReasonName(RejectReason r) {
  switch (r) {
    case RejectReason::kNone:
      return "none";
    case RejectReason::kNotOptimal:
      return "not optimal";
    case RejectReason::kDamped:
      return "damped";
    case RejectReason::kSiteDown:
      return "site down";
    case RejectReason::kSiteSaturated:
      return "site saturated";
    case RejectReason::kMetricsMissing:
      return "metrics missing";
    case RejectReason::kPathDown:
      return "path down";
    case RejectReason::kLinkCapacity:
      return "link capacity";
    case RejectReason::kLatencyBound:
      return "latency bound";
  }
  return "unknown";
}

const char* DecisionBasisName(DecisionBasis b) {
  switch (b) {
    case DecisionBasis::kOptimized:
      return "optimized";
    case DecisionBasis::kDamped:
      return "damped";
    case DecisionBasis::kStaticFallback:
      return "static fallback";
    case DecisionBasis::kFailover:
      return "failover";
    case DecisionBasis::kBestEffort:
      return "best effort";
    case DecisionBasis::kUnserved:
      return "unserved";
  }
  return "unknown";
}

const char* ChangeCauseName(ChangeCause c) {
  switch (c) {
    case ChangeCause::kUnspecified:
      return "unspecified";
    case ChangeCause::kInitial:
      return "initial";
    case ChangeCause::kSiteMetrics:
      return "site metrics";
    case ChangeCause::kLinkLoad:
      return "link load";
    case ChangeCause::kDemand:
      return "demand";
    case ChangeCause::kTopology:
      return "topology";
    case ChangeCause::kServiceConfig:
      return "service config";
    case ChangeCause::kConverging:
      return "converging";
    case ChangeCause::kMetricsStale:
      return "metrics stale";
    case ChangeCause::kMetricsRecovered:
      return "metrics recovered";
    case ChangeCause::kFailover:
      return "failover";
    case ChangeCause::kDemandRemoved:
      return "demand removed";
  }
  return "unknown";
}

const char* DriverMetricName(DriverMetric m) {
  switch (m) {
    case DriverMetric::kUnspecified:
      return "unspecified";
    case DriverMetric::kSiteUtilization:
      return "site utilization";
    case DriverMetric::kSiteAvailableServers:
      return "site available servers";
    case DriverMetric::kSiteServiceRate:
      return "site service rate";
    case DriverMetric::kSiteBackgroundRate:
      return "site background rate";
    case DriverMetric::kSiteMetricsAge:
      return "site metrics age";
    case DriverMetric::kSiteUp:
      return "site up";
    case DriverMetric::kLinkUtilization:
      return "link utilization";
    case DriverMetric::kLinkUp:
      return "link up";
    case DriverMetric::kDemandRate:
      return "demand rate";
  }
  return "unknown";
}

}  // namespace cpn::te
