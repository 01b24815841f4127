// ControllerClient: the few northbound calls the lab runner makes on
// cpn-controller (ControllerService over gRPC): status of the dataplane
// sessions, configured demand, link and site admin state, and the weights in
// force.
// One caller thread at a time.
#ifndef CPN_LAB_RUNNER_CONTROLLER_CLIENT_H_
#define CPN_LAB_RUNNER_CONTROLLER_CLIENT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cpn/controller/v1/controller.grpc.pb.h"
#include "lab/runner/lab_report.h"

namespace cpn::lab {

class ControllerClient {
 public:
  explicit ControllerClient(const std::string& address);

  // OK once every one of `routers` dataplane sessions is PRIMARY with
  // nothing pending and installed == desired, and a decision exists for
  // every demand; DEADLINE_EXCEEDED (with the sessions' states) after
  // `timeout`.
  absl::Status WaitProgrammed(size_t routers, absl::Duration timeout);
  // One look of WaitProgrammed: true when programmed now; otherwise `why`
  // says what is missing.
  bool Programmed(size_t routers, std::string* why);
  absl::Status WaitServing(absl::Duration timeout);
  absl::Status SetDemand(const std::string& ingress, const std::string& service, double rps);
  absl::Status SetLinkUp(const std::string& link, bool up);
  // Marks a site in or out of service, as a health check of the site
  // (its gateway, its service) would.
  absl::Status SetSiteUp(const std::string& site, bool up);
  // Every candidate weight in force, stamped `t_s`.
  absl::StatusOr<std::vector<WeightSample>> Weights(double t_s);
  // Every (site, service)'s last report as the controller holds it (sites
  // without capacities, the lab's access sites, are left out).
  absl::StatusOr<std::vector<SiteMetricSample>> SiteMetrics(double t_s);

 private:
  std::string address_;
  std::unique_ptr<cpn::controller::v1::ControllerService::Stub> stub_;
};

}  // namespace cpn::lab

#endif  // CPN_LAB_RUNNER_CONTROLLER_CLIENT_H_
