// The connection of one cpnctl invocation to cpn-controller, and how
// results and errors are printed and turned into exit codes:
//   0 ok, 1 the controller rejected the request (its status message names
//   the field), 2 usage (bad command line or input file), 3 the controller
//   cannot be reached.
//
// Threads: one Client per invocation, used from the main thread only.
#ifndef CPN_CONTROLLER_CPNCTL_CLIENT_H_
#define CPN_CONTROLLER_CPNCTL_CLIENT_H_

#include <iosfwd>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "cpn/controller/v1/controller.grpc.pb.h"
#include "cpn/telemetry/v1/telemetry.grpc.pb.h"
#include "google/protobuf/message.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"

namespace cpn::cpnctl {

enum ExitCode : int {
  kExitOk = 0,
  kExitRejected = 1,
  kExitUsage = 2,
  kExitUnreachable = 3,
};

struct ClientOptions {
  // "host:port" of cpn-controller.
  std::string controller = "localhost:50060";
  // Print protobuf JSON instead of tables.
  bool json = false;
  // Deadline of each call (and of connecting).
  absl::Duration timeout = absl::Seconds(10);
};

class Client {
 public:
  Client(ClientOptions options, std::ostream& out, std::ostream& err);

  const ClientOptions& options() const { return options_; }
  bool json() const { return options_.json; }
  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }

  // Connects if not yet connected. False (after printing why) when the
  // controller cannot be reached within the timeout.
  bool Connect();
  cpn::controller::v1::ControllerService::Stub& stub() { return *stub_; }
  // The controller's TelemetryService, on the same connection.
  cpn::telemetry::v1::TelemetryService::Stub& telemetry() { return *telemetry_; }
  // A context with the call deadline (none when `stream` is true).
  std::unique_ptr<grpc::ClientContext> Call(bool stream = false) const;

  // Prints a failed call ("cpnctl: <rpc>: INVALID_ARGUMENT: <message>") and
  // returns its exit code (3 for UNAVAILABLE, 1 otherwise).
  int Failed(const std::string& rpc, const grpc::Status& status);
  // Prints a usage error with the command's usage line; returns 2.
  int Usage(const std::string& command, const std::string& message, const std::string& usage);
  // Prints a message in protobuf JSON (proto field names, defaults printed).
  void PrintJson(const google::protobuf::Message& message);

 private:
  ClientOptions options_;
  std::ostream& out_;
  std::ostream& err_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<cpn::controller::v1::ControllerService::Stub> stub_;
  std::unique_ptr<cpn::telemetry::v1::TelemetryService::Stub> telemetry_;
};

}  // namespace cpn::cpnctl

#endif  // CPN_CONTROLLER_CPNCTL_CLIENT_H_
