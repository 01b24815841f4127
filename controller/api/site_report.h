// SiteReport: one accepted compute metrics report as the controller keeps it
// (the report plus when it arrived). The unit MetricsIngest hands to the
// decision engine.
//
// Value type; safe to copy between threads.
#ifndef CPN_CONTROLLER_API_SITE_REPORT_H_
#define CPN_CONTROLLER_API_SITE_REPORT_H_

#include "absl/time/time.h"
#include "cpn/compute/v1/compute.pb.h"

namespace cpn::api {

struct SiteReport {
  // As the site's agent sent it (site_id, service_id — empty for the whole
  // site —, measured_at, sequence, values).
  cpn::compute::v1::ComputeMetrics report;
  // When the controller accepted it.
  absl::Time received_at;
  // measured_at as an absl::Time.
  absl::Time measured_at;
};

}  // namespace cpn::api

#endif  // CPN_CONTROLLER_API_SITE_REPORT_H_
