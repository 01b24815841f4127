#include "controller/southbound/dataplane_session.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "controller/api/proto_time.h"
#include "controller/srv6/diff.h"
#include "google/protobuf/arena.h"
#include "grpc/grpc.h"

namespace cpn::southbound {

namespace v1 = cpn::dataplane::v1;
namespace cv1 = cpn::controller::v1;

namespace {

absl::Status FromGrpc(const grpc::Status& s, const std::string& what) {
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                      absl::StrCat(what, ": ", s.error_message()));
}

// Every failing update of a rejected Write, from the status details.
std::string WriteErrorText(const grpc::Status& s) {
  v1::RpcStatus details;
  if (s.error_details().empty() || !details.ParseFromString(s.error_details())) return "";
  std::vector<std::string> lines;
  for (const google::protobuf::Any& any : details.details()) {
    v1::WriteError we;
    if (!any.UnpackTo(&we)) continue;
    for (const v1::UpdateError& e : we.errors()) {
      lines.push_back(absl::StrCat("updates[", e.index(), "] ",
                                   v1::EntityType_Name(e.entity_type()), " \"", e.entity_key(),
                                   "\": ", e.message()));
    }
  }
  return absl::StrJoin(lines, "; ");
}

void SetDeadline(grpc::ClientContext* ctx, absl::Duration d) {
  ctx->set_deadline(absl::ToChronoTime(absl::Now() + d));
}

}  // namespace

std::string PortsKey(const std::map<std::string, srv6::PortBinding>& ports) {
  std::string key;
  for (const auto& [name, b] : ports) absl::StrAppend(&key, name, "=", b.id, ":", b.devargs, "\n");
  return key;
}

DataplaneSession::DataplaneSession(SessionOptions options, PortsCallback on_ports,
                                   CountersCallback on_counters)
    : options_(std::move(options)),
      on_ports_(std::move(on_ports)),
      on_counters_(std::move(on_counters)) {
  absl::MutexLock l(&mu_);
  status_.set_router_id(options_.router_id);
  status_.set_address(options_.address);
  status_.set_state(cv1::SESSION_STATE_CONNECTING);
}

DataplaneSession::~DataplaneSession() { Stop(); }

void DataplaneSession::Start() {
  thread_ = std::thread([this] { Run(); });
}

void DataplaneSession::Stop() {
  {
    absl::MutexLock l(&mu_);
    stopping_ = true;
    if (stream_context_ != nullptr) stream_context_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
}

void DataplaneSession::SetDesired(std::shared_ptr<const DesiredForSession> desired) {
  std::shared_ptr<const DesiredForSession> previous;
  {
    absl::MutexLock l(&mu_);
    previous = std::exchange(desired_, std::move(desired));
  }
  // Often the last reference to a large entity map: freed here, after the
  // unlock (freeing 16,000 entities under mu_ held the session thread back
  // ~10 ms before it could start writing the new state).
}

cv1::DataplaneSession DataplaneSession::Snapshot() const {
  absl::MutexLock l(&mu_);
  return status_;
}

SessionStats DataplaneSession::stats() const {
  absl::MutexLock l(&mu_);
  return stats_;
}

void DataplaneSession::SetState(cv1::SessionState state) {
  status_.set_state(state);
  if (state == cv1::SESSION_STATE_PRIMARY || state == cv1::SESSION_STATE_BACKUP) {
    if (!status_.has_connected_since())
      *status_.mutable_connected_since() = api::ToProtoTime(absl::Now());
  } else {
    status_.clear_connected_since();
  }
}

void DataplaneSession::RecordError(const std::string& error) {
  absl::MutexLock l(&mu_);
  status_.set_last_error(error);
  *status_.mutable_last_error_at() = api::ToProtoTime(absl::Now());
}

bool DataplaneSession::SleepUnlessStopped(absl::Duration d) {
  absl::MutexLock l(&mu_);
  const absl::Time until = absl::Now() + d;
  while (!stopping_ && absl::Now() < until) {
    mu_.AwaitWithDeadline(absl::Condition(&stopping_), until);
  }
  return !stopping_;
}

void DataplaneSession::Run() {
  absl::Duration backoff = options_.min_backoff;
  while (true) {
    {
      absl::MutexLock l(&mu_);
      if (stopping_) break;
      if (status_.state() != cv1::SESSION_STATE_WRONG_DATAPLANE)
        SetState(cv1::SESSION_STATE_CONNECTING);
    }
    // A fresh channel per attempt: gRPC's own reconnect backoff (up to
    // minutes) must not delay noticing a restarted dataplane.
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
    args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
    args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
    args.SetMaxReceiveMessageSize(256 << 20);
    args.SetMaxSendMessageSize(256 << 20);
    // A private subchannel pool: sessions of one process never share a
    // connection that one of them saw fail.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    std::shared_ptr<grpc::Channel> channel =
        grpc::CreateCustomChannel(options_.address, grpc::InsecureChannelCredentials(), args);
    std::unique_ptr<v1::DataplaneService::Stub> stub = v1::DataplaneService::NewStub(channel);

    v1::GetCapabilitiesResponse caps;
    grpc::ClientContext ctx;
    SetDeadline(&ctx, std::min(options_.rpc_timeout, absl::Seconds(2)));
    const grpc::Status cs = stub->GetCapabilities(&ctx, v1::GetCapabilitiesRequest(), &caps);
    absl::Status ended;
    if (!cs.ok()) {
      ended = FromGrpc(cs, absl::StrCat("dataplane ", options_.address, ": GetCapabilities"));
    } else if (caps.dataplane_id() != options_.router_id) {
      ended = absl::FailedPreconditionError(
          absl::StrCat("dataplane at ", options_.address, " is router \"", caps.dataplane_id(),
                       "\", expected \"", options_.router_id, "\"; not programming it"));
      absl::MutexLock l(&mu_);
      SetState(cv1::SESSION_STATE_WRONG_DATAPLANE);
    } else {
      backoff = options_.min_backoff;
      ended = Connected(*stub, caps);
    }
    bool wrong = false;
    {
      absl::MutexLock l(&mu_);
      if (stopping_) break;
      wrong = status_.state() == cv1::SESSION_STATE_WRONG_DATAPLANE;
      if (!wrong) SetState(cv1::SESSION_STATE_DISCONNECTED);
    }
    if (!ended.ok()) RecordError(std::string(ended.message()));
    if (!SleepUnlessStopped(wrong ? options_.max_backoff : backoff)) break;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
  absl::MutexLock l(&mu_);
  SetState(cv1::SESSION_STATE_DISCONNECTED);
}

absl::Status DataplaneSession::Connected(v1::DataplaneService::Stub& stub,
                                         const v1::GetCapabilitiesResponse& caps) {
  max_updates_per_write_ = caps.max_updates_per_write();
  grpc::ClientContext stream_ctx;
  {
    absl::MutexLock l(&mu_);
    if (stopping_) return absl::OkStatus();
    stream_context_ = &stream_ctx;
    stream_ended_ = false;
    got_arbitration_ = false;
    synced_ = false;
    role_ = v1::ARBITRATION_ROLE_UNSPECIFIED;
    status_.set_boot_id(caps.boot_id());
    ++stats_.connects;
  }
  std::unique_ptr<Stream> stream = stub.StreamChannel(&stream_ctx);
  v1::StreamChannelRequest req;
  v1::ArbitrationRequest* arb = req.mutable_arbitration();
  arb->mutable_election_id()->set_high(options_.election_id_high);
  arb->mutable_election_id()->set_low(options_.election_id_low);
  arb->set_client_id(options_.client_id);
  const bool sent = stream->Write(req);
  std::thread reader([this, s = stream.get()] { ReadStream(s); });
  // Counter samples feed the next decision (counters_feed.h); the stream
  // ends with the connection.
  grpc::ClientContext counters_ctx;
  std::thread counters;
  if (on_counters_ && options_.counters_interval > absl::ZeroDuration()) {
    counters = std::thread([this, &stub, &counters_ctx] {
      v1::CountersRequest req;
      *req.mutable_interval() = api::ToProtoDuration(options_.counters_interval);
      req.add_groups(cpn::telemetry::v1::COUNTER_GROUP_PORTS);
      req.add_groups(cpn::telemetry::v1::COUNTER_GROUP_STEERING_RULES);
      std::unique_ptr<grpc::ClientReader<cpn::telemetry::v1::CountersSnapshot>> r =
          stub.StreamCounters(&counters_ctx, req);
      cpn::telemetry::v1::CountersSnapshot sample;
      while (r->Read(&sample)) on_counters_(options_.router_id, sample);
      r->Finish().IgnoreError();
    });
  }

  absl::Status result;
  // The desired state last acted on (written, or found compiled for other
  // ports); work exists when a newer one arrives or the mirror is stale.
  // Compared by owner, not by address: a freed state's address can come back
  // for a newer one (the weak reference keeps its control block, which
  // make_shared allocates with the state, so it cannot).
  std::weak_ptr<const DesiredForSession> handled;
  auto is_handled = [&handled](const std::shared_ptr<const DesiredForSession>& d) {
    return !handled.owner_before(d) && !d.owner_before(handled);
  };
  absl::Time retry_at = absl::InfiniteFuture();
  while (sent) {
    std::shared_ptr<const DesiredForSession> desired;
    bool synced = false;
    {
      absl::MutexLock l(&mu_);
      auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || stream_ended_ ||
               (got_arbitration_ && role_ == v1::ARBITRATION_ROLE_PRIMARY &&
                (!synced_ || !is_handled(desired_)));
      };
      const absl::Time now = absl::Now();
      // Wake at the end of the adoption window (held deletes go then) and
      // when a rejected batch is due for a retry.
      const absl::Time deadline =
          std::min(retry_at, options_.keep_unknown_until > now ? options_.keep_unknown_until
                                                               : absl::InfiniteFuture());
      if (!mu_.AwaitWithDeadline(absl::Condition(&ready), deadline)) {
        handled.reset();
        retry_at = absl::InfiniteFuture();
      }
      if (stopping_ || stream_ended_) break;
      if (!got_arbitration_ || role_ != v1::ARBITRATION_ROLE_PRIMARY) continue;
      synced = synced_;
      desired = desired_;
    }
    if (!synced) {
      result = Reconcile(stub);
      if (!result.ok()) break;
      handled.reset();
    }
    if (desired == nullptr) continue;
    handled = desired;
    if (desired->ports_key != ports_key_) continue;  // a recompile is coming
    absl::Status p = Push(stub, *desired);
    if (p.code() == absl::StatusCode::kUnavailable ||
        p.code() == absl::StatusCode::kDeadlineExceeded ||
        p.code() == absl::StatusCode::kCancelled) {
      result = p;
      break;
    }
    if (!p.ok() && p.code() != absl::StatusCode::kFailedPrecondition) {
      // Rejected (the controller keeps its state): retry later, or at once
      // when the desired state changes.
      retry_at = absl::Now() + options_.retry_failed_after;
    }
  }
  {
    absl::MutexLock l(&mu_);
    stream_context_ = nullptr;
  }
  stream_ctx.TryCancel();
  counters_ctx.TryCancel();
  reader.join();
  if (counters.joinable()) counters.join();
  return result;
}

void DataplaneSession::ReadStream(Stream* stream) {
  v1::StreamChannelResponse resp;
  while (stream->Read(&resp)) {
    absl::MutexLock l(&mu_);
    if (resp.has_arbitration()) {
      const v1::ArbitrationResponse& a = resp.arbitration();
      const bool was_primary = role_ == v1::ARBITRATION_ROLE_PRIMARY;
      role_ = a.role();
      got_arbitration_ = true;
      status_.set_boot_id(a.boot_id());
      status_.set_installed_version(a.installed_version());
      if (role_ == v1::ARBITRATION_ROLE_PRIMARY) {
        status_.clear_primary_client_id();
        SetState(cv1::SESSION_STATE_PRIMARY);
        // Another controller may have written while this one was backup.
        if (!was_primary) synced_ = false;
      } else {
        status_.set_primary_client_id(a.primary_client_id());
        SetState(cv1::SESSION_STATE_BACKUP);
        synced_ = false;
      }
    } else if (resp.has_installed_version()) {
      const v1::InstalledVersionEvent& e = resp.installed_version();
      status_.set_installed_version(e.installed_version());
      if (e.writer_election_id().high() != options_.election_id_high ||
          e.writer_election_id().low() != options_.election_id_low) {
        synced_ = false;
      }
    }
  }
  stream->Finish().IgnoreError();
  absl::MutexLock l(&mu_);
  stream_ended_ = true;
}

absl::Status DataplaneSession::Reconcile(v1::DataplaneService::Stub& stub) {
  grpc::ClientContext ctx;
  SetDeadline(&ctx, options_.rpc_timeout);
  std::unique_ptr<grpc::ClientReader<v1::ReadResponse>> reader = stub.Read(&ctx, v1::ReadRequest());
  v1::ReadResponse chunk;
  std::vector<v1::Entity> entities;
  uint64_t version = 0;
  bool first = true;
  while (reader->Read(&chunk)) {
    if (first) version = chunk.installed_version();
    first = false;
    for (v1::Entity& e : *chunk.mutable_entities()) entities.push_back(std::move(e));
  }
  const grpc::Status s = reader->Finish();
  if (!s.ok()) return FromGrpc(s, absl::StrCat("dataplane ", options_.router_id, ": Read"));
  absl::StatusOr<srv6::EntityMap> map = srv6::MakeEntityMap(entities);
  if (!map.ok()) {
    return absl::InternalError(
        absl::StrCat("dataplane ", options_.router_id, ": Read: ", map.status().message()));
  }
  installed_ = *std::move(map);
  installed_version_ = version;
  PortsReport report;
  report.router_id = options_.router_id;
  for (const auto& [key, e] : installed_) {
    if (!e.has_port()) continue;
    report.ports[e.port().name()] = srv6::PortBinding{e.port().id(), e.port().devargs()};
  }
  report.ports_key = PortsKey(report.ports);
  ports_key_ = report.ports_key;
  {
    absl::MutexLock l(&mu_);
    synced_ = true;
    status_.set_installed_version(version);
    ++stats_.reads;
  }
  if (on_ports_) on_ports_(report);
  return absl::OkStatus();
}

absl::Status DataplaneSession::Push(v1::DataplaneService::Stub& stub,
                                    const DesiredForSession& desired) {
  // By reference into installed_ and desired.entities: each entity is copied
  // once, into the WriteRequest (a 16,000-rule state used to be copied four
  // times and compared by reflection, most of the controller's time).
  srv6::EntityDiffRefs diff = srv6::DiffEntityRefs(installed_, desired.entities);
  // Never delete ports (they are the dataplane's, from its command line);
  // during adoption keep steering rules and policies nobody asked for.
  const bool adopting = absl::Now() < options_.keep_unknown_until;
  size_t held = 0;
  std::erase_if(diff.deletes, [&](const srv6::UpdateRef& u) {
    const bool keep = u.entity->has_port() ||
                      (adopting && (u.entity->has_steering_rule() || u.entity->has_srv6_policy()));
    held += keep && !u.entity->has_port() ? 1 : 0;
    return keep;
  });
  const size_t total = diff.size();
  absl::Status result;
  for (const srv6::UpdateRefBatch& batch : srv6::MakeBeforeBreakRefBatches(diff)) {
    const size_t chunk = max_updates_per_write_ > 0 ? max_updates_per_write_ : batch.updates.size();
    for (size_t at = 0; at < batch.updates.size() && result.ok(); at += chunk) {
      const size_t end = std::min(batch.updates.size(), at + chunk);
      result =
          WriteBatch(stub, std::span<const srv6::UpdateRef>(batch.updates.data() + at, end - at));
    }
    if (!result.ok()) break;
  }
  absl::MutexLock l(&mu_);
  status_.set_pending_updates(result.ok() ? static_cast<uint32_t>(held)
                                          : static_cast<uint32_t>(total + held));
  status_.set_desired_version(installed_version_ + (result.ok() ? 0 : 1));
  if (result.ok()) {
    stats_.synced_generation = desired.generation;
  } else {
    if (result.code() == absl::StatusCode::kFailedPrecondition) synced_ = false;
    status_.set_last_error(std::string(result.message()));
    *status_.mutable_last_error_at() = api::ToProtoTime(absl::Now());
  }
  return result;
}

absl::Status DataplaneSession::WriteBatch(v1::DataplaneService::Stub& stub,
                                          std::span<const srv6::UpdateRef> updates) {
  // The request BORROWS the entities (they live in installed_ and in the
  // desired state, both unchanged until the call returns): no copy, and on
  // the arena no allocation or destruction per update. Copying 16,000
  // entities in and destroying them again was half the controller's time.
  google::protobuf::Arena arena;
  v1::WriteRequest& req = *google::protobuf::Arena::CreateMessage<v1::WriteRequest>(&arena);
  req.mutable_election_id()->set_high(options_.election_id_high);
  req.mutable_election_id()->set_low(options_.election_id_low);
  req.set_expected_version(installed_version_);
  req.set_new_version(installed_version_ + 1);
  req.mutable_updates()->Reserve(static_cast<int>(updates.size()));
  for (const srv6::UpdateRef& u : updates) {
    v1::Update* w = req.add_updates();
    w->set_type(u.type);
    // Only serialised (read) while borrowed.
    w->unsafe_arena_set_allocated_entity(const_cast<v1::Entity*>(u.entity));
  }
  grpc::ClientContext ctx;
  SetDeadline(&ctx, options_.rpc_timeout);
  v1::WriteResponse resp;
  const absl::Time started = absl::Now();
  const grpc::Status s = stub.Write(&ctx, req, &resp);
  const absl::Duration took = absl::Now() - started;
  for (v1::Update& w : *req.mutable_updates()) w.unsafe_arena_release_entity();  // Give back.
  if (!s.ok()) {
    std::string detail = WriteErrorText(s);
    return absl::Status(
        static_cast<absl::StatusCode>(s.error_code()),
        absl::StrCat("dataplane ", options_.router_id, ": Write ", installed_version_, " -> ",
                     installed_version_ + 1, " (", updates.size(), " updates): ", s.error_message(),
                     detail.empty() ? "" : absl::StrCat(" [", detail, "]")));
  }
  // The dataplane applied everything: mirror it. DELETEs point into
  // installed_ itself; each key occurs once per diff, so erasing one never
  // invalidates another update's reference.
  for (const srv6::UpdateRef& u : updates) {
    if (u.type == v1::UPDATE_TYPE_DELETE) {
      auto it = installed_.find(*u.key);
      if (it != installed_.end()) installed_.erase(it);
    } else if (v1::Entity& e = installed_[*u.key];
               e.has_steering_rule() && u.entity->has_steering_rule()) {
      // Copied into the installed rule, whose match and prefix are reused
      // (assigning the Entity would free and reallocate the whole rule).
      *e.mutable_steering_rule() = u.entity->steering_rule();
    } else {
      e = *u.entity;
    }
  }
  installed_version_ = resp.installed_version();
  absl::MutexLock l(&mu_);
  ++stats_.writes;
  stats_.updates_written += updates.size();
  stats_.write_time += took;
  stats_.apply_time += api::FromProtoDuration(resp.apply_duration());
  status_.set_installed_version(installed_version_);
  *status_.mutable_last_write_at() = api::ToProtoTime(absl::Now());
  return absl::OkStatus();
}

}  // namespace cpn::southbound
