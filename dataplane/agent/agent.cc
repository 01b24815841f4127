#include "dataplane/agent/agent.h"

#include <chrono>
#include <map>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "dataplane/agent/capabilities.h"
#include "google/protobuf/arena.h"

namespace cpn::dataplane::agent {

namespace {

// ALERT_KIND_EMULATION_OVERRIDE for every client, after a SetPortEmulation.
v1::StreamChannelResponse EmulationAlert(const v1::SetPortEmulationRequest& request,
                                         const v1::PortStatus& status) {
  v1::StreamChannelResponse r;
  v1::DataplaneAlert* alert = r.mutable_alert();
  alert->set_kind(v1::ALERT_KIND_EMULATION_OVERRIDE);
  const v1::LinkEmulation& e = status.effective_emulation();
  alert->set_message(
      request.has_clear()
          ? absl::StrCat("port ", request.port_id(), ": emulation override cleared")
          : absl::StrCat("port ", request.port_id(), ": emulation override set (delay ",
                         e.delay_us(), " us, rate ", e.rate_bps(), " bit/s, loss ",
                         e.loss_ratio(), ")"));
  const int64_t ns = absl::ToUnixNanos(absl::Now());
  alert->mutable_raised_at()->set_seconds(ns / 1'000'000'000);
  alert->mutable_raised_at()->set_nanos(static_cast<int32_t>(ns % 1'000'000'000));
  alert->set_entity_type(v1::ENTITY_TYPE_PORT);
  alert->set_entity_key(absl::StrCat(request.port_id()));
  return r;
}

// Write's request and response on one arena per call: no malloc per
// update to parse it, no free per update when the call ends.
class ArenaWriteAllocator final
    : public grpc::MessageAllocator<v1::WriteRequest, v1::WriteResponse> {
 public:
  grpc::MessageHolder<v1::WriteRequest, v1::WriteResponse>* AllocateMessages() override {
    return new Holder();
  }

 private:
  class Holder final : public grpc::MessageHolder<v1::WriteRequest, v1::WriteResponse> {
   public:
    Holder() {
      set_request(google::protobuf::Arena::CreateMessage<v1::WriteRequest>(&arena_));
      set_response(google::protobuf::Arena::CreateMessage<v1::WriteResponse>(&arena_));
    }
    void Release() override { delete this; }

   private:
    google::protobuf::Arena arena_;
  };
};

}  // namespace

class Agent::Service final
    : public v1::DataplaneService::WithCallbackMethod_Write<v1::DataplaneService::Service> {
 public:
  explicit Service(Agent* a) : a_(*a) { SetMessageAllocatorFor_Write(&allocator_); }

  grpc::Status GetCapabilities(grpc::ServerContext*, const v1::GetCapabilitiesRequest*,
                               v1::GetCapabilitiesResponse* response) override {
    *response = agent::Capabilities(*a_.state_);
    return grpc::Status::OK;
  }
  grpc::Status StreamChannel(grpc::ServerContext* context, Arbitrator::Stream* stream) override {
    return a_.arbitrator_->Serve(context, stream);
  }
  // The request and response live until Finish; the writer thread runs
  // the transaction and finishes the call.
  grpc::ServerUnaryReactor* Write(grpc::CallbackServerContext* context,
                                  const v1::WriteRequest* request,
                                  v1::WriteResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    a_.PostWrite([this, reactor, request, response] {
      UndoLog replaced;  // Freed after the answer is on its way.
      reactor->Finish(a_.write_->Write(*request, response, &replaced));
    });
    return reactor;
  }
  grpc::Status Read(grpc::ServerContext* context, const v1::ReadRequest* request,
                    grpc::ServerWriter<v1::ReadResponse>* writer) override {
    return a_.read_->Read(context, *request, writer);
  }
  grpc::Status StreamCounters(
      grpc::ServerContext* context, const v1::CountersRequest* request,
      grpc::ServerWriter<telemetry::v1::CountersSnapshot>* writer) override {
    return a_.counters_->Stream(context, *request, writer);
  }
  grpc::Status SetPortEmulation(grpc::ServerContext*, const v1::SetPortEmulationRequest* request,
                                v1::SetPortEmulationResponse* response) override {
    grpc::Status s = agent::SetPortEmulation(*a_.state_, *request, response);
    if (s.ok()) a_.arbitrator_->Broadcast(EmulationAlert(*request, response->status()));
    return s;
  }

 private:
  Agent& a_;
  ArenaWriteAllocator allocator_;
};

absl::StatusOr<std::unique_ptr<Agent>> Agent::Create(const AgentConfig& config, Pipeline* pipeline,
                                                     PortManager* ports) {
  if (config.dataplane_id.empty()) return absl::InvalidArgumentError("router id is empty");
  if (pipeline == nullptr || ports == nullptr) {
    return absl::InvalidArgumentError("agent needs a pipeline and a port manager");
  }
  const CounterSizes& sizes = pipeline->config().counter_sizes;
  const Capacities& cap = config.limits.capacities;
  if (sizes.rules < cap.steering_rules || sizes.policies < cap.srv6_policies ||
      sizes.sids < cap.local_sids) {
    return absl::InvalidArgumentError(
        "pipeline counter arrays are smaller than the agent's table capacities");
  }
  std::unique_ptr<Agent> a(new Agent());
  a->state_ = std::make_unique<AgentState>(config, pipeline, ports);
  std::random_device rd;
  a->state_->boot_id = (uint64_t{rd()} << 32) | rd();
  a->arbitrator_ = std::make_unique<Arbitrator>(config.dataplane_id, a->state_->boot_id,
                                                &a->state_->installed_version);
  a->write_ = std::make_unique<WriteService>(a->state_.get(), a->arbitrator_.get());
  a->read_ = std::make_unique<ReadService>(a->state_.get());
  a->counters_ = std::make_unique<CountersService>(a->state_.get());
  a->service_ = std::make_unique<Service>(a.get());
  return a;
}

Agent::~Agent() {
  Shutdown();
  ClosePorts();
}

absl::Status Agent::AddStartupPort(uint32_t id, const std::string& name,
                                   const std::string& devargs) {
  return write_->AddStartupPort(id, name, devargs);
}

absl::Status Agent::Start() {
  if (server_ != nullptr) return absl::FailedPreconditionError("agent already started");
  grpc::ServerBuilder builder;
  builder.AddListeningPort(state_->config.listen, grpc::InsecureServerCredentials(), &bound_port_);
  builder.RegisterService(service_.get());
  // Dead controllers are noticed by keepalive, so the next one takes over.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 10'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5'000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
  builder.SetMaxReceiveMessageSize(256 << 20);
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || bound_port_ == 0) {
    server_.reset();
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", state_->config.listen, " (address in use or invalid)"));
  }
  hk_stop_ = false;
  housekeeping_ = std::thread([this] { Housekeeping(); });
  {
    std::lock_guard<std::mutex> lock(w_mu_);
    w_stop_ = false;
  }
  writer_ = std::thread([this] { Writer(); });
  return absl::OkStatus();
}

void Agent::Shutdown() {
  if (server_ == nullptr) return;
  arbitrator_->Shutdown();
  counters_->Shutdown();
  // The writer finishes the Writes still queued while the server drains.
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  server_->Wait();
  server_.reset();
  {
    std::lock_guard<std::mutex> lock(w_mu_);
    w_stop_ = true;
  }
  w_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  {
    std::lock_guard<std::mutex> lock(hk_mu_);
    hk_stop_ = true;
  }
  hk_cv_.notify_all();
  if (housekeeping_.joinable()) housekeeping_.join();
}

void Agent::ClosePorts() {
  if (state_ == nullptr) return;
  std::unique_lock<std::shared_mutex> lock(state_->mu);
  if (state_->ports.empty()) return;
  // Unlist the ports first, so a still-running worker never touches a closed one.
  auto empty = std::make_unique<ForwardingState>();
  state_->pipeline->Publish(std::move(empty));
  state_->pipeline->Synchronize();
  for (auto& [id, p] : state_->ports) state_->port_manager->Close(std::move(p));
  state_->ports.clear();
}

void Agent::PostWrite(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(w_mu_);
    w_jobs_.push_back(std::move(job));
  }
  w_cv_.notify_one();
}

void Agent::Writer() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(w_mu_);
      w_cv_.wait(lock, [this] { return w_stop_ || !w_jobs_.empty(); });
      if (w_jobs_.empty()) return;  // Stopped, nothing left.
      job = std::move(w_jobs_.front());
      w_jobs_.pop_front();
    }
    job();
  }
}

void Agent::Housekeeping() {
  std::map<uint32_t, telemetry::v1::OperState> last;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(hk_mu_);
      hk_cv_.wait_for(lock, absl::ToChronoNanoseconds(state_->config.housekeeping_interval),
                      [this] { return hk_stop_; });
      if (hk_stop_) return;
    }
    state_->pipeline->Reclaim();
    reconnector_.Poll(*state_, absl::Now());
    std::vector<v1::StreamChannelResponse> events;
    {
      std::shared_lock<std::shared_mutex> lock(state_->mu);
      for (const auto& [id, port] : state_->state.ports) {
        v1::PortStatus status;
        FillPortStatus(*state_, id, &status);
        auto it = last.find(id);
        if (it != last.end() && it->second == status.oper_state()) continue;
        const bool first = it == last.end();
        last[id] = status.oper_state();
        if (first) continue;  // Report changes, not the initial state.
        v1::StreamChannelResponse e;
        v1::PortStatusEvent* ps = e.mutable_port_status();
        ps->set_port_id(id);
        ps->set_name(port.name());
        ps->set_oper_state(status.oper_state());
        const int64_t ns = absl::ToUnixNanos(absl::Now());
        ps->mutable_changed_at()->set_seconds(ns / 1'000'000'000);
        ps->mutable_changed_at()->set_nanos(static_cast<int32_t>(ns % 1'000'000'000));
        events.push_back(std::move(e));
      }
      for (auto it = last.begin(); it != last.end();) {
        it = state_->state.ports.count(it->first) == 0 ? last.erase(it) : std::next(it);
      }
    }
    for (const auto& e : events) arbitrator_->Broadcast(e);
  }
}

}  // namespace cpn::dataplane::agent
