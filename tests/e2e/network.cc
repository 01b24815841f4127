#include "tests/e2e/network.h"

#include <arpa/inet.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "controller/api/proto_time.h"
#include "gtest/gtest.h"
#include "tests/dataplane/pipeline/pipeline_test_util.h"

#ifndef CPN_DATAPLANE_BINARY
#error "CPN_DATAPLANE_BINARY must name the cpn-dataplane executable"
#endif
#ifndef CPN_CONTROLLER_BINARY
#error "CPN_CONTROLLER_BINARY must name the cpn-controller executable"
#endif

namespace cpn::testing {

namespace v1 = cpn::dataplane::v1;
namespace cv1 = cpn::controller::v1;

namespace {

constexpr char kGenOutMac[] = "02:00:00:00:00:99";
constexpr char kAccessMac[] = "02:00:00:00:01:00";
const std::map<std::string, std::string> kSiteGatewayMac = {{"s1", "02:00:00:00:0a:01"},
                                                            {"s2", "02:00:00:00:0a:02"}};

std::unique_ptr<grpc::ClientContext> Ctx(std::chrono::seconds timeout = std::chrono::seconds(10)) {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + timeout);
  return c;
}

std::string Addr(int port) { return absl::StrCat("127.0.0.1:", port); }

// The topology: three routers in a line, two sites at the last, and a
// backup link from the first to the last (IGP metric 30 against 20, 5 ms
// against 2 ms: unused while the line is whole).
std::string TopologyText(const std::map<std::string, int>& grpc_ports) {
  auto router = [&](const std::string& id, int n, const std::string& role) {
    return absl::StrCat("routers { id: \"", id, "\" srv6_locator: \"fcbb:bb00:", n,
                        "::/48\" roles: ", role, " loopback_ipv6: \"fcbb:bb00:", n,
                        "::1\" dataplane_address: \"", Addr(grpc_ports.at(id)), "\" }\n");
  };
  auto link = [](const std::string& id, const std::string& a, const std::string& ai,
                 const std::string& amac, const std::string& b, const std::string& bi,
                 const std::string& bmac, int delay_us = 1000, int metric = 10) {
    return absl::StrCat("links { id: \"", id, "\" a { router_id: \"", a, "\" interface: \"", ai,
                        "\" mac_address: \"", amac, "\" } b { router_id: \"", b, "\" interface: \"",
                        bi, "\" mac_address: \"", bmac, "\" } propagation_delay_us: ", delay_us,
                        " capacity_bps: 10000000000 igp_metric: ", metric, " }\n");
  };
  auto site = [](const std::string& id, int n) {
    return absl::StrCat("sites { id: \"", id, "\" attachment { router_id: \"st\" interface: \"site",
                        n, "\" next_hop_ipv6: \"2001:db8:5:", n,
                        "::2\" site_prefixes: \"2001:db8:5:", n,
                        "::/64\" } capacities { service_id: \"", kService, "\" servers: 8 } }\n");
  };
  return absl::StrCat(
      "name: \"e2e\"\n", router("ing", 1, "ROUTER_ROLE_INGRESS"),
      router("tr", 2, "ROUTER_ROLE_CORE"), router("st", 3, "ROUTER_ROLE_SITE_GATEWAY"),
      link("ing-tr", "ing", "eth1", "02:00:00:00:01:01", "tr", "eth1", "02:00:00:00:02:01"),
      link("tr-st", "tr", "eth2", "02:00:00:00:02:02", "st", "eth1", "02:00:00:00:03:01"),
      link("ing-st", "ing", "eth2", "02:00:00:00:01:02", "st", "eth2", "02:00:00:00:03:02", 5000,
           30),
      site("s1", 1), site("s2", 2), "services { id: \"", kService, "\" anycast_prefix: \"",
      kServicePrefix,
      "\" protocol: PROTOCOL_UDP latency_bound_ms: 10000 mean_request_bytes: 1000 "
      "mean_response_bytes: 1000 mean_service_time_ms: 100 }\n");
}

std::string FlowKey(const uint8_t* src16, uint16_t sport) {
  char text[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, src16, text, sizeof(text));
  return absl::StrCat(text, "/", sport);
}

}  // namespace

Flow ServiceFlow(int n) {
  return Flow{absl::StrCat("2001:db8:1::", n + 1), "2001:db8:cafe:1::7",
              static_cast<uint16_t>(10000 + n), 4242};
}

Network::Network() {
  std::string templ = "/tmp/cpn-e2e-XXXXXX";
  dir_ = mkdtemp(templ.data());
  WritePcap(dir_ + "/empty.pcap", {});
}

Network::~Network() {
  for (Controller& c : controllers_) c.process->Signal(SIGTERM, std::chrono::seconds(5));
  controllers_.clear();
  gen_stream_.reset();
  for (auto& [id, d] : dataplanes_) {
    d.stub.reset();
    if (d.process != nullptr) d.process->Signal(SIGTERM, std::chrono::seconds(5));
  }
  dataplanes_.clear();  // SIGKILL whatever did not stop, reap
  std::error_code ignored;
  for (const std::string& prefix : prefixes_)
    std::filesystem::remove_all(DpdkRuntimeDir(prefix), ignored);
  if (getenv("CPN_KEEP_TEST_FILES") == nullptr) {
    std::filesystem::remove_all(dir_, ignored);
  }
}

std::vector<std::string> Network::PortArgs(const std::string& router, int start) const {
  auto memif = [&](int n, const std::string& role, const std::string& sock,
                   const std::string& mac) {
    return absl::StrCat("net_memif", n, ",role=", role, ",socket=", dir_, "/", sock, ",mac=", mac);
  };
  auto pcap = [&](int n, const std::string& tx) {
    return absl::StrCat("net_pcap", n, ",rx_pcap=", dir_, "/empty.pcap,tx_pcap=", dir_, "/", tx);
  };
  if (router == "ing") {
    return {"--port", "eth1=" + memif(0, "server", "l1.sock", "02:00:00:00:01:01"),
            "--port", "access=" + memif(1, "server", "access.sock", kAccessMac),
            "--port", "eth2=" + memif(2, "server", "l3.sock", "02:00:00:00:01:02")};
  }
  if (router == "tr") {
    return {"--port", "eth1=" + memif(0, "client", "l1.sock", "02:00:00:00:02:01"), "--port",
            "eth2=" + memif(1, "server", "l2.sock", "02:00:00:00:02:02")};
  }
  if (router == "st") {
    return {"--port", "eth1=" + memif(0, "client", "l2.sock", "02:00:00:00:03:01"),
            "--port", "site1=" + pcap(0, absl::StrCat("site1-", start, ".pcap")),
            "--port", "site2=" + pcap(1, absl::StrCat("site2-", start, ".pcap")),
            "--port", "eth2=" + memif(1, "client", "l3.sock", "02:00:00:00:03:02")};
  }
  return {"--port", "out=" + memif(0, "client", "access.sock", kGenOutMac)};  // gen
}

void Network::StartDataplane(const std::string& router) {
  Dataplane& d = dataplanes_[router];
  if (d.grpc_port == 0) d.grpc_port = FreeTcpPort();
  ++d.starts;
  prefixes_.push_back(absl::StrCat("cpne2e", getpid(), router, d.starts));
  std::vector<std::string> args = {
      CPN_DATAPLANE_BINARY, "--router-id", router, "--listen", Addr(d.grpc_port),
      "--workers",          "1",           "-m",   "256",      "--file-prefix",
      prefixes_.back(),     "--metrics-listen", "127.0.0.1:0", "--lab-emulation"};
  for (const std::string& a : PortArgs(router, d.starts)) args.push_back(a);
  d.process = std::make_unique<ChildProcess>(args);
  const std::string port = d.process->WaitForNumberAfter("serving DataplaneService on 127.0.0.1:");
  ASSERT_EQ(port, std::to_string(d.grpc_port)) << router << ":\n" << d.process->log();
  const std::string metrics = d.process->WaitForNumberAfter("metrics on http://127.0.0.1:");
  ASSERT_FALSE(metrics.empty()) << router << ":\n" << d.process->log();
  d.metrics_port = std::stoi(metrics);
  d.stub = v1::DataplaneService::NewStub(
      grpc::CreateChannel(Addr(d.grpc_port), grpc::InsecureChannelCredentials()));
}

void Network::StartDataplanes() {
  for (const char* r : {"ing", "tr", "st", "gen"}) {
    StartDataplane(r);
    if (::testing::Test::HasFatalFailure()) return;
  }
  WriteTopology();
  ProgramGen();
  for (const char* r : {"ing", "tr", "st", "gen"}) {
    ASSERT_TRUE(WaitPortsUp(r, std::chrono::seconds(10))) << r << " memif ports not up";
  }
}

void Network::WriteTopology() {
  std::map<std::string, int> ports;
  for (const auto& [id, d] : dataplanes_) ports[id] = d.grpc_port;
  topology_path_ = dir_ + "/topology.txtpb";
  std::ofstream(topology_path_) << TopologyText(ports);
}

void Network::ProgramGen() {
  gen_stream_ = std::make_unique<ControllerStream>(&dataplane("gen"), 1, "e2e-test");
  ASSERT_TRUE(gen_stream_->NextArbitration().has_value());
  v1::WriteRequest w;
  w.mutable_election_id()->set_low(1);
  w.set_expected_version(gen_version_);
  w.set_new_version(++gen_version_);
  *w.add_updates() = Insert(NeighborEntity(1, "fe80::2", kAccessMac));
  *w.add_updates() = Insert(RouteVia(0, "2001:db8:cafe::/48", {{1, "fe80::2"}}));
  v1::WriteResponse r;
  const grpc::Status s = dataplane("gen").Write(Ctx().get(), w, &r);
  ASSERT_TRUE(s.ok()) << s.error_message();
}

bool Network::WaitPortsUp(const std::string& router, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    std::vector<v1::Entity> es;
    Read(router, &es);
    bool up = !es.empty();
    for (const v1::Entity& e : es) {
      if (e.has_port() && e.port().devargs().rfind("net_memif", 0) == 0 &&
          e.port().status().oper_state() != cpn::telemetry::v1::OPER_STATE_UP) {
        up = false;
      }
    }
    if (up) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

int Network::StartController(uint64_t election_id, int epoch_ms,
                             const std::vector<std::string>& extra) {
  Controller c;
  std::vector<std::string> args = {CPN_CONTROLLER_BINARY,
                                   "--topology",
                                   topology_path_,
                                   "--listen",
                                   "127.0.0.1:0",
                                   "--epoch-ms",
                                   std::to_string(epoch_ms),
                                   "--no-damping",
                                   "--election-id",
                                   std::to_string(election_id),
                                   "--controller-id",
                                   absl::StrCat("ctl", election_id),
                                   "--adopt-grace-s",
                                   "10"};
  for (const auto& [site, mac] : kSiteGatewayMac) {
    args.push_back("--site-gateway-mac");
    args.push_back(absl::StrCat(site, "=", mac));
  }
  args.insert(args.end(), extra.begin(), extra.end());
  c.process = std::make_unique<ChildProcess>(args);
  const std::string port = c.process->WaitForNumberAfter("(port ");
  EXPECT_FALSE(port.empty()) << c.process->log();
  c.stub = cv1::ControllerService::NewStub(grpc::CreateChannel(
      Addr(std::stoi(port.empty() ? "1" : port)), grpc::InsecureChannelCredentials()));
  controllers_.push_back(std::move(c));
  return static_cast<int>(controllers_.size()) - 1;
}

void Network::KillController(int index) { controllers_.at(index).process->Signal(SIGKILL); }

void Network::RestartDataplane(const std::string& router) {
  dataplanes_.at(router).process->Signal(SIGKILL);
  StartDataplane(router);
}

cv1::ControllerService::Stub& Network::controller(int index) {
  return *controllers_.at(index).stub;
}

v1::DataplaneService::Stub& Network::dataplane(const std::string& router) {
  return *dataplanes_.at(router).stub;
}

void Network::SetDemand(int controller, double rps) {
  cv1::SetDemandRequest set;
  set.mutable_demand()->set_ingress_router_id("ing");
  set.mutable_demand()->set_service_id(kService);
  set.mutable_demand()->set_requests_per_second(rps);
  cv1::SetDemandResponse out;
  const grpc::Status s = this->controller(controller).SetDemand(Ctx().get(), set, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
}

void Network::ReportLoad(int controller, double busy_s1, double busy_s2) {
  grpc::ClientContext ctx;
  auto stream = this->controller(controller).ReportMetrics(&ctx);
  for (const auto& [site, busy] :
       {std::pair<std::string, double>{"s1", busy_s1}, {"s2", busy_s2}}) {
    cpn::compute::v1::ComputeMetrics m;
    m.set_site_id(site);
    m.set_service_id(kService);
    m.set_sequence(++metrics_sequence_);
    m.set_reporter_id(absl::StrCat("agent-", site));
    *m.mutable_measured_at() = api::ToProtoTime(absl::Now());
    auto* b = m.add_l0();
    b->set_type(cpn::compute::v1::METRIC_TYPE_BUSY_SERVERS);
    b->set_unit(cpn::compute::v1::METRIC_UNIT_COUNT);
    b->set_value(busy);
    auto* a = m.add_l0();
    a->set_type(cpn::compute::v1::METRIC_TYPE_AVAILABLE_SERVERS);
    a->set_unit(cpn::compute::v1::METRIC_UNIT_COUNT);
    a->set_value(8);
    ASSERT_TRUE(stream->Write(m));
    cv1::ReportMetricsResponse r;
    ASSERT_TRUE(stream->Read(&r));
    ASSERT_TRUE(r.has_accepted()) << r.DebugString();
  }
  stream->WritesDone();
  ASSERT_TRUE(stream->Finish().ok());
}

void Network::CutLink(int controller, const std::string& link) {
  // Port.ids of each link's ends, in PortArgs' order.
  const std::map<std::string, std::vector<std::pair<std::string, uint32_t>>> ends = {
      {"ing-tr", {{"ing", 1}, {"tr", 1}}},
      {"tr-st", {{"tr", 2}, {"st", 1}}},
      {"ing-st", {{"ing", 3}, {"st", 4}}}};
  for (const auto& [router, port] : ends.at(link)) {
    v1::SetPortEmulationRequest req;
    req.set_port_id(port);
    req.mutable_emulation()->set_loss_ratio(1.0);
    v1::SetPortEmulationResponse resp;
    const grpc::Status s = dataplane(router).SetPortEmulation(Ctx().get(), req, &resp);
    ASSERT_TRUE(s.ok()) << router << " port " << port << ": " << s.error_message();
  }
  cv1::UpdateLinkRequest update;
  update.mutable_link()->set_id(link);
  update.mutable_link()->set_admin_state(cpn::common::v1::ADMIN_STATE_DOWN);
  update.mutable_update_mask()->add_paths("admin_state");
  cv1::UpdateLinkResponse out;
  const grpc::Status s = this->controller(controller).UpdateLink(Ctx().get(), update, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
}

uint64_t Network::Read(const std::string& router, std::vector<v1::Entity>* out) {
  auto ctx = Ctx();
  auto reader = dataplane(router).Read(ctx.get(), v1::ReadRequest());
  v1::ReadResponse r;
  uint64_t version = 0;
  while (reader->Read(&r)) {
    version = r.installed_version();
    if (out != nullptr) {
      for (const v1::Entity& e : r.entities()) out->push_back(e);
    }
  }
  if (!reader->Finish().ok()) return UINT64_MAX;
  return version;
}

std::map<std::string, uint32_t> Network::IngressWeights() {
  std::vector<v1::Entity> es;
  Read("ing", &es);
  std::map<uint32_t, std::string> site_of_policy;
  for (const v1::Entity& e : es) {
    if (!e.has_srv6_policy() || e.srv6_policy().segments().empty()) continue;
    // The last segment is st's End.DX6 SID of the site; st's local SIDs
    // say which site each one leads to (by the site's next hop).
    site_of_policy[e.srv6_policy().id()] = e.srv6_policy().segments().rbegin()->c_str();
  }
  std::vector<v1::Entity> st;
  Read("st", &st);
  std::map<std::string, std::string> site_of_sid;
  for (const v1::Entity& e : st) {
    if (!e.has_local_sid() || !e.local_sid().has_end_dx6()) continue;
    site_of_sid[e.local_sid().sid()] =
        e.local_sid().end_dx6().next_hop().address() == "2001:db8:5:1::2" ? "s1" : "s2";
  }
  std::map<std::string, uint32_t> out;
  for (const v1::Entity& e : es) {
    if (!e.has_steering_rule() || !e.steering_rule().has_weighted()) continue;
    for (const v1::WeightedPolicy& w : e.steering_rule().weighted().policies()) {
      out[site_of_sid[site_of_policy[w.policy_id()]]] += w.weight();
    }
  }
  return out;
}

bool Network::WaitForSessions(int controller, cv1::SessionState state,
                              std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    cv1::GetStatusResponse r;
    if (this->controller(controller).GetStatus(Ctx().get(), cv1::GetStatusRequest(), &r).ok()) {
      bool all = r.status().dataplanes_size() == 3;
      for (const cv1::DataplaneSession& d : r.status().dataplanes()) {
        all = all && d.state() == state &&
              (state != cv1::SESSION_STATE_PRIMARY ||
               ((d.has_last_write_at() || d.installed_version() > 0) && d.pending_updates() == 0));
      }
      if (all) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

std::vector<Bytes> Network::SiteFrames(int site) const {
  std::vector<Bytes> all;
  const int starts = dataplanes_.at("st").starts;
  for (int s = 1; s <= starts; ++s) {
    std::vector<Bytes> f;
    ReadPcap(absl::StrCat(dir_, "/site", site, "-", s, ".pcap"), &f);
    all.insert(all.end(), f.begin(), f.end());
  }
  return all;
}

SiteCapture Network::Inject(const std::vector<Flow>& flows) {
  const size_t before1 = SiteFrames(1).size(), before2 = SiteFrames(2).size();
  std::vector<Bytes> frames;
  for (const Flow& f : flows) frames.push_back(Frame(f));
  const uint32_t port = static_cast<uint32_t>(++gen_ports_);
  const std::string rx = absl::StrCat(dir_, "/inject", port, ".pcap");
  v1::WriteRequest w;
  w.mutable_election_id()->set_low(1);
  w.set_expected_version(gen_version_);
  w.set_new_version(++gen_version_);
  *w.add_updates() = Insert(PortEntity(port, absl::StrCat("in", port),
                                       PcapPort(rx, frames, absl::StrCat(rx, ".discard"))));
  v1::WriteResponse r;
  const grpc::Status s = dataplane("gen").Write(Ctx().get(), w, &r);
  EXPECT_TRUE(s.ok()) << s.error_message();
  SiteCapture out;
  for (int i = 0; i < 500; ++i) {
    out.frames_s1 = SiteFrames(1);
    out.frames_s2 = SiteFrames(2);
    if (out.frames_s1.size() + out.frames_s2.size() >= before1 + before2 + flows.size()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  out.frames_s1.erase(out.frames_s1.begin(),
                      out.frames_s1.begin() + static_cast<ptrdiff_t>(before1));
  out.frames_s2.erase(out.frames_s2.begin(),
                      out.frames_s2.begin() + static_cast<ptrdiff_t>(before2));
  for (const auto& [site, fs] :
       {std::pair<std::string, const std::vector<Bytes>*>{"s1", &out.frames_s1},
        {"s2", &out.frames_s2}}) {
    for (const Bytes& f : *fs) {
      if (f.size() < 14 + 40 + 8) continue;
      const uint16_t sport = static_cast<uint16_t>(f[14 + 40] << 8 | f[14 + 41]);
      out.site_of_flow[FlowKey(&f[14 + 8], sport)] = site;
    }
  }
  return out;
}

cpn::telemetry::v1::CountersSnapshot Network::Counters(const std::string& router) {
  auto ctx = Ctx();
  auto reader = dataplane(router).StreamCounters(ctx.get(), v1::CountersRequest());
  cpn::telemetry::v1::CountersSnapshot snap;
  reader->Read(&snap);
  ctx->TryCancel();
  reader->Finish().IgnoreError();
  return snap;
}

}  // namespace cpn::testing
