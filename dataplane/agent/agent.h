// Agent: the southbound gRPC server of one cpn-dataplane (DataplaneService,
// dataplane.proto), over a running Pipeline and PortManager.
//
// One RPC family per file: arbitration.h (StreamChannel), write_service.h
// (Write), read_service.h (Read), counters_service.h (StreamCounters),
// capabilities.h (GetCapabilities, SetPortEmulation). This file wires them
// into the gRPC service, runs the server, a writer thread and a housekeeping
// thread (frees retired forwarding states, polls port carrier and reports
// changes on every StreamChannel, restarts memif clients whose server went
// away: port_reconnector.h).
//
// Write is gRPC's callback kind, so that its request is parsed onto a
// per-call protobuf arena (parsing and freeing a 16,000-update request
// through malloc was ~18 ms of every such Write); the writer thread runs the
// transactions, one at a time, so that no gRPC callback thread blocks.
//
// LIFECYCLE (main thread): Create -> AddStartupPort... -> Start (listens) ->
// ... -> Shutdown (ends every stream, stops the server; the Pipeline keeps
// running until its owner stops it). With no controller connected the
// dataplane simply keeps forwarding on what is installed.
//
// THREADS: gRPC's handler threads, the writer and the housekeeping thread are
// created by the thread that calls Start and inherit its CPU affinity: start
// the agent from the main lcore so that control threads never run on a
// worker's CPU.
#ifndef CPN_DATAPLANE_AGENT_AGENT_H_
#define CPN_DATAPLANE_AGENT_AGENT_H_

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dataplane/agent/agent_state.h"
#include "dataplane/agent/arbitration.h"
#include "dataplane/agent/counters_service.h"
#include "dataplane/agent/port_reconnector.h"
#include "dataplane/agent/read_service.h"
#include "dataplane/agent/write_service.h"
#include "grpcpp/grpcpp.h"

namespace cpn::dataplane::agent {

class Agent {
 public:
  // `pipeline` and `ports` must outlive the agent.
  static absl::StatusOr<std::unique_ptr<Agent>> Create(const AgentConfig& config,
                                                       Pipeline* pipeline, PortManager* ports);
  ~Agent();  // Shutdown(), then closes the ports it opened (workers must be stopped
             // or the pipeline must no longer list them; see ClosePorts).
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // A port from the command line (Port.id `id`), installed at version 0.
  absl::Status AddStartupPort(uint32_t id, const std::string& name, const std::string& devargs);

  absl::Status Start();
  // The TCP port the server listens on (after Start).
  int bound_port() const { return bound_port_; }
  void Shutdown();

  // Closes every open port. Call after the pipeline's workers stopped.
  void ClosePorts();

  AgentState& state() { return *state_; }
  Arbitrator& arbitrator() { return *arbitrator_; }
  CountersService& counters() { return *counters_; }

 private:
  class Service;
  Agent() = default;
  void Housekeeping();
  void Writer();
  // Runs `job` on the writer thread (in order).
  void PostWrite(std::function<void()> job);

  std::unique_ptr<AgentState> state_;
  std::unique_ptr<Arbitrator> arbitrator_;
  std::unique_ptr<WriteService> write_;
  std::unique_ptr<ReadService> read_;
  std::unique_ptr<CountersService> counters_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  int bound_port_ = 0;

  std::thread housekeeping_;
  std::mutex hk_mu_;
  std::condition_variable hk_cv_;
  bool hk_stop_ = false;
  PortReconnector reconnector_;  // Housekeeping thread only.

  std::thread writer_;
  std::mutex w_mu_;
  std::condition_variable w_cv_;
  std::deque<std::function<void()>> w_jobs_;  // Guarded by w_mu_.
  bool w_stop_ = false;                       // Guarded by w_mu_.
};

}  // namespace cpn::dataplane::agent

#endif  // CPN_DATAPLANE_AGENT_AGENT_H_
