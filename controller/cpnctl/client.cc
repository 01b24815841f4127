#include "controller/cpnctl/client.h"

#include <ostream>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace cpn::cpnctl {

namespace {

const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "UNKNOWN";
  }
}

}  // namespace

Client::Client(ClientOptions options, std::ostream& out, std::ostream& err)
    : options_(std::move(options)), out_(out), err_(err) {}

bool Client::Connect() {
  if (stub_ != nullptr) return true;
  grpc::ChannelArguments args;
  // Whole topologies travel in one message (ImportTopology, GetTopology).
  args.SetMaxReceiveMessageSize(256 << 20);
  args.SetMaxSendMessageSize(256 << 20);
  channel_ =
      grpc::CreateCustomChannel(options_.controller, grpc::InsecureChannelCredentials(), args);
  if (!channel_->WaitForConnected(absl::ToChronoTime(absl::Now() + options_.timeout))) {
    err_ << "cpnctl: cannot reach cpn-controller at " << options_.controller << " within "
         << absl::FormatDuration(options_.timeout)
         << " (is it running? set the address with --controller host:port)\n";
    return false;
  }
  stub_ = cpn::controller::v1::ControllerService::NewStub(channel_);
  telemetry_ = cpn::telemetry::v1::TelemetryService::NewStub(channel_);
  return true;
}

std::unique_ptr<grpc::ClientContext> Client::Call(bool stream) const {
  auto ctx = std::make_unique<grpc::ClientContext>();
  if (!stream) ctx->set_deadline(absl::ToChronoTime(absl::Now() + options_.timeout));
  return ctx;
}

int Client::Failed(const std::string& rpc, const grpc::Status& status) {
  err_ << "cpnctl: " << rpc << ": " << CodeName(status.error_code()) << ": "
       << status.error_message() << "\n";
  return status.error_code() == grpc::StatusCode::UNAVAILABLE ? kExitUnreachable : kExitRejected;
}

int Client::Usage(const std::string& command, const std::string& message,
                  const std::string& usage) {
  err_ << "cpnctl " << command << ": " << message << "\nusage: cpnctl " << usage << "\n";
  return kExitUsage;
}

void Client::PrintJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions o;
  o.preserve_proto_field_names = true;
  o.always_print_primitive_fields = true;
  o.add_whitespace = false;
  std::string text;
  auto status = google::protobuf::util::MessageToJsonString(message, &text, o);
  if (!status.ok()) {
    err_ << "cpnctl: cannot print JSON: " << status.ToString() << "\n";
    return;
  }
  out_ << text << "\n";
}

}  // namespace cpn::cpnctl
