#include "dataplane/tools/dpctl.h"

#include <ostream>

#include "absl/status/status.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace cpn::dpctl {

std::string HelpText() {
  return R"(cpn-dpctl: operate one cpn-dataplane over its southbound gRPC API

usage: cpn-dpctl [--dataplane HOST:PORT] [-o text|json] [--timeout DURATION] COMMAND ...

  write FILE.txtpb [--election-id N] [--expected-version N --new-version N]
        apply a WriteRequest (protobuf text format); arbitrates first with the
        request's election id (or --election-id). A request whose new_version
        is 0 writes on top of the installed version (expected = installed,
        new = installed + 1).
  read [--type KIND[,KIND...]]
        installed entities as a ReadResponse in text format (or JSON);
        KIND: port neighbor route local-sid policy rule
  counters [--group GROUP[,GROUP...]] [--rate DURATION]
        one counters snapshot as tables (or the CountersSnapshot as JSON);
        with --rate, per-second rates over DURATION (ports, workers, drops);
        GROUP: ports drops rules policies sids affinity workers

Global flags (anywhere on the line):
  --dataplane HOST:PORT   the dataplane (default $CPN_DATAPLANE or 127.0.0.1:9559)
  -o, --output text|json  text format and tables (default) or JSON for scripts
  --timeout DURATION      deadline of connecting and of each call (default 10s)

Exit codes: 0 ok, 1 the dataplane rejected the request, 2 usage error or bad
input file, 3 the dataplane cannot be reached.
)";
}

Dpctl::Dpctl(DpctlOptions options, std::ostream& out, std::ostream& err)
    : options_(std::move(options)), out_(out), err_(err) {}

bool Dpctl::Connect() {
  if (stub_ != nullptr) return true;
  channel_ = grpc::CreateChannel(options_.dataplane, grpc::InsecureChannelCredentials());
  if (!channel_->WaitForConnected(absl::ToChronoTime(absl::Now() + options_.timeout))) {
    err_ << "cpn-dpctl: cannot reach the dataplane at " << options_.dataplane << " within "
         << absl::FormatDuration(options_.timeout) << "\n";
    return false;
  }
  stub_ = cpn::dataplane::v1::DataplaneService::NewStub(channel_);
  return true;
}

std::unique_ptr<grpc::ClientContext> Dpctl::Call(double factor) const {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(absl::ToChronoTime(absl::Now() + options_.timeout * factor));
  return ctx;
}

int Dpctl::Failed(const std::string& rpc, const grpc::Status& status) {
  const auto code = static_cast<absl::StatusCode>(status.error_code());
  err_ << "cpn-dpctl: " << rpc << ": " << absl::StatusCodeToString(code) << ": "
       << status.error_message() << "\n";
  const bool unreachable = code == absl::StatusCode::kUnavailable ||
                           code == absl::StatusCode::kDeadlineExceeded;
  return unreachable ? kExitUnreachable : kExitRejected;
}

int Dpctl::Usage(const std::string& command, const std::string& message) {
  err_ << "cpn-dpctl " << command << ": " << message << "\n(cpn-dpctl --help shows the usage)\n";
  return kExitUsage;
}

void Dpctl::PrintJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions json;
  json.preserve_proto_field_names = true;
  json.always_print_primitive_fields = true;
  std::string text;
  if (const auto s = google::protobuf::util::MessageToJsonString(message, &text, json); !s.ok()) {
    err_ << "cpn-dpctl: JSON: " << s.ToString() << "\n";
    return;
  }
  out_ << text << "\n";
}

}  // namespace cpn::dpctl
