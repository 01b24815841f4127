// An in-process cpn-dataplane for tests: pipeline + port manager + agent,
// the agent serving DataplaneService on a real localhost socket (ephemeral
// port), and gRPC clients that talk to it as a controller would. Also
// builders for entities and updates, and the decoding of Write errors.
//
// Needs EAL (link cpn_test_eal). Test threads only.
#ifndef CPN_TESTS_DATAPLANE_AGENT_DATAPLANE_HARNESS_H_
#define CPN_TESTS_DATAPLANE_AGENT_DATAPLANE_HARNESS_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cpn/dataplane/v1/dataplane.grpc.pb.h"
#include "dataplane/agent/agent.h"
#include "dataplane/pipeline/pipeline.h"
#include "dataplane/pipeline/port_manager.h"
#include "grpcpp/grpcpp.h"

namespace cpn::testing {

namespace v1 = ::cpn::dataplane::v1;
namespace tv1 = ::cpn::telemetry::v1;

struct HarnessOptions {
  uint32_t workers = 1;
  uint32_t affinity_per_worker = 1u << 14;
  uint64_t affinity_idle_timeout_ms = 60'000;
  std::string router_id = "r1";
  bool lab_emulation = false;  // cpn-dataplane --lab-emulation.
};

// A controller's StreamChannel: arbitrates, then collects what the
// dataplane sends on a background thread.
class ControllerStream {
 public:
  ControllerStream(v1::DataplaneService::Stub* stub, uint64_t election_id, std::string client_id);
  ~ControllerStream();  // Close().

  // The next arbitration response (waits up to `timeout`).
  std::optional<v1::ArbitrationResponse> NextArbitration(
      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // The next installed-version event.
  std::optional<v1::InstalledVersionEvent> NextInstalledVersion(
      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Sends another ArbitrationRequest (e.g. to change the election id).
  bool SendArbitration(uint64_t election_id);
  // Sends a raw request (e.g. an empty one).
  bool Send(const v1::StreamChannelRequest& request);
  // Half-closes and waits for the stream's final status.
  grpc::Status Close();
  // The final status once the server ended the stream (waits).
  grpc::Status WaitForEnd(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  uint64_t election_id() const { return election_id_; }

 private:
  template <typename T>
  std::optional<T> Next(std::function<bool(const v1::StreamChannelResponse&)> match,
                        std::function<T(const v1::StreamChannelResponse&)> get,
                        std::chrono::milliseconds timeout);

  uint64_t election_id_;
  std::string client_id_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::StreamChannelRequest, v1::StreamChannelResponse>>
      stream_;
  std::thread reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<v1::StreamChannelResponse> received_;
  bool ended_ = false;
  bool closed_ = false;
  grpc::Status final_;
};

class DataplaneHarness {
 public:
  explicit DataplaneHarness(const HarnessOptions& options = {});
  ~DataplaneHarness();

  v1::DataplaneService::Stub& stub() { return *stub_; }
  dataplane::Pipeline& pipeline() { return *pipeline_; }
  dataplane::agent::Agent& agent() { return *agent_; }
  int port() const { return agent_->bound_port(); }

  // Connects a controller with `election_id` and waits for its first role.
  std::unique_ptr<ControllerStream> Connect(uint64_t election_id,
                                            const std::string& client_id = "test-controller");

  // Write as `election_id`; versions given explicitly.
  grpc::Status Write(uint64_t election_id, uint64_t expected, uint64_t next,
                     const std::vector<v1::Update>& updates);
  // Reads everything (or the given kinds); fails the test on error.
  std::vector<v1::Entity> Read(uint64_t* version = nullptr,
                               const std::vector<v1::EntityType>& kinds = {});
  // One counters sample over StreamCounters.
  tv1::CountersSnapshot Counters();
  // Polls counters (every 20 ms) until `done` or `timeout`; returns the last.
  tv1::CountersSnapshot WaitForCounters(
      const std::function<bool(const tv1::CountersSnapshot&)>& done,
      std::chrono::milliseconds timeout = std::chrono::seconds(10));

  void Stop();  // Stops everything; the destructor calls it.

 private:
  std::unique_ptr<dataplane::PortManager> ports_;
  std::unique_ptr<dataplane::Pipeline> pipeline_;
  std::unique_ptr<dataplane::agent::Agent> agent_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::DataplaneService::Stub> stub_;
};

// --- Entities and updates. ---
v1::Update Insert(v1::Entity e);
v1::Update Modify(v1::Entity e);
v1::Update Delete(v1::Entity e);

v1::Entity PortEntity(uint32_t id, const std::string& name, const std::string& devargs,
                      const std::string& mac = "");
v1::Entity NeighborEntity(uint32_t port, const std::string& address, const std::string& mac);
v1::Entity RouteVia(uint32_t table, const std::string& prefix,
                    const std::vector<std::pair<uint32_t, std::string>>& next_hops);
v1::Entity RouteLocal(uint32_t table, const std::string& prefix);
v1::Entity RouteBlackhole(uint32_t table, const std::string& prefix);
v1::Entity SidEnd(const std::string& sid, const std::vector<v1::SidFlavor>& flavors = {});
v1::Entity SidDx6(const std::string& sid, uint32_t port, const std::string& address);
v1::Entity SidDx4(const std::string& sid, uint32_t port, const std::string& address);
v1::Entity SidDt6(const std::string& sid, uint32_t table);
v1::Entity PolicyEntity(uint32_t id, const std::string& source,
                        const std::vector<std::string>& segments,
                        v1::EncapMode mode = v1::ENCAP_MODE_H_ENCAPS, uint32_t hop_limit = 0);
v1::Entity RuleEntity(uint32_t id, const std::string& prefix,
                      const std::vector<std::pair<uint32_t, uint32_t>>& weighted,
                      cpn::compute::v1::Protocol protocol = cpn::compute::v1::PROTOCOL_UDP);

// SetPortEmulation of `port`: the override `e`, or back to Port.emulation
// when null; the port's status after the change in *status when given.
grpc::Status SetEmulation(DataplaneHarness& h, uint32_t port, const v1::LinkEmulation* e,
                          v1::PortStatus* status = nullptr);

// The WriteError in a failed Write's status details (empty when absent).
std::optional<v1::WriteError> WriteErrorOf(const grpc::Status& status);

// A vdev name unique in the process: "<driver><n>" (e.g. "net_pcap7").
std::string UniqueVdev(const std::string& driver);

// Counter helpers.
uint64_t DropsOf(const tv1::CountersSnapshot& s, tv1::DropReason reason);
const tv1::PortCounters* PortOf(const tv1::CountersSnapshot& s, uint32_t id);
const tv1::SteeringRuleCounters* RuleOf(const tv1::CountersSnapshot& s, uint32_t id);
const tv1::PolicyCounters* PolicyOf(const tv1::CountersSnapshot& s, uint32_t id);

}  // namespace cpn::testing

#endif  // CPN_TESTS_DATAPLANE_AGENT_DATAPLANE_HARNESS_H_
