#include "tests/dataplane/agent/dataplane_harness.h"

#include <atomic>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/dataplane/stages/test_packets.h"

namespace cpn::testing {

// ---------------------------------------------------------------------------
// ControllerStream

ControllerStream::ControllerStream(v1::DataplaneService::Stub* stub, uint64_t election_id,
                                   std::string client_id)
    : election_id_(election_id), client_id_(std::move(client_id)) {
  stream_ = stub->StreamChannel(&context_);
  reader_ = std::thread([this] {
    v1::StreamChannelResponse r;
    while (stream_->Read(&r)) {
      std::lock_guard<std::mutex> lock(mu_);
      received_.push_back(r);
      cv_.notify_all();
    }
    grpc::Status s = stream_->Finish();
    std::lock_guard<std::mutex> lock(mu_);
    final_ = s;
    ended_ = true;
    cv_.notify_all();
  });
  if (election_id != 0) SendArbitration(election_id);
}

ControllerStream::~ControllerStream() { Close(); }

bool ControllerStream::SendArbitration(uint64_t election_id) {
  election_id_ = election_id;
  v1::StreamChannelRequest req;
  req.mutable_arbitration()->mutable_election_id()->set_low(election_id);
  req.mutable_arbitration()->set_client_id(client_id_);
  return Send(req);
}

bool ControllerStream::Send(const v1::StreamChannelRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_ || ended_) return false;
  return stream_->Write(request);
}

template <typename T>
std::optional<T> ControllerStream::Next(std::function<bool(const v1::StreamChannelResponse&)> match,
                                        std::function<T(const v1::StreamChannelResponse&)> get,
                                        std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    for (auto it = received_.begin(); it != received_.end(); ++it) {
      if (match(*it)) {
        T out = get(*it);
        received_.erase(it);
        return out;
      }
    }
    if (ended_) return std::nullopt;
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout) return std::nullopt;
  }
}

std::optional<v1::ArbitrationResponse> ControllerStream::NextArbitration(
    std::chrono::milliseconds timeout) {
  return Next<v1::ArbitrationResponse>(
      [](const v1::StreamChannelResponse& r) { return r.has_arbitration(); },
      [](const v1::StreamChannelResponse& r) { return r.arbitration(); }, timeout);
}

std::optional<v1::InstalledVersionEvent> ControllerStream::NextInstalledVersion(
    std::chrono::milliseconds timeout) {
  return Next<v1::InstalledVersionEvent>(
      [](const v1::StreamChannelResponse& r) { return r.has_installed_version(); },
      [](const v1::StreamChannelResponse& r) { return r.installed_version(); }, timeout);
}

grpc::Status ControllerStream::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!closed_ && !ended_) stream_->WritesDone();
    closed_ = true;
  }
  if (reader_.joinable()) {
    // The server ends the stream after our half-close; cancel if it hangs.
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, std::chrono::seconds(5), [this] { return ended_; })) {
      context_.TryCancel();
    }
    lock.unlock();
    reader_.join();
  }
  std::lock_guard<std::mutex> lock(mu_);
  return final_;
}

grpc::Status ControllerStream::WaitForEnd(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!cv_.wait_for(lock, timeout, [this] { return ended_; })) {
    return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "stream did not end");
  }
  return final_;
}

// ---------------------------------------------------------------------------
// DataplaneHarness

DataplaneHarness::DataplaneHarness(const HarnessOptions& o) {
  ports_ = std::make_unique<dataplane::PortManager>(MetaPktPool(), o.workers);
  dataplane::PipelineConfig pc;
  pc.workers = o.workers;
  pc.affinity_capacity_per_worker = o.affinity_per_worker;
  pc.affinity_idle_timeout_ms = o.affinity_idle_timeout_ms;
  pc.idle.max_sleep_us = 200;  // Tests want packets through quickly.
  dataplane::agent::AgentConfig ac;
  ac.dataplane_id = o.router_id;
  ac.listen = "127.0.0.1:0";
  pc.lab_emulation = ac.limits.lab_emulation = o.lab_emulation;
  ac.limits.capacities.local_sids = 1024;
  ac.limits.capacities.srv6_policies = 1024;
  ac.limits.capacities.steering_rules = 1024;
  pc.counter_sizes = dataplane::CounterSizes{1024, 1024, 1024};
  auto pipeline = dataplane::Pipeline::Create(pc);
  EXPECT_TRUE(pipeline.ok()) << pipeline.status();
  if (!pipeline.ok()) return;
  pipeline_ = *std::move(pipeline);
  auto agent = dataplane::agent::Agent::Create(ac, pipeline_.get(), ports_.get());
  EXPECT_TRUE(agent.ok()) << agent.status();
  if (!agent.ok()) return;
  agent_ = *std::move(agent);
  EXPECT_TRUE(pipeline_->Start().ok());
  const absl::Status s = agent_->Start();
  EXPECT_TRUE(s.ok()) << s;
  channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", agent_->bound_port()),
                                 grpc::InsecureChannelCredentials());
  stub_ = v1::DataplaneService::NewStub(channel_);
}

DataplaneHarness::~DataplaneHarness() { Stop(); }

void DataplaneHarness::Stop() {
  if (agent_ != nullptr) agent_->Shutdown();
  if (pipeline_ != nullptr) pipeline_->Stop();
  if (agent_ != nullptr) agent_->ClosePorts();
  stub_.reset();
  channel_.reset();
  agent_.reset();
  pipeline_.reset();
  ports_.reset();
}

std::unique_ptr<ControllerStream> DataplaneHarness::Connect(uint64_t election_id,
                                                            const std::string& client_id) {
  auto c = std::make_unique<ControllerStream>(stub_.get(), election_id, client_id);
  std::optional<v1::ArbitrationResponse> r = c->NextArbitration();
  EXPECT_TRUE(r.has_value()) << "no arbitration response for election id " << election_id;
  return c;
}

grpc::Status DataplaneHarness::Write(uint64_t election_id, uint64_t expected, uint64_t next,
                                     const std::vector<v1::Update>& updates) {
  v1::WriteRequest req;
  req.mutable_election_id()->set_low(election_id);
  req.set_expected_version(expected);
  req.set_new_version(next);
  for (const auto& u : updates) *req.add_updates() = u;
  v1::WriteResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  grpc::Status s = stub_->Write(&ctx, req, &resp);
  if (s.ok()) {
    EXPECT_EQ(resp.installed_version(), next);
  }
  return s;
}

std::vector<v1::Entity> DataplaneHarness::Read(uint64_t* version,
                                               const std::vector<v1::EntityType>& kinds) {
  v1::ReadRequest req;
  for (auto k : kinds) req.add_entity_types(k);
  grpc::ClientContext ctx;
  auto reader = stub_->Read(&ctx, req);
  std::vector<v1::Entity> out;
  v1::ReadResponse chunk;
  std::optional<uint64_t> seen;
  while (reader->Read(&chunk)) {
    if (seen.has_value()) {
      EXPECT_EQ(*seen, chunk.installed_version());
    }
    seen = chunk.installed_version();
    for (const auto& e : chunk.entities()) out.push_back(e);
  }
  const grpc::Status s = reader->Finish();
  EXPECT_TRUE(s.ok()) << s.error_message();
  if (version != nullptr) *version = seen.value_or(UINT64_MAX);
  return out;
}

tv1::CountersSnapshot DataplaneHarness::Counters() {
  v1::CountersRequest req;
  req.mutable_interval()->set_nanos(100'000'000);
  grpc::ClientContext ctx;
  auto reader = stub_->StreamCounters(&ctx, req);
  tv1::CountersSnapshot snap;
  EXPECT_TRUE(reader->Read(&snap));
  ctx.TryCancel();
  (void)reader->Finish();
  return snap;
}

tv1::CountersSnapshot DataplaneHarness::WaitForCounters(
    const std::function<bool(const tv1::CountersSnapshot&)>& done,
    std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  tv1::CountersSnapshot snap = Counters();
  while (!done(snap) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    snap = Counters();
  }
  return snap;
}

// ---------------------------------------------------------------------------
// Builders

namespace {

v1::Update Make(v1::UpdateType t, v1::Entity e) {
  v1::Update u;
  u.set_type(t);
  *u.mutable_entity() = std::move(e);
  return u;
}

v1::NextHop Hop(uint32_t port, const std::string& address) {
  v1::NextHop nh;
  nh.set_port_id(port);
  nh.set_address(address);
  return nh;
}

}  // namespace

v1::Update Insert(v1::Entity e) { return Make(v1::UPDATE_TYPE_INSERT, std::move(e)); }
v1::Update Modify(v1::Entity e) { return Make(v1::UPDATE_TYPE_MODIFY, std::move(e)); }
v1::Update Delete(v1::Entity e) { return Make(v1::UPDATE_TYPE_DELETE, std::move(e)); }

v1::Entity PortEntity(uint32_t id, const std::string& name, const std::string& devargs,
                      const std::string& mac) {
  v1::Entity e;
  v1::Port* p = e.mutable_port();
  p->set_id(id);
  p->set_name(name);
  p->set_devargs(devargs);
  p->set_mac_address(mac);
  return e;
}

v1::Entity NeighborEntity(uint32_t port, const std::string& address, const std::string& mac) {
  v1::Entity e;
  e.mutable_neighbor()->set_port_id(port);
  e.mutable_neighbor()->set_address(address);
  e.mutable_neighbor()->set_mac_address(mac);
  return e;
}

v1::Entity RouteVia(uint32_t table, const std::string& prefix,
                    const std::vector<std::pair<uint32_t, std::string>>& next_hops) {
  v1::Entity e;
  e.mutable_route()->set_table_id(table);
  e.mutable_route()->set_prefix(prefix);
  for (const auto& [port, addr] : next_hops) {
    *e.mutable_route()->mutable_next_hops()->add_next_hops() = Hop(port, addr);
  }
  return e;
}

v1::Entity RouteLocal(uint32_t table, const std::string& prefix) {
  v1::Entity e;
  e.mutable_route()->set_table_id(table);
  e.mutable_route()->set_prefix(prefix);
  e.mutable_route()->mutable_local();
  return e;
}

v1::Entity RouteBlackhole(uint32_t table, const std::string& prefix) {
  v1::Entity e;
  e.mutable_route()->set_table_id(table);
  e.mutable_route()->set_prefix(prefix);
  e.mutable_route()->mutable_blackhole();
  return e;
}

v1::Entity SidEnd(const std::string& sid, const std::vector<v1::SidFlavor>& flavors) {
  v1::Entity e;
  e.mutable_local_sid()->set_sid(sid);
  e.mutable_local_sid()->mutable_end();
  for (auto f : flavors) e.mutable_local_sid()->add_flavors(f);
  return e;
}

v1::Entity SidDx6(const std::string& sid, uint32_t port, const std::string& address) {
  v1::Entity e;
  e.mutable_local_sid()->set_sid(sid);
  *e.mutable_local_sid()->mutable_end_dx6()->mutable_next_hop() = Hop(port, address);
  return e;
}

v1::Entity SidDx4(const std::string& sid, uint32_t port, const std::string& address) {
  v1::Entity e;
  e.mutable_local_sid()->set_sid(sid);
  *e.mutable_local_sid()->mutable_end_dx4()->mutable_next_hop() = Hop(port, address);
  return e;
}

v1::Entity SidDt6(const std::string& sid, uint32_t table) {
  v1::Entity e;
  e.mutable_local_sid()->set_sid(sid);
  e.mutable_local_sid()->mutable_end_dt6()->set_table_id(table);
  return e;
}

v1::Entity PolicyEntity(uint32_t id, const std::string& source,
                        const std::vector<std::string>& segments, v1::EncapMode mode,
                        uint32_t hop_limit) {
  v1::Entity e;
  v1::Srv6Policy* p = e.mutable_srv6_policy();
  p->set_id(id);
  p->set_source_address(source);
  for (const auto& s : segments) p->add_segments(s);
  p->set_encap_mode(mode);
  p->set_hop_limit(hop_limit);
  return e;
}

v1::Entity RuleEntity(uint32_t id, const std::string& prefix,
                      const std::vector<std::pair<uint32_t, uint32_t>>& weighted,
                      cpn::compute::v1::Protocol protocol) {
  v1::Entity e;
  v1::SteeringRule* r = e.mutable_steering_rule();
  r->set_id(id);
  r->mutable_match()->set_destination_prefix(prefix);
  r->mutable_match()->set_protocol(protocol);
  for (const auto& [pid, w] : weighted) {
    v1::WeightedPolicy* wp = r->mutable_weighted()->add_policies();
    wp->set_policy_id(pid);
    wp->set_weight(w);
  }
  return e;
}

grpc::Status SetEmulation(DataplaneHarness& h, uint32_t port, const v1::LinkEmulation* e,
                          v1::PortStatus* status) {
  grpc::ClientContext ctx;
  v1::SetPortEmulationRequest req;
  req.set_port_id(port);
  if (e != nullptr) {
    *req.mutable_emulation() = *e;
  } else {
    req.mutable_clear();
  }
  v1::SetPortEmulationResponse resp;
  grpc::Status s = h.stub().SetPortEmulation(&ctx, req, &resp);
  if (status != nullptr) *status = resp.status();
  return s;
}

std::optional<v1::WriteError> WriteErrorOf(const grpc::Status& status) {
  v1::RpcStatus rs;
  if (status.error_details().empty() || !rs.ParseFromString(status.error_details())) {
    return std::nullopt;
  }
  for (const auto& any : rs.details()) {
    v1::WriteError we;
    if (any.UnpackTo(&we)) return we;
  }
  return std::nullopt;
}

std::string UniqueVdev(const std::string& driver) {
  static std::atomic<int> n{0};
  return absl::StrCat(driver, "_t", n.fetch_add(1));
}

uint64_t DropsOf(const tv1::CountersSnapshot& s, tv1::DropReason reason) {
  for (const auto& d : s.drops()) {
    if (d.reason() == reason) return d.packets();
  }
  return 0;
}

const tv1::PortCounters* PortOf(const tv1::CountersSnapshot& s, uint32_t id) {
  for (const auto& p : s.ports()) {
    if (p.port_id() == id) return &p;
  }
  return nullptr;
}

const tv1::SteeringRuleCounters* RuleOf(const tv1::CountersSnapshot& s, uint32_t id) {
  for (const auto& r : s.steering_rules()) {
    if (r.rule_id() == id) return &r;
  }
  return nullptr;
}

const tv1::PolicyCounters* PolicyOf(const tv1::CountersSnapshot& s, uint32_t id) {
  for (const auto& p : s.policies()) {
    if (p.policy_id() == id) return &p;
  }
  return nullptr;
}

}  // namespace cpn::testing
