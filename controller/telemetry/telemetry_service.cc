#include "controller/telemetry/telemetry_service.h"

#include "absl/strings/str_cat.h"

namespace cpn::controller_telemetry {

namespace tv1 = cpn::telemetry::v1;

grpc::Status TelemetryServiceImpl::Subscribe(grpc::ServerContext* context,
                                             const tv1::SubscribeRequest* request,
                                             grpc::ServerWriter<tv1::SubscribeResponse>* writer) {
  if (streams_.fetch_add(1) >= max_streams_) {
    streams_.fetch_sub(1);
    return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                        absl::StrCat("at most ", max_streams_, " Subscribe streams are served"));
  }
  const absl::Status s = subscriptions_.Subscribe(
      *request, [writer](const tv1::SubscribeResponse& m) { return writer->Write(m); },
      [context] { return context->IsCancelled(); });
  streams_.fetch_sub(1);
  if (s.ok() || absl::IsCancelled(s)) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}

}  // namespace cpn::controller_telemetry
