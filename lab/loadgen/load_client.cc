#include "lab/loadgen/load_client.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cpn/lab/v1/site.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/status_code_enum.h"

namespace cpn::lab {
namespace {

namespace v1 = cpn::lab::v1;

std::string CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    default:
      return absl::StrCat("CODE_", static_cast<int>(code));
  }
}

// One channel of the pool: its own TCP connection (flow).
struct Connection {
  uint64_t id = 0;
  std::unique_ptr<v1::SiteService::Stub> stub;
  int used = 0;
};

std::shared_ptr<Connection> Connect(const std::string& target, uint64_t id) {
  grpc::ChannelArguments args;
  // A local subchannel pool and a distinct argument keep gRPC from sharing
  // one connection between channels to the same target.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt("cpn.loadgen.connection", static_cast<int>(id));
  auto c = std::make_shared<Connection>();
  c->id = id;
  c->stub = v1::SiteService::NewStub(
      grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args));
  return c;
}

// State of one request until its answer arrives.
struct InFlight {
  grpc::ClientContext context;
  v1::ServeRequest request;
  v1::ServeResponse response;
  std::shared_ptr<Connection> connection;  // kept alive while in flight
  RequestRecord record;
};

}  // namespace

std::vector<RequestRecord> RunLoad(const LoadOptions& options,
                                   const std::vector<double>& arrivals) {
  std::mutex mu;
  std::condition_variable all_done;
  std::vector<RequestRecord> records;
  records.reserve(arrivals.size());
  size_t outstanding = 0;

  std::mt19937_64 rng(options.seed ^ 0x5eedULL);
  std::vector<std::shared_ptr<Connection>> pool(
      static_cast<size_t>(std::max(1, options.connections)));
  // Replaced channels stay alive until the end: the last answer on a
  // channel then never destroys it from a gRPC callback thread.
  std::vector<std::shared_ptr<Connection>> retired;
  uint64_t next_connection = 1;
  const std::string payload(options.request_bytes, 'q');

  const absl::Time start = absl::Now();
  for (size_t i = 0; i < arrivals.size(); ++i) {
    const absl::Time at = start + absl::Seconds(arrivals[i]);
    const absl::Duration ahead = at - absl::Now();
    if (ahead > absl::ZeroDuration()) absl::SleepFor(ahead);  // late: send at once (open loop)

    std::shared_ptr<Connection>& slot = pool[i % pool.size()];
    if (slot == nullptr ||
        (options.requests_per_connection > 0 && slot->used >= options.requests_per_connection)) {
      if (slot != nullptr) retired.push_back(std::move(slot));
      slot = Connect(options.target, next_connection++);
    }
    ++slot->used;
    auto* call = new InFlight;
    call->connection = slot;
    call->record.request_id = i + 1;
    call->record.connection = slot->id;
    if (!options.services.empty()) {
      call->record.service =
          options
              .services[std::uniform_int_distribution<size_t>(0, options.services.size() - 1)(rng)];
    }
    call->request.set_request_id(i + 1);
    call->request.set_service_id(call->record.service);
    call->request.set_payload(payload);
    call->request.set_response_bytes(options.response_bytes);
    call->context.set_deadline(absl::ToChronoTime(absl::Now() + options.timeout));
    const absl::Time now = absl::Now();
    call->record.send_unix_ns = absl::ToUnixNanos(now);
    call->request.set_client_send_unix_ns(call->record.send_unix_ns);
    {
      std::lock_guard<std::mutex> lock(mu);
      ++outstanding;
    }
    slot->stub->async()->Serve(&call->context, &call->request, &call->response,
                               [call, &mu, &records, &outstanding, &all_done](grpc::Status status) {
                                 RequestRecord& r = call->record;
                                 r.done_unix_ns = absl::ToUnixNanos(absl::Now());
                                 r.status = CodeName(status.error_code());
                                 if (status.ok()) {
                                   r.site_id = call->response.site_id();
                                   r.queue_wait_ms = call->response.queue_wait_ms();
                                   r.service_time_ms = call->response.service_time_ms();
                                 }
                                 std::lock_guard<std::mutex> lock(mu);
                                 records.push_back(std::move(r));
                                 delete call;
                                 if (--outstanding == 0) all_done.notify_all();
                               });
  }
  // Every call has a deadline, so every callback comes.
  std::unique_lock<std::mutex> lock(mu);
  all_done.wait(lock, [&] { return outstanding == 0; });
  return records;
}

}  // namespace cpn::lab
