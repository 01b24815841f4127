#include "dataplane/agent/arbitration.h"

#include <algorithm>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"

namespace cpn::dataplane::agent {
namespace {

// A client that does not read gets its oldest notifications dropped.
constexpr size_t kMaxOutbox = 4096;

}  // namespace

std::string ToString(const ElectionId& id) {
  return id.high == 0 ? absl::StrCat(id.low) : absl::StrCat(id.high, ":", id.low);
}

struct Arbitrator::Client {
  ElectionId id;
  std::string client_id;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<v1::StreamChannelResponse> outbox;  // Guarded by mu.
  bool closed = false;                           // Guarded by mu.
};

Arbitrator::~Arbitrator() { Shutdown(); }

Arbitrator::Client* Arbitrator::PrimaryLocked() const {
  Client* best = nullptr;
  for (const auto& c : clients_) {
    if (best == nullptr || best->id < c->id) best = c.get();
  }
  return best;
}

v1::StreamChannelResponse Arbitrator::RoleLocked(const Client& c) const {
  v1::StreamChannelResponse r;
  v1::ArbitrationResponse* a = r.mutable_arbitration();
  const Client* p = PrimaryLocked();
  a->set_role(p == &c ? v1::ARBITRATION_ROLE_PRIMARY : v1::ARBITRATION_ROLE_BACKUP);
  *a->mutable_election_id() = c.id.ToProto();
  if (p != nullptr) {
    *a->mutable_primary_election_id() = p->id.ToProto();
    a->set_primary_client_id(p->client_id);
  }
  a->set_dataplane_id(dataplane_id_);
  a->set_boot_id(boot_id_);
  a->set_installed_version(installed_version_->load());
  return r;
}

void Arbitrator::Enqueue(Client& c, v1::StreamChannelResponse message) {
  {
    std::lock_guard<std::mutex> lock(c.mu);
    if (c.closed) return;
    if (c.outbox.size() >= kMaxOutbox) c.outbox.pop_front();
    c.outbox.push_back(std::move(message));
  }
  c.cv.notify_one();
}

void Arbitrator::Remove(const std::shared_ptr<Client>& c) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::find(clients_.begin(), clients_.end(), c);
  if (it == clients_.end()) return;
  const Client* before = PrimaryLocked();
  clients_.erase(it);
  const Client* after = PrimaryLocked();
  if (before != after) {
    for (const auto& other : clients_) Enqueue(*other, RoleLocked(*other));
  }
}

grpc::Status Arbitrator::Serve(grpc::ServerContext* context, Stream* stream) {
  auto c = std::make_shared<Client>();
  std::thread writer([c, stream, context] {
    for (;;) {
      v1::StreamChannelResponse message;
      {
        std::unique_lock<std::mutex> lock(c->mu);
        c->cv.wait(lock, [&c] { return c->closed || !c->outbox.empty(); });
        if (c->closed) return;
        message = std::move(c->outbox.front());
        c->outbox.pop_front();
      }
      if (!stream->Write(message)) {
        context->TryCancel();
        return;
      }
    }
  });
  auto finish = [&](grpc::Status status) {
    Remove(c);
    {
      std::lock_guard<std::mutex> lock(c->mu);
      c->closed = true;
    }
    c->cv.notify_one();
    writer.join();
    return status;
  };

  v1::StreamChannelRequest request;
  bool registered = false;
  while (stream->Read(&request)) {
    if (!request.has_arbitration()) {
      return finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                 registered ? "StreamChannelRequest: no message set"
                                            : "StreamChannel: the first message must be an "
                                              "ArbitrationRequest"));
    }
    const ElectionId id = ElectionId::From(request.arbitration().election_id());
    if (id == ElectionId{}) {
      return finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                 "ArbitrationRequest.election_id: must be > 0"));
    }
    std::string conflict;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (shutdown_) {
        conflict = "shutting down";
      } else {
        for (const auto& other : clients_) {
          if (other != c && other->id == id) {
            conflict = absl::StrCat("election id ", ToString(id), " is held by client \"",
                                    other->client_id, "\"");
          }
        }
      }
      if (conflict.empty()) {
        const Client* before = PrimaryLocked();
        const ElectionId before_id = before != nullptr ? before->id : ElectionId{};
        c->id = id;
        c->client_id = request.arbitration().client_id();
        if (!registered) clients_.push_back(c);
        registered = true;
        const Client* after = PrimaryLocked();
        if (before != after || before_id != after->id) {
          for (const auto& other : clients_) Enqueue(*other, RoleLocked(*other));
        } else {
          Enqueue(*c, RoleLocked(*c));
        }
      }
    }
    if (!conflict.empty()) {
      return finish(grpc::Status(conflict == "shutting down" ? grpc::StatusCode::UNAVAILABLE
                                                             : grpc::StatusCode::ALREADY_EXISTS,
                                 conflict));
    }
  }
  return finish(grpc::Status::OK);
}

bool Arbitrator::IsPrimary(const ElectionId& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  const Client* p = PrimaryLocked();
  return p != nullptr && p->id == id;
}

std::optional<ElectionId> Arbitrator::Primary() const {
  std::lock_guard<std::mutex> lock(mu_);
  const Client* p = PrimaryLocked();
  return p == nullptr ? std::nullopt : std::optional<ElectionId>(p->id);
}

void Arbitrator::Broadcast(const v1::StreamChannelResponse& message) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& c : clients_) Enqueue(*c, message);
}

void Arbitrator::Shutdown() {
  std::lock_guard<std::mutex> lock(mu_);
  shutdown_ = true;
  for (const auto& c : clients_) {
    {
      std::lock_guard<std::mutex> l(c->mu);
      c->closed = true;
    }
    c->cv.notify_one();
  }
}

size_t Arbitrator::clients() const {
  std::lock_guard<std::mutex> lock(mu_);
  return clients_.size();
}

}  // namespace cpn::dataplane::agent
