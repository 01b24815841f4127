// cpn-lab site-metric-delay ADDRESS MS: calls SetMetricDelay on the
// cpn-site at ADDRESS. The runner runs it inside the site's namespace (the
// site listens on the service's anycast address there), for the scenario's
// metric_delay events.
#include <grpcpp/grpcpp.h>

#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "cpn/lab/v1/site.grpc.pb.h"
#include "lab/runner/lab_commands.h"

namespace cpn::lab {

int RunSiteMetricDelayCommand(const std::vector<std::string>& args, std::ostream& out,
                              std::ostream& err) {
  uint32_t ms = 0;
  if (args.size() != 2 || !absl::SimpleAtoi(args[1], &ms)) {
    err << "Usage: cpn-lab site-metric-delay HOST:PORT MILLISECONDS\n";
    return 2;
  }
  auto stub = cpn::lab::v1::SiteService::NewStub(
      grpc::CreateChannel(args[0], grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  cpn::lab::v1::SetMetricDelayRequest req;
  req.set_delay_ms(ms);
  cpn::lab::v1::SetMetricDelayResponse resp;
  const grpc::Status s = stub->SetMetricDelay(&ctx, req, &resp);
  if (!s.ok()) {
    err << "cpn-lab site-metric-delay: " << args[0] << ": " << s.error_message() << "\n";
    return 1;
  }
  out << "metric delay of " << args[0] << " set to " << ms << " ms\n";
  return 0;
}

}  // namespace cpn::lab
