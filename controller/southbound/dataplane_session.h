// DataplaneSession: the controller's session with one cpn-dataplane
// (docs/southbound.md).
//
// One thread per session runs the whole life cycle:
//   connect (new channel, GetCapabilities, router id checked)
//   -> StreamChannel with this controller's election id (a reader thread
//      takes the arbitration answers and version events)
//   -> as primary: Read everything installed (reconciliation: no flush),
//      then diff the desired state against the installed one and write the
//      difference as versioned, atomic, make-before-break batches
//   -> on stream end or connection error: DISCONNECTED, back off, retry.
// As backup the session only watches; when it becomes primary (the primary
// controller died) it Reads again and writes only what differs.
//
// What it never does: delete a port (ports come from the dataplane's command
// line; the model only names them), or, during the adoption window after
// the controller started, delete steering rules or policies it has no
// intent for (a restarted controller keeps what the dataplane carries until
// its demands are known again).
//
// Threads: SetDesired, Snapshot and Stop from any thread; the callback
// given at construction runs on the session thread and must not call back
// into this session.
#ifndef CPN_CONTROLLER_SOUTHBOUND_DATAPLANE_SESSION_H_
#define CPN_CONTROLLER_SOUTHBOUND_DATAPLANE_SESSION_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controller/srv6/desired_state.h"
#include "controller/srv6/diff.h"
#include "controller/srv6/ports.h"
#include "cpn/controller/v1/status.pb.h"
#include "cpn/dataplane/v1/dataplane.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace cpn::southbound {

struct SessionOptions {
  std::string router_id;
  // "host:port" of the dataplane's DataplaneService.
  std::string address;
  // This controller's election id (128 bits, > 0) and name.
  uint64_t election_id_high = 0;
  uint64_t election_id_low = 1;
  std::string client_id = "cpn-controller";
  // Reconnect backoff: doubles from min to max, reset once connected.
  absl::Duration min_backoff = absl::Milliseconds(20);
  absl::Duration max_backoff = absl::Milliseconds(500);
  // Deadline of unary calls and of each Read.
  absl::Duration rpc_timeout = absl::Seconds(10);
  // Until then, installed steering rules and policies that the desired
  // state lacks are kept (adoption after a controller restart).
  absl::Time keep_unknown_until = absl::InfinitePast();
  // A failed write (rejected batch) is retried after this long even if the
  // desired state does not change.
  absl::Duration retry_failed_after = absl::Seconds(2);
  // Counter samples (ports, steering rules) while connected, any role;
  // zero: none.
  absl::Duration counters_interval = absl::ZeroDuration();
};

// A desired state for the session, compiled with the port bindings the
// session reported (ports_key): the session writes it only when its
// dataplane still has those ports.
struct DesiredForSession {
  uint64_t generation = 0;
  std::string ports_key;
  srv6::EntityMap entities;
};

// What the session learnt from a Read: the dataplane's ports by name, as
// bindings for the compiler, and their fingerprint.
struct PortsReport {
  std::string router_id;
  std::map<std::string, srv6::PortBinding> ports;
  std::string ports_key;
};

// The fingerprint of a set of port bindings (equal sets, equal keys).
std::string PortsKey(const std::map<std::string, srv6::PortBinding>& ports);

// Counters of one session, for tests and benchmarks.
struct SessionStats {
  uint64_t writes = 0;             // successful Write calls
  uint64_t updates_written = 0;    // updates in them
  uint64_t reads = 0;              // full Reads (reconciliations)
  uint64_t connects = 0;           // sessions established
  uint64_t synced_generation = 0;  // desired generation last fully written
  // Time spent in Write calls, and the part the dataplane reports as
  // applying them (WriteResponse.apply_duration).
  absl::Duration write_time;
  absl::Duration apply_time;
};

class DataplaneSession {
 public:
  using PortsCallback = std::function<void(const PortsReport&)>;
  // Runs on the session's counters thread.
  using CountersCallback = std::function<void(const std::string& router_id,
                                              const cpn::telemetry::v1::CountersSnapshot&)>;

  DataplaneSession(SessionOptions options, PortsCallback on_ports,
                   CountersCallback on_counters = nullptr);
  ~DataplaneSession();  // Stop()
  DataplaneSession(const DataplaneSession&) = delete;
  DataplaneSession& operator=(const DataplaneSession&) = delete;

  void Start();
  // Ends the stream (the dataplane elects the next primary at once) and
  // joins the threads; idempotent.
  void Stop();

  // Replaces the desired state; the session writes the difference when it
  // is primary (at once if it is).
  void SetDesired(std::shared_ptr<const DesiredForSession> desired);

  // The session as GetStatus shows it.
  cpn::controller::v1::DataplaneSession Snapshot() const;
  SessionStats stats() const;
  const SessionOptions& options() const { return options_; }

 private:
  using Stream = grpc::ClientReaderWriter<cpn::dataplane::v1::StreamChannelRequest,
                                          cpn::dataplane::v1::StreamChannelResponse>;
  void Run();
  // One connection, until the stream ends or Stop. Returns why it ended.
  absl::Status Connected(cpn::dataplane::v1::DataplaneService::Stub& stub,
                         const cpn::dataplane::v1::GetCapabilitiesResponse& caps);
  void ReadStream(Stream* stream);
  absl::Status Reconcile(cpn::dataplane::v1::DataplaneService::Stub& stub);
  // Writes the difference to `desired`; FAILED_PRECONDITION means the
  // installed state is not what the session believed (Read again).
  absl::Status Push(cpn::dataplane::v1::DataplaneService::Stub& stub,
                    const DesiredForSession& desired);
  absl::Status WriteBatch(cpn::dataplane::v1::DataplaneService::Stub& stub,
                          std::span<const srv6::UpdateRef> updates);
  void SetState(cpn::controller::v1::SessionState state) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RecordError(const std::string& error);
  // Sleeps up to `d` unless stopped; false when stopped.
  bool SleepUnlessStopped(absl::Duration d);

  const SessionOptions options_;
  const PortsCallback on_ports_;
  const CountersCallback on_counters_;

  mutable absl::Mutex mu_;
  // Set by Stop, by the reader at stream end, by SetDesired; the session
  // thread waits on them.
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool stream_ended_ ABSL_GUARDED_BY(mu_) = false;
  bool got_arbitration_ ABSL_GUARDED_BY(mu_) = false;
  // False when the installed state may differ from installed_ (another
  // writer, a failed write, a new connection): Read before writing.
  bool synced_ ABSL_GUARDED_BY(mu_) = false;
  cpn::dataplane::v1::ArbitrationRole role_ ABSL_GUARDED_BY(mu_) =
      cpn::dataplane::v1::ARBITRATION_ROLE_UNSPECIFIED;
  std::shared_ptr<const DesiredForSession> desired_ ABSL_GUARDED_BY(mu_);
  grpc::ClientContext* stream_context_ ABSL_GUARDED_BY(mu_) = nullptr;
  // Status as shown (state, versions, errors, times).
  cpn::controller::v1::DataplaneSession status_ ABSL_GUARDED_BY(mu_);
  SessionStats stats_ ABSL_GUARDED_BY(mu_);

  // Session thread only.
  srv6::EntityMap installed_;
  uint64_t installed_version_ = 0;
  std::string ports_key_;
  uint32_t max_updates_per_write_ = 0;

  std::thread thread_;
};

}  // namespace cpn::southbound

#endif  // CPN_CONTROLLER_SOUTHBOUND_DATAPLANE_SESSION_H_
