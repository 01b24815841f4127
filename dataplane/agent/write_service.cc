#include "dataplane/agent/write_service.h"

#include <cstdio>
#include <mutex>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace cpn::dataplane::agent {
namespace {

grpc::StatusCode ToGrpc(absl::StatusCode c) {
  return static_cast<grpc::StatusCode>(static_cast<int>(c));
}

std::string Describe(const UpdateFailure& f) {
  std::string where = absl::StrCat("updates[", f.index, "]");
  if (f.type != v1::ENTITY_TYPE_UNSPECIFIED) {
    absl::StrAppend(&where, " (", KindName(f.type));
    if (!f.key.empty()) absl::StrAppend(&where, " \"", f.key, "\"");
    absl::StrAppend(&where, ")");
  }
  return absl::StrCat(where, ": ", f.message);
}

void SetNow(google::protobuf::Timestamp* ts) {
  const absl::Duration since = absl::Now() - absl::UnixEpoch();
  const int64_t ns = absl::ToInt64Nanoseconds(since);
  ts->set_seconds(ns / 1'000'000'000);
  ts->set_nanos(static_cast<int32_t>(ns % 1'000'000'000));
}

// The transaction after the request-level checks (see the header). Caller
// holds st.mu exclusively. `updates` are the request's; the new state gets
// `new_version`.
grpc::Status Commit(AgentState& st, const v1::WriteRequest& request, uint64_t new_version,
                    UndoLog* replaced) {
  const uint64_t installed = st.state.version;
  BatchResult batch = ApplyBatch(st.state, request, st.config.limits);
  if (!batch.errors.empty()) {  // ApplyBatch left st.state as it was.
    const UpdateFailure& first = batch.errors.front();
    std::string message = Describe(first);
    if (batch.errors.size() > 1) {
      absl::StrAppend(&message, " (and ", batch.errors.size() - 1,
                      " more failing updates; see WriteError in the status details)");
    }
    return WriteErrorStatus(first.code, message, installed, batch.errors);
  }
  // From here st.state is the batch's; every failure below puts it back.
  st.state.version = new_version;
  auto undo = [&st, &batch, installed] {
    Undo(st.state, batch.undo);
    st.state.version = installed;
  };

  auto update_index = [&request](uint32_t port_id) -> uint32_t {
    for (int i = 0; i < request.updates_size(); ++i) {
      const v1::Update& u = request.updates(i);
      if (u.type() == v1::UPDATE_TYPE_INSERT && u.entity().has_port() &&
          u.entity().port().id() == port_id) {
        return static_cast<uint32_t>(i);
      }
    }
    return 0;
  };
  std::map<uint32_t, std::unique_ptr<OpenPort>> opened;
  auto close_opened = [&st, &opened] {
    for (auto& [id, p] : opened) st.port_manager->Close(std::move(p));
    opened.clear();
  };
  for (uint32_t id : batch.inserted_ports) {
    absl::StatusOr<std::unique_ptr<OpenPort>> port =
        st.port_manager->Open(st.state.ports.at(id).devargs());
    if (!port.ok()) {
      close_opened();
      undo();
      UpdateFailure f{update_index(id), port.status().code(),
                      absl::StrCat("devargs: ", port.status().message()), v1::ENTITY_TYPE_PORT,
                      absl::StrCat(id)};
      return WriteErrorStatus(f.code, Describe(f), installed, {f});
    }
    opened.emplace(id, *std::move(port));
  }

  std::map<uint32_t, PortBinding> bindings = Bindings(st);
  for (uint32_t id : batch.deleted_ports) bindings.erase(id);
  for (const auto& [id, p] : opened) {
    PortBinding b;
    b.dpdk_id = p->dpdk_id;
    b.rx_queues = p->rx_queues;
    b.tx_queues = p->tx_queues;
    b.rss = p->rss;
    b.handoff = p->handoff;
    b.device_mac = p->device_mac;
    bindings[id] = b;
  }
  SlotMaps slots = st.slots;
  CompileResult compiled;
  if (absl::Status s = Compile(st.state, st.pipeline->current(), bindings, st.pipeline->workers(),
                               &slots, &compiled);
      !s.ok()) {
    close_opened();
    undo();
    const int blame = compiled.failed_kind != v1::ENTITY_TYPE_UNSPECIFIED
                          ? batch.first_write_of[compiled.failed_kind]
                          : -1;
    UpdateFailure f{
        blame >= 0 ? static_cast<uint32_t>(blame) : 0u, s.code(),
        absl::StrCat("cannot build the ", KindName(compiled.failed_kind), " table: ", s.message()),
        compiled.failed_kind, ""};
    return WriteErrorStatus(f.code, Describe(f), installed, {f});
  }

  // Counters of a newly used slot count from zero: rebase them before the
  // publish, while no worker can count for the new entity yet (once it is
  // published, packets on the ports opened above may be counted at once and
  // would vanish into a later base).
  for (uint32_t slot : compiled.new_rule_slots) {
    if (st.rule_base.size() <= slot) st.rule_base.resize(slot + 1);
    st.rule_base[slot] = SumRule(*st.pipeline, slot);
  }
  for (uint32_t slot : compiled.new_policy_slots) {
    if (st.policy_base.size() <= slot) st.policy_base.resize(slot + 1);
    st.policy_base[slot] = SumPolicy(*st.pipeline, slot);
  }
  for (uint32_t slot : compiled.new_sid_slots) {
    if (st.sid_base.size() <= slot) st.sid_base.resize(slot + 1);
    st.sid_base[slot] = SumSid(*st.pipeline, slot);
  }

  // One store: from their next loop iteration every worker forwards with the
  // whole batch; the old state is freed after they all passed a quiescent point.
  st.pipeline->Publish(std::move(compiled.state));

  st.slots = std::move(slots);
  st.installed_version.store(new_version);
  std::vector<std::unique_ptr<OpenPort>> gone;
  for (uint32_t id : batch.deleted_ports) {
    st.emulation_overrides.erase(id);  // A lab override goes with its port.
    auto it = st.ports.find(id);
    if (it == st.ports.end()) continue;
    gone.push_back(std::move(it->second));
    st.ports.erase(it);
  }
  for (auto& [id, p] : opened) st.ports[id] = std::move(p);
  for (uint32_t id : batch.mac_changed_ports) {
    auto it = st.ports.find(id);
    if (it == st.ports.end()) continue;
    const std::string& text = st.state.ports.at(id).mac_address();
    absl::StatusOr<rte_ether_addr> mac =
        text.empty() ? absl::StatusOr<rte_ether_addr>(it->second->device_mac) : ParseMac(text);
    if (!mac.ok()) continue;
    if (absl::Status s = st.port_manager->SetMac(*it->second, *mac); !s.ok()) {
      // Frames still carry the configured source MAC; only the device's
      // own receive filter (NICs; vdevs are promiscuous) is affected.
      std::fprintf(stderr, "cpn-dataplane: port %u: %s\n", id, std::string(s.message()).c_str());
    }
  }
  if (!gone.empty()) {
    // No worker may still poll or transmit on them.
    st.pipeline->Synchronize();
    for (auto& p : gone) st.port_manager->Close(std::move(p));
  }
  if (replaced != nullptr) *replaced = std::move(batch.undo);
  return grpc::Status::OK;
}

}  // namespace

grpc::Status WriteErrorStatus(absl::StatusCode code, const std::string& message,
                              uint64_t installed_version,
                              const std::vector<UpdateFailure>& failures) {
  v1::WriteError error;
  error.set_installed_version(installed_version);
  for (const UpdateFailure& f : failures) {
    v1::UpdateError* e = error.add_errors();
    e->set_index(f.index);
    e->set_code(static_cast<int32_t>(f.code));
    e->set_message(f.message);
    e->set_entity_type(f.type);
    e->set_entity_key(f.key);
  }
  v1::RpcStatus details;
  details.set_code(static_cast<int32_t>(code));
  details.set_message(message);
  details.add_details()->PackFrom(error);
  return grpc::Status(ToGrpc(code), message, details.SerializeAsString());
}

grpc::Status WriteService::Write(const v1::WriteRequest& request, v1::WriteResponse* response,
                                 UndoLog* replaced) {
  const absl::Time start = absl::Now();
  std::unique_lock<std::shared_mutex> lock(st_.mu);
  const uint64_t installed = st_.state.version;
  const ElectionId id = ElectionId::From(request.election_id());
  if (!arb_.IsPrimary(id)) {
    const std::optional<ElectionId> primary = arb_.Primary();
    return WriteErrorStatus(
        absl::StatusCode::kPermissionDenied,
        primary.has_value()
            ? absl::StrCat("election id ", ToString(id), " is not the primary's (",
                           ToString(*primary), ")")
            : absl::StrCat("no controller holds an open StreamChannel, so election id ",
                           ToString(id), " is not the primary"),
        installed, {});
  }
  if (request.new_version() <= request.expected_version()) {
    return WriteErrorStatus(
        absl::StatusCode::kInvalidArgument,
        absl::StrCat("new_version ", request.new_version(), " must be > expected_version ",
                     request.expected_version()),
        installed, {});
  }
  if (static_cast<uint32_t>(request.updates_size()) > st_.config.max_updates_per_write) {
    return WriteErrorStatus(absl::StatusCode::kInvalidArgument,
                            absl::StrCat(request.updates_size(), " updates; at most ",
                                         st_.config.max_updates_per_write, " per Write"),
                            installed, {});
  }
  if (request.expected_version() != installed) {
    return WriteErrorStatus(
        absl::StatusCode::kFailedPrecondition,
        absl::StrCat("expected_version ", request.expected_version(), ", but version ", installed,
                     " is installed; Read and reconcile"),
        installed, {});
  }
  grpc::Status status = Commit(st_, request, request.new_version(), replaced);
  if (!status.ok()) return status;
  const absl::Duration took = absl::Now() - start;
  lock.unlock();

  response->set_installed_version(request.new_version());
  const int64_t ns = absl::ToInt64Nanoseconds(took);
  response->mutable_apply_duration()->set_seconds(ns / 1'000'000'000);
  response->mutable_apply_duration()->set_nanos(static_cast<int32_t>(ns % 1'000'000'000));

  v1::StreamChannelResponse event;
  v1::InstalledVersionEvent* e = event.mutable_installed_version();
  e->set_installed_version(request.new_version());
  *e->mutable_writer_election_id() = id.ToProto();
  SetNow(e->mutable_applied_at());
  arb_.Broadcast(event);
  return grpc::Status::OK;
}

absl::Status WriteService::AddStartupPort(uint32_t id, const std::string& name,
                                          const std::string& devargs) {
  std::unique_lock<std::shared_mutex> lock(st_.mu);
  v1::WriteRequest request;
  v1::Update* u = request.add_updates();
  u->set_type(v1::UPDATE_TYPE_INSERT);
  v1::Port* p = u->mutable_entity()->mutable_port();
  p->set_id(id);
  p->set_name(name);
  p->set_devargs(devargs);
  p->set_admin_state(cpn::common::v1::ADMIN_STATE_UP);
  grpc::Status s = Commit(st_, request, st_.state.version, nullptr);
  if (s.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(static_cast<int>(s.error_code())),
                      s.error_message());
}

}  // namespace cpn::dataplane::agent
