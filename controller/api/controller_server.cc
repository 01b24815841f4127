#include "controller/api/controller_server.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "grpc/grpc.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

namespace cpn::api {

namespace {
constexpr int kMaxMessageBytes = 256 << 20;
}  // namespace

ControllerServer::ControllerServer(ControllerServerOptions options,
                                   std::unique_ptr<ModelStore> model,
                                   std::unique_ptr<DecisionEngine> engine, const Clock* clock,
                                   const DataplaneSessionSource* sessions)
    : options_(std::move(options)),
      clock_(clock != nullptr ? clock : &real_clock_),
      model_(std::move(model)),
      engine_(std::move(engine)),
      demands_(clock_),
      metrics_(model_.get(), clock_, options_.metrics),
      hub_(options_.max_watchers),
      loop_(model_.get(), &demands_, &metrics_, &link_loads_, engine_.get(), &hub_, clock_,
            options_.loop),
      inventory_service_(model_.get()),
      state_service_(model_.get(), &metrics_, &link_loads_, &loop_, clock_),
      demand_service_(model_.get(), &demands_, &loop_),
      decisions_service_(&loop_, &hub_, engine_.get()),
      status_service_(
          ControllerIdentity{options_.controller_id, options_.software_version, clock_->Now()},
          model_.get(), &demands_, &loop_, sessions),
      grpc_service_(ControllerServiceParts{&inventory_service_, &metrics_, &state_service_,
                                           &demand_service_, &decisions_service_, &status_service_,
                                           options_.max_metric_streams}) {
  // A model change prunes demands of deleted routers and services, then
  // asks for an immediate decision.
  model_->AddListener([this](const ModelSnapshot& snap) {
    demands_.Prune(*snap.model);
    loop_.Trigger();
  });
  if (options_.metrics_trigger_interval > absl::ZeroDuration()) {
    metrics_.SetOnAccepted([this] {
      const int64_t now = absl::ToUnixNanos(clock_->Now());
      int64_t last = last_metrics_trigger_ns_.load(std::memory_order_relaxed);
      const int64_t interval = absl::ToInt64Nanoseconds(options_.metrics_trigger_interval);
      if (now - last < interval) {
        // Within the rate limit: run once it ends rather than waiting for
        // the epoch (reports of several sites often arrive together).
        loop_.TriggerIn(absl::Nanoseconds(last + interval - now));
        return;
      }
      if (last_metrics_trigger_ns_.compare_exchange_strong(last, now)) loop_.Trigger();
    });
  }
}

absl::StatusOr<std::unique_ptr<ControllerServer>> ControllerServer::Start(
    ControllerServerOptions options, cpn::topology::v1::Topology initial,
    std::unique_ptr<DecisionEngine> engine, const Clock* clock,
    const DataplaneSessionSource* sessions) {
  if (engine == nullptr) return absl::InvalidArgumentError("no decision engine");
  if (options.loop.epoch_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("the epoch interval must be > 0");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<ModelStore> model, ModelStore::Create(std::move(initial)));
  std::unique_ptr<ControllerServer> s(new ControllerServer(std::move(options), std::move(model),
                                                           std::move(engine), clock, sessions));
  grpc::ServerBuilder builder;
  builder.AddListeningPort(s->options_.listen_address, grpc::InsecureServerCredentials(),
                           &s->port_);
  builder.RegisterService(&s->grpc_service_);
  if (s->options_.extra_services) {
    s->extra_services_ = s->options_.extra_services(*s);
    for (const auto& service : s->extra_services_) builder.RegisterService(service.get());
  }
  // A second controller on the same port must fail, not share it.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Whole topologies travel in one message (ImportTopology, GetTopology).
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  s->server_ = builder.BuildAndStart();
  if (s->server_ == nullptr || s->port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", s->options_.listen_address,
                                               " (address in use, or not a valid host:port)"));
  }
  s->loop_.Start();
  return s;
}

ControllerServer::~ControllerServer() { Shutdown(absl::ZeroDuration()); }

std::string ControllerServer::address() const {
  const std::string& listen = options_.listen_address;
  std::string host = listen.substr(0, listen.rfind(':'));
  if (host.empty() || host == "[::]" || host == "0.0.0.0") host = "localhost";
  return absl::StrCat(host, ":", port_);
}

void ControllerServer::Shutdown(absl::Duration grace) {
  if (shut_down_) return;
  shut_down_ = true;
  hub_.Close();
  if (server_ != nullptr) server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  loop_.Stop();
}

void ControllerServer::Wait() {
  if (server_ != nullptr) server_->Wait();
}

}  // namespace cpn::api
