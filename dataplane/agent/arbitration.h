// StreamChannel: P4Runtime-style arbitration between controllers, and the
// notification stream to each of them.
//
// The open stream with the highest election id is the primary. Every client
// gets an ArbitrationResponse right after each of its ArbitrationRequests,
// and every client gets one again whenever the primary changes (a higher id
// arrives, the primary lowers its id, or the primary's stream ends: the
// next highest becomes primary at once). INVALID_ARGUMENT ends a stream whose
// first message is not an arbitration or whose election id is 0;
// ALREADY_EXISTS one that asks for an id another open stream holds.
//
// Each stream has an outbox drained by its own writer thread, so a client
// that reads slowly never blocks a Write or another client; the handler
// thread only reads. With no stream at all nobody is primary and the
// dataplane keeps forwarding on what is installed.
//
// THREADS: Serve runs on a gRPC handler thread per stream; IsPrimary,
// Primary, Broadcast from any thread. One internal mutex; it never calls out
// (gRPC writes happen on the writer threads, outside it).
#ifndef CPN_DATAPLANE_AGENT_ARBITRATION_H_
#define CPN_DATAPLANE_AGENT_ARBITRATION_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cpn/dataplane/v1/dataplane.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace cpn::dataplane::agent {

struct ElectionId {
  uint64_t high = 0;
  uint64_t low = 0;
  friend auto operator<=>(const ElectionId&, const ElectionId&) = default;
  friend bool operator==(const ElectionId&, const ElectionId&) = default;
  static ElectionId From(const v1::Uint128& u) { return {u.high(), u.low()}; }
  v1::Uint128 ToProto() const {
    v1::Uint128 u;
    u.set_high(high);
    u.set_low(low);
    return u;
  }
};

std::string ToString(const ElectionId& id);

class Arbitrator {
 public:
  using Stream = grpc::ServerReaderWriter<v1::StreamChannelResponse, v1::StreamChannelRequest>;

  Arbitrator(std::string dataplane_id, uint64_t boot_id,
             const std::atomic<uint64_t>* installed_version)
      : dataplane_id_(std::move(dataplane_id)),
        boot_id_(boot_id),
        installed_version_(installed_version) {}
  ~Arbitrator();

  // The StreamChannel handler: returns when the stream ends.
  grpc::Status Serve(grpc::ServerContext* context, Stream* stream);

  bool IsPrimary(const ElectionId& id) const;
  std::optional<ElectionId> Primary() const;
  // Queues `message` to every arbitrated client.
  void Broadcast(const v1::StreamChannelResponse& message);
  // Ends every writer (server shutdown); streams end when gRPC cancels them.
  void Shutdown();
  size_t clients() const;

 private:
  struct Client;
  // Caller holds mu_.
  Client* PrimaryLocked() const;
  v1::StreamChannelResponse RoleLocked(const Client& c) const;
  void Enqueue(Client& c, v1::StreamChannelResponse message);
  void Remove(const std::shared_ptr<Client>& c);

  const std::string dataplane_id_;
  const uint64_t boot_id_;
  const std::atomic<uint64_t>* installed_version_;
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<Client>> clients_;  // Arbitrated ones.
  bool shutdown_ = false;
};

}  // namespace cpn::dataplane::agent

#endif  // CPN_DATAPLANE_AGENT_ARBITRATION_H_
