#include "lab/site/site_server.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace cpn::lab {

namespace v1 = cpn::lab::v1;

// Below gRPC's default 4 MiB message limit, with room for the other fields.
constexpr uint32_t kMaxResponseBytes = (4u << 20) - 1024;

class SiteServer::Service : public v1::SiteService::CallbackService {
 public:
  explicit Service(SiteServer* site) : site_(site) {}
  grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* context,
                                  const v1::ServeRequest* request,
                                  v1::ServeResponse* response) override {
    return site_->Serve(context, request, response);
  }
  grpc::ServerUnaryReactor* SetMetricDelay(grpc::CallbackServerContext* context,
                                           const v1::SetMetricDelayRequest* request,
                                           v1::SetMetricDelayResponse*) override {
    site_->metric_delay_ms_.store(request->delay_ms());
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  SiteServer* site_;
};

SiteServer::SiteServer(SiteServerOptions options, ServiceTimeSampler sampler)
    : options_(std::move(options)),
      metric_delay_ms_(options_.metric_delay_ms),
      pool_(options_.servers, options_.max_queue, 0.0),
      sampler_(std::move(sampler)) {}

absl::StatusOr<std::unique_ptr<SiteServer>> SiteServer::Start(SiteServerOptions options,
                                                              ServiceTimeSampler sampler) {
  if (options.servers < 1) return absl::InvalidArgumentError("servers must be >= 1");
  if (options.site_id.empty()) return absl::InvalidArgumentError("site id is empty");
  std::unique_ptr<SiteServer> site(new SiteServer(std::move(options), std::move(sampler)));
  site->service_ = std::make_unique<Service>(site.get());
  grpc::ServerBuilder builder;
  builder.AddListeningPort(site->options_.listen_address, grpc::InsecureServerCredentials(),
                           &site->port_);
  builder.RegisterService(site->service_.get());
  site->server_ = builder.BuildAndStart();
  if (site->server_ == nullptr || site->port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", site->options_.listen_address));
  }
  site->timer_ = std::thread([s = site.get()] { s->TimerLoop(); });
  return site;
}

SiteServer::~SiteServer() { Shutdown(); }

double SiteServer::Seconds(Clock::time_point t) const {
  return std::chrono::duration<double>(t - epoch_).count();
}

void SiteServer::StartLocked(uint64_t id, Clock::time_point now) {
  Call& call = calls_[id];
  call.started = now;
  call.service_ms = sampler_.NextMs();
  due_.push({now + std::chrono::duration_cast<Clock::duration>(
                       std::chrono::duration<double, std::milli>(call.service_ms)),
             id});
  wake_.notify_one();
}

grpc::ServerUnaryReactor* SiteServer::Serve(grpc::CallbackServerContext* context,
                                            const v1::ServeRequest* request,
                                            v1::ServeResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!request->service_id().empty() && request->service_id() != options_.service_id) {
    reactor->Finish(
        grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                     absl::StrCat("site \"", options_.site_id, "\" serves \"", options_.service_id,
                                  "\", not \"", request->service_id(), "\"")));
    return reactor;
  }
  if (request->response_bytes() > kMaxResponseBytes) {
    reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                 absl::StrCat("response_bytes ", request->response_bytes(),
                                              " is above the limit of ", kMaxResponseBytes)));
    return reactor;
  }
  response->set_request_id(request->request_id());
  response->set_site_id(options_.site_id);
  response->set_service_id(options_.service_id);
  response->mutable_payload()->assign(request->response_bytes(), 'r');
  const Clock::time_point now = Clock::now();
  grpc::Status refusal;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      refusal = grpc::Status(grpc::StatusCode::UNAVAILABLE, "site shutting down");
    } else {
      const uint64_t id = next_call_++;
      switch (pool_.Arrive(id, Seconds(now))) {
        case FifoPool::Admission::kRejected:
          refusal = grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                 absl::StrCat("site \"", options_.site_id, "\": queue full (",
                                              options_.max_queue, " waiting)"));
          break;
        case FifoPool::Admission::kStarted:
          calls_[id] = Call{reactor, response, now, now, 0, context->deadline()};
          StartLocked(id, now);
          return reactor;
        case FifoPool::Admission::kQueued:
          calls_[id] = Call{reactor, response, now, now, 0, context->deadline()};
          return reactor;
      }
    }
  }
  reactor->Finish(refusal);
  return reactor;
}

void SiteServer::TimerLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (due_.empty()) {
      wake_.wait(lock);
      continue;
    }
    const Clock::time_point at = due_.top().at;
    if (Clock::now() < at) {
      wake_.wait_until(lock, at);
      continue;
    }
    // Complete every call that is due, starting the next queued ones.
    std::vector<grpc::ServerUnaryReactor*> done, expired;
    const Clock::time_point now = Clock::now();
    const auto wall_now = std::chrono::system_clock::now();
    while (!due_.empty() && due_.top().at <= now) {
      // The nominal end: the next call starts when the server became free,
      // not when this thread woke, so wake-up lateness does not pile up.
      const Clock::time_point end = due_.top().at;
      const uint64_t id = due_.top().call;
      due_.pop();
      auto it = calls_.find(id);
      Call& call = it->second;
      const double wait_ms =
          std::chrono::duration<double, std::milli>(call.started - call.arrived).count();
      call.response->set_queue_wait_ms(wait_ms);
      call.response->set_service_time_ms(call.service_ms);
      const double sojourn_ms = wait_ms + call.service_ms;
      std::optional<uint64_t> next = pool_.Finish(Seconds(end), call.service_ms, sojourn_ms);
      done.push_back(call.reactor);
      calls_.erase(it);
      while (next) {
        auto n = calls_.find(*next);
        if (n->second.deadline > wall_now) break;
        expired.push_back(n->second.reactor);
        calls_.erase(n);
        next = pool_.Abandon(Seconds(end));
      }
      if (next) StartLocked(*next, end);
    }
    lock.unlock();
    for (grpc::ServerUnaryReactor* r : done) r->Finish(grpc::Status::OK);
    for (grpc::ServerUnaryReactor* r : expired) {
      r->Finish(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "deadline passed in the queue"));
    }
    lock.lock();
  }
}

LoadWindow SiteServer::TakeWindow() {
  std::lock_guard<std::mutex> lock(mu_);
  return pool_.TakeWindow(Seconds(Clock::now()));
}

void SiteServer::Shutdown() {
  std::vector<grpc::ServerUnaryReactor*> pending;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    for (auto& [id, call] : calls_) pending.push_back(call.reactor);
    calls_.clear();
    wake_.notify_all();
  }
  if (timer_.joinable()) timer_.join();
  for (grpc::ServerUnaryReactor* r : pending) {
    r->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "site shutting down"));
  }
  if (server_ != nullptr)
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
}

}  // namespace cpn::lab
