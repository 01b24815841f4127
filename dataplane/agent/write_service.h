// Write: one atomic, versioned batch (dataplane.proto). The transaction, under
// the exclusive AgentState lock:
//
//   1. arbitration (PERMISSION_DENIED), versions and batch size
//      (INVALID_ARGUMENT), expected version (FAILED_PRECONDITION);
//   2. apply + validate every update in place, with an undo log (batch.h);
//      any failure -> the error of the first failing update, all of them in
//      the WriteError details, the state put back (so nothing changed);
//   3. open the ports the batch inserts (a probe failure is that update's
//      error; ports already opened by this batch are closed again, the
//      state is put back);
//   4. compile the new ForwardingState beside the live one (compiler.h; a
//      failure puts the state back);
//   5. publish it with ONE store (Pipeline::Publish) -- workers never pause;
//   6. commit: installed state, version, slots, counter bases; set MACs;
//      close deleted ports after a grace period; notify every StreamChannel.
//
// THREADS: the agent's writer thread (Write) and the main thread before the
// server starts (AddStartupPort); serialised by AgentState::mu.
#ifndef CPN_DATAPLANE_AGENT_WRITE_SERVICE_H_
#define CPN_DATAPLANE_AGENT_WRITE_SERVICE_H_

#include <vector>

#include "cpn/dataplane/v1/dataplane.pb.h"
#include "dataplane/agent/agent_state.h"
#include "dataplane/agent/arbitration.h"
#include "dataplane/agent/batch.h"
#include "grpcpp/grpcpp.h"

namespace cpn::dataplane::agent {

class WriteService {
 public:
  WriteService(AgentState* state, Arbitrator* arbitrator) : st_(*state), arb_(*arbitrator) {}

  // `replaced` (optional) receives what the Write replaced or deleted, for
  // the caller to free after it answered (16,000 old rules take ~3 ms to
  // free); without it they are freed before Write returns.
  grpc::Status Write(const v1::WriteRequest& request, v1::WriteResponse* response,
                     UndoLog* replaced = nullptr);

  // Start-up ports from the command line: opened, installed and published
  // at version 0 (no controller involved). Before the server starts.
  absl::Status AddStartupPort(uint32_t id, const std::string& name, const std::string& devargs);

 private:
  AgentState& st_;
  Arbitrator& arb_;
};

// The gRPC status of a failed Write: code and message of the first failure,
// details = RpcStatus{code, message, [WriteError]}.
grpc::Status WriteErrorStatus(absl::StatusCode code, const std::string& message,
                              uint64_t installed_version,
                              const std::vector<UpdateFailure>& failures);

}  // namespace cpn::dataplane::agent

#endif  // CPN_DATAPLANE_AGENT_WRITE_SERVICE_H_
