// cpn-dpctl write: parse a WriteRequest in text format (errors name the
// file's line and column), arbitrate on a StreamChannel with its election
// id, Write, and print every failing update with the line it came from.
#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "controller/cpnctl/args.h"
#include "dataplane/tools/dpctl.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace cpn::dpctl {
namespace {

namespace v1 = ::cpn::dataplane::v1;
using google::protobuf::TextFormat;

// Every syntax error of a parse, as "PATH:LINE:COLUMN: message" (1-based).
class LineErrors : public google::protobuf::io::ErrorCollector {
 public:
  explicit LineErrors(std::string path) : path_(std::move(path)) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    errors_.push_back(absl::StrCat(path_, ":", line + 1, ":", column + 1, ": ", message));
  }
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  std::string path_;
  std::vector<std::string> errors_;
};

struct ParsedRequest {
  v1::WriteRequest request;
  // 1-based line of each update in the file.
  std::vector<int> update_lines;
};

// Parses `path`; prints the errors and returns nullopt when it cannot.
std::optional<ParsedRequest> ParseRequestFile(Dpctl& dp, const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    dp.err() << "cpn-dpctl write: cannot read " << path << "\n";
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  ParsedRequest parsed;
  LineErrors errors(path);
  TextFormat::ParseInfoTree locations;
  TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  parser.WriteLocationsTo(&locations);
  if (!parser.ParseFromString(text.str(), &parsed.request)) {
    for (const std::string& e : errors.errors()) dp.err() << e << "\n";
    dp.err() << "cpn-dpctl write: " << path
             << " is not a cpn.dataplane.v1.WriteRequest in text format\n";
    return std::nullopt;
  }
  const auto* field = v1::WriteRequest::descriptor()->FindFieldByName("updates");
  for (int i = 0; i < parsed.request.updates_size(); ++i) {
    parsed.update_lines.push_back(locations.GetLocation(field, i).line + 1);
  }
  return parsed;
}

std::string ElectionText(const v1::Uint128& id) {
  return id.high() == 0 ? absl::StrCat(id.low()) : absl::StrCat(id.high(), ":", id.low());
}

// Holds a StreamChannel open as the primary while a Write runs.
class Arbitration {
 public:
  explicit Arbitration(Dpctl& dp) : dp_(dp), ctx_(dp.Call(3.0)) {}
  ~Arbitration() {
    if (stream_ == nullptr) return;
    stream_->WritesDone();
    ctx_->TryCancel();
    stream_->Finish().ok();
  }

  // Bids with `id`; on success `installed` is the installed version.
  // Returns an exit code (kExitOk when this client is primary).
  int Become(const v1::Uint128& id, uint64_t* installed) {
    stream_ = dp_.stub().StreamChannel(ctx_.get());
    v1::StreamChannelRequest bid;
    *bid.mutable_arbitration()->mutable_election_id() = id;
    char host[256] = "";
    gethostname(host, sizeof(host) - 1);
    bid.mutable_arbitration()->set_client_id(absl::StrCat("cpn-dpctl@", host));
    v1::StreamChannelResponse r;
    if (!stream_->Write(bid) || !stream_->Read(&r)) {
      const grpc::Status s = stream_->Finish();
      stream_ = nullptr;
      return dp_.Failed("StreamChannel", s);
    }
    const v1::ArbitrationResponse& a = r.arbitration();
    *installed = a.installed_version();
    if (a.role() != v1::ARBITRATION_ROLE_PRIMARY) {
      dp_.err() << "cpn-dpctl write: election id " << ElectionText(id)
                << " is not primary; the primary is " << ElectionText(a.primary_election_id())
                << " (" << a.primary_client_id() << ")\n";
      return kExitRejected;
    }
    return kExitOk;
  }

 private:
  Dpctl& dp_;
  std::unique_ptr<grpc::ClientContext> ctx_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::StreamChannelRequest, v1::StreamChannelResponse>>
      stream_;
};

std::optional<v1::WriteError> WriteErrorIn(const grpc::Status& status) {
  v1::RpcStatus rpc;
  if (status.error_details().empty() || !rpc.ParseFromString(status.error_details())) {
    return std::nullopt;
  }
  for (const auto& any : rpc.details()) {
    if (v1::WriteError e; any.UnpackTo(&e)) return e;
  }
  return std::nullopt;
}

}  // namespace

int WriteCommand(Dpctl& dp, const Words& words) {
  absl::StatusOr<cpnctl::Args> args =
      cpnctl::ParseArgs(words, {{"election-id"}, {"expected-version"}, {"new-version"}});
  if (!args.ok()) return dp.Usage("write", std::string(args.status().message()));
  if (args->positional.size() != 1) return dp.Usage("write", "want exactly one FILE.txtpb");
  const std::string path = args->positional[0];
  std::optional<ParsedRequest> parsed = ParseRequestFile(dp, path);
  if (!parsed.has_value()) return kExitUsage;
  v1::WriteRequest& w = parsed->request;
  for (const char* flag : {"election-id", "expected-version", "new-version"}) {
    absl::StatusOr<std::optional<uint64_t>> v = args->GetUint(flag);
    if (!v.ok()) return dp.Usage("write", std::string(v.status().message()));
    if (!v->has_value()) continue;
    if (std::string(flag) == "election-id") {
      w.mutable_election_id()->set_high(0);
      w.mutable_election_id()->set_low(**v);
    } else if (std::string(flag) == "expected-version") {
      w.set_expected_version(**v);
    } else {
      w.set_new_version(**v);
    }
  }
  if (w.election_id().high() == 0 && w.election_id().low() == 0) {
    return dp.Usage("write", absl::StrCat(path, ": election_id is unset (or pass --election-id)"));
  }
  if (!dp.Connect()) return kExitUnreachable;
  Arbitration arbitration(dp);
  uint64_t installed = 0;
  if (const int rc = arbitration.Become(w.election_id(), &installed); rc != kExitOk) return rc;
  if (w.new_version() == 0) {
    w.set_expected_version(installed);
    w.set_new_version(installed + 1);
  }
  v1::WriteResponse response;
  auto ctx = dp.Call();
  const grpc::Status status = dp.stub().Write(ctx.get(), w, &response);
  if (!status.ok()) {
    const int rc = dp.Failed("Write", status);
    if (std::optional<v1::WriteError> e = WriteErrorIn(status); e.has_value()) {
      for (const v1::UpdateError& u : e->errors()) {
        const int line = u.index() < parsed->update_lines.size()
                             ? parsed->update_lines[u.index()]
                             : 0;
        dp.err() << path << ":" << line << ": updates[" << u.index() << "] ("
                 << v1::EntityType_Name(u.entity_type()) << " \"" << u.entity_key() << "\"): "
                 << absl::StatusCodeToString(static_cast<absl::StatusCode>(u.code())) << ": "
                 << u.message() << "\n";
      }
      dp.err() << "installed version is still " << e->installed_version() << "\n";
    }
    return rc;
  }
  if (dp.options().json) {
    dp.PrintJson(response);
  } else {
    dp.out() << "installed version " << response.installed_version() << " (" << w.updates_size()
             << " updates, applied in "
             << absl::FormatDuration(absl::Seconds(response.apply_duration().seconds()) +
                                     absl::Nanoseconds(response.apply_duration().nanos()))
             << ")\n";
  }
  return kExitOk;
}

}  // namespace cpn::dpctl
