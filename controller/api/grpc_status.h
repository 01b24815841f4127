// Conversions between absl::Status (used everywhere inside the controller)
// and grpc::Status (used only at the gRPC boundary, controller_service.cc and
// cpnctl). The canonical codes have the same numbers in both.
//
// Pure functions; safe from any thread.
#ifndef CPN_CONTROLLER_API_GRPC_STATUS_H_
#define CPN_CONTROLLER_API_GRPC_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace cpn::api {

inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

inline absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

}  // namespace cpn::api

#endif  // CPN_CONTROLLER_API_GRPC_STATUS_H_
