// The gRPC face of TelemetrySubscriptions: cpn.telemetry.v1.TelemetryService
// served beside ControllerService on cpn-controller's northbound port.
//
// Threads: gRPC's sync server runs each Subscribe stream on its own thread;
// at most `max_streams` at once (RESOURCE_EXHAUSTED beyond).
#ifndef CPN_CONTROLLER_TELEMETRY_TELEMETRY_SERVICE_H_
#define CPN_CONTROLLER_TELEMETRY_TELEMETRY_SERVICE_H_

#include <atomic>
#include <utility>

#include "controller/telemetry/subscriptions.h"
#include "cpn/telemetry/v1/telemetry.grpc.pb.h"

namespace cpn::controller_telemetry {

class TelemetryServiceImpl final : public cpn::telemetry::v1::TelemetryService::Service {
 public:
  TelemetryServiceImpl(TelemetrySubscriptions subscriptions, int max_streams)
      : subscriptions_(std::move(subscriptions)), max_streams_(max_streams) {}

  grpc::Status Subscribe(
      grpc::ServerContext* context, const cpn::telemetry::v1::SubscribeRequest* request,
      grpc::ServerWriter<cpn::telemetry::v1::SubscribeResponse>* writer) override;

 private:
  TelemetrySubscriptions subscriptions_;
  const int max_streams_;
  std::atomic<int> streams_{0};
};

}  // namespace cpn::controller_telemetry

#endif  // CPN_CONTROLLER_TELEMETRY_TELEMETRY_SERVICE_H_
