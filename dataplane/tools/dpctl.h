// cpn-dpctl: an operator's tool for one cpn-dataplane's southbound API
// (cpn.dataplane.v1.DataplaneService), for debugging, benchmarks and
// recovery when no controller runs. See docs/dataplane.md ("cpn-dpctl").
//
//   write FILE.txtpb   a WriteRequest in protobuf text format (arbitrates
//                      with the request's election id, then writes)
//   read [--type K]    installed entities, text format or JSON
//   counters           one CountersSnapshot as tables or JSON, or rates
//                      over an interval (--rate)
//
// Exit codes: 0 ok, 1 the dataplane rejected the request, 2 usage (bad
// command line or input file), 3 the dataplane cannot be reached.
//
// Threads: one Dpctl per invocation, used from the main thread only.
#ifndef CPN_DATAPLANE_TOOLS_DPCTL_H_
#define CPN_DATAPLANE_TOOLS_DPCTL_H_

#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "cpn/dataplane/v1/dataplane.grpc.pb.h"
#include "google/protobuf/message.h"
#include "grpcpp/channel.h"

namespace cpn::dpctl {

enum ExitCode : int {
  kExitOk = 0,
  kExitRejected = 1,
  kExitUsage = 2,
  kExitUnreachable = 3,
};

struct DpctlOptions {
  // "host:port" of cpn-dataplane's southbound server.
  std::string dataplane = "127.0.0.1:9559";
  // Print JSON instead of text format / tables.
  bool json = false;
  // Deadline of connecting and of each call.
  absl::Duration timeout = absl::Seconds(10);
};

class Dpctl {
 public:
  Dpctl(DpctlOptions options, std::ostream& out, std::ostream& err);

  const DpctlOptions& options() const { return options_; }
  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }

  // Connects within the timeout; false (after printing why) when the
  // dataplane cannot be reached.
  bool Connect();
  cpn::dataplane::v1::DataplaneService::Stub& stub() { return *stub_; }
  // A context whose deadline is the timeout from now (scaled by `factor`).
  std::unique_ptr<grpc::ClientContext> Call(double factor = 1.0) const;

  // Prints "cpn-dpctl: RPC: CODE: message" and returns 3 for UNAVAILABLE
  // and DEADLINE_EXCEEDED, 1 otherwise.
  int Failed(const std::string& rpc, const grpc::Status& status);
  // Prints "cpn-dpctl COMMAND: message" and the command's usage; returns 2.
  int Usage(const std::string& command, const std::string& message);
  // Prints a message as JSON (proto field names, defaults included).
  void PrintJson(const google::protobuf::Message& message);

 private:
  DpctlOptions options_;
  std::ostream& out_;
  std::ostream& err_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<cpn::dataplane::v1::DataplaneService::Stub> stub_;
};

using Words = std::vector<std::string>;

// The commands; `words` follow the command name. Each returns an exit code.
int WriteCommand(Dpctl& dp, const Words& words);
int ReadCommand(Dpctl& dp, const Words& words);
int CountersCommand(Dpctl& dp, const Words& words);

// The usage text (global flags and every command).
std::string HelpText();

}  // namespace cpn::dpctl

#endif  // CPN_DATAPLANE_TOOLS_DPCTL_H_
