// IPFIX end to end: the cpn-dataplane executable, started with
// --ipfix-collector pointing at a UDP socket of this test, steers a pcap of
// a few flows; when they idle out it exports one record per flow. The test
// wraps the received datagrams in UDP/IPv4 frames and has tshark's cflow
// dissector decode them: five-tuples, packet and octet counts, times, end
// reason, observation domain, and the SRv6 elements (tshark 4.0 has no
// names for the RFC 9487 elements nor for CPN's policy id, so it shows them
// as cflow.enterprise_private_entry bytes, in template order) -- the
// segment list of every flow must be the one its packets were actually
// encapsulated with. /metrics counts what was sent. A second run keeps the
// flows active until SIGTERM: they are reported then, as forced ends.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/e2e/child_process.h"
#include "tests/common/telemetry/http_get.h"
#include "tests/dataplane/agent/dataplane_harness.h"
#include "tests/dataplane/pipeline/pipeline_test_util.h"
#include "tests/dataplane/stages/test_packets.h"
#include "tests/dataplane/telemetry/ipfix_test_util.h"

#ifndef CPN_DATAPLANE_BINARY
#error "CPN_DATAPLANE_BINARY must name the cpn-dataplane executable"
#endif

namespace cpn::testing {
namespace {

// A UDP socket on 127.0.0.1 (the collector).
class Collector {
 public:
  Collector() {
    fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    socklen_t len = sizeof(a);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    timeval tv{0, 100'000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  ~Collector() { close(fd_); }
  uint16_t port() const { return port_; }
  // Everything that arrives within `ms`.
  void Drain(int ms, std::vector<std::vector<uint8_t>>* out) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < until) {
      uint8_t buf[65536];
      const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n > 0) out->emplace_back(buf, buf + n);
    }
  }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

uint64_t Metric(int port, const std::string& sample) {
  const telemetry::testing::HttpResponse page = telemetry::testing::HttpGet(port, "/metrics");
  const size_t at = page.body.find("\n" + sample + " ");
  if (at == std::string::npos) return UINT64_MAX;
  return std::stoull(page.body.substr(at + sample.size() + 2));
}

// "Dec  7, 2026 02:14:03.123000000 UTC" -> Unix seconds (-1 when it is not).
int64_t TsharkTime(const std::string& s) {
  std::tm tm{};
  if (strptime(s.c_str(), "%b %d, %Y %H:%M:%S", &tm) == nullptr) return -1;
  return static_cast<int64_t>(timegm(&tm));
}

// Hex digits (tshark's bytes fields), from byte `from` on -> IPv6 text.
std::string V6Text(const std::string& hex, size_t from = 0) {
  uint8_t a[16] = {};
  for (size_t i = 0; i < 16 && 2 * (from + i) + 1 < hex.size(); ++i) {
    a[i] = static_cast<uint8_t>(std::stoi(hex.substr(2 * (from + i), 2), nullptr, 16));
  }
  char text[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, a, text, sizeof(text));
  return text;
}

// Flow i sends i + 1 packets of 80 bytes (IPv6 40 + UDP 8 + 32).
constexpr int kFlows = 6;

// The dataplane, programmed with two policies (two sites) and a rule, having
// steered the pcap of kFlows flows; `srh_of` says which segments each flow's
// packets carried (by source port).
class DpIpfixBinary : public ::testing::Test {
 protected:
  void Start(const std::string& idle_timeout_s, const std::string& workers) {
    out_ = TempFile("out.pcap");
    const std::string empty = TempFile("empty.pcap");
    ASSERT_TRUE(WritePcap(empty, {}));
    t0_ = static_cast<int64_t>(std::time(nullptr));
    dp_ = std::make_unique<ChildProcess>(std::vector<std::string>{
        CPN_DATAPLANE_BINARY,
        "--router-id",
        "shanghai",
        "--listen",
        "127.0.0.1:0",
        "--workers",
        workers,
        "-m",
        "256",
        "--metrics-listen",
        "127.0.0.1:0",
        "--affinity-idle-timeout",
        idle_timeout_s,
        "--ipfix-collector",
        absl::StrCat("127.0.0.1:", collector_.port()),
        "--ipfix-domain-id",
        "4242",
        "--ipfix-active-timeout-s",
        "60",
        "--ipfix-max-records-per-s",
        "1000",
        "--port",
        absl::StrCat("core=net_pcap0,rx_pcap=", empty, ",tx_pcap=", out_)});
    ASSERT_FALSE(dp_->WaitForNumberAfter("IPFIX flow records to 127.0.0.1:").empty()) << dp_->log();
    const std::string metrics_port = dp_->WaitForNumberAfter("metrics on http://127.0.0.1:");
    ASSERT_FALSE(metrics_port.empty()) << dp_->log();
    metrics_port_ = std::stoi(metrics_port);
    const std::string port = dp_->WaitForNumberAfter("serving DataplaneService on 127.0.0.1:");
    ASSERT_FALSE(port.empty()) << dp_->log();
    channel_ =
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
    stub_ = v1::DataplaneService::NewStub(channel_);
    ctl_ = std::make_unique<ControllerStream>(stub_.get(), 42, "ipfix-test");
    ASSERT_TRUE(ctl_->NextArbitration().has_value());

    std::vector<Bytes> in;
    for (int i = 0; i < kFlows; ++i) {
      flows_.push_back(Flow{absl::StrCat("2001:db8:1::", i + 1), "2001:db8:cafe::1",
                            static_cast<uint16_t>(20000 + i), 443});
    }
    for (int round = 0; round < kFlows; ++round) {
      for (int i = round; i < kFlows; ++i) in.push_back(Frame(flows_[i], 32, 0));
    }
    const v1::WriteRequest w = TwoPolicySteeringWrite(in);
    {
      grpc::ClientContext ctx;
      v1::WriteResponse resp;
      const grpc::Status s = stub_->Write(&ctx, w, &resp);
      ASSERT_TRUE(s.ok()) << s.error_message();
    }
    std::vector<Bytes> frames;
    for (int i = 0; i < 500 && frames.size() < in.size(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      ReadPcap(out_, &frames);
    }
    ASSERT_EQ(frames.size(), in.size());
    for (const Bytes& f : frames) {
      const SrOut o = DecodeSrFrame(f);
      ASSERT_TRUE(o.ok);
      srh_of_[o.sport] = o.srh;
    }
  }

  // tshark's reading of `datagrams`: exactly one record per flow, each with
  // the right five-tuple, counts, times, `reason` and segment list.
  void ExpectOneRecordPerFlow(const std::vector<std::vector<uint8_t>>& datagrams,
                              const std::string& reason) {
    const int64_t t1 = static_cast<int64_t>(std::time(nullptr));
    std::string raw;
    const std::vector<std::string> fields = {
        "cflow.od_id",        "cflow.srcaddrv6",  "cflow.dstaddrv6",
        "cflow.srcport",      "cflow.dstport",    "cflow.protocol",
        "cflow.packets",      "cflow.octets",     "cflow.flow_end_reason",
        "cflow.abstimestart", "cflow.abstimeend", "cflow.enterprise_private_entry"};
    const auto rows = TsharkFields(datagrams, collector_.port(), fields, &raw);
    int records = 0;
    std::map<uint16_t, bool> seen;
    for (const auto& row : rows) {
      ASSERT_EQ(row.size(), fields.size()) << raw;
      if (row[1].empty()) continue;  // Template-only message.
      EXPECT_EQ(row[0], "4242");
      std::vector<std::vector<std::string>> col;
      for (const std::string& c : row) col.push_back(absl::StrSplit(c, ';'));
      const size_t n = col[1].size();
      ASSERT_EQ(col[11].size(), 4 * n) << raw;  // Policy id, active SID, SL, segment list.
      for (size_t r = 0; r < n; ++r, ++records) {
        const uint16_t sport = static_cast<uint16_t>(std::stoi(col[3][r]));
        const int i = sport - 20000;
        ASSERT_TRUE(i >= 0 && i < kFlows) << raw;
        EXPECT_FALSE(seen[sport]) << "two records for flow " << i;
        seen[sport] = true;
        EXPECT_EQ(col[1][r], flows_[i].src);
        EXPECT_EQ(col[2][r], "2001:db8:cafe::1");
        EXPECT_EQ(col[4][r], "443");
        EXPECT_EQ(col[5][r], "17");
        EXPECT_EQ(col[6][r], absl::StrCat(i + 1));
        EXPECT_EQ(col[7][r], absl::StrCat(80 * (i + 1)));
        EXPECT_EQ(col[8][r], reason);
        const int64_t start = TsharkTime(col[9][r]), end = TsharkTime(col[10][r]);
        EXPECT_GE(start, t0_ - 1) << col[9][r];
        EXPECT_LE(start, end);
        EXPECT_LE(end, t1 + 1) << col[10][r];
        // The SRv6 elements: policy id (cpnPolicyId), srhActiveSegmentIPv6,
        // srhSegmentsIPv6Left, srhSegmentIPv6BasicList (semantic, element
        // id 494 and length 16, then the SIDs in SRH order) -- the segments
        // this flow's packets were encapsulated with.
        const std::vector<std::string>& srh = srh_of_[sport];
        ASSERT_EQ(srh.size(), 2u);
        const std::string policy = srh[0] == "fc00:3::d6" ? "00000001" : "00000002";
        EXPECT_EQ(col[11][4 * r], policy);
        EXPECT_EQ(V6Text(col[11][4 * r + 1]), "fc00:2::e");
        EXPECT_EQ(col[11][4 * r + 2], "01");
        const std::string& list = col[11][4 * r + 3];
        ASSERT_EQ(list.size(), 2u * (5 + 32)) << list;
        EXPECT_EQ(list.substr(0, 10), "0401ee0010");
        EXPECT_EQ(V6Text(list, 5), srh[0]);   // The site's SID.
        EXPECT_EQ(V6Text(list, 21), srh[1]);  // The first SID.
      }
    }
    EXPECT_EQ(records, kFlows) << raw;
  }

  Collector collector_;
  std::unique_ptr<ChildProcess> dp_;
  std::string out_;
  int metrics_port_ = 0;
  int64_t t0_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::DataplaneService::Stub> stub_;
  std::unique_ptr<ControllerStream> ctl_;
  std::vector<Flow> flows_;
  std::map<uint16_t, std::vector<std::string>> srh_of_;  // sport -> SRH (Segment List[0] first)
};

TEST_F(DpIpfixBinary, ExportsOneRecordPerFlowWhenItIdlesOutThatTsharkDecodes) {
  if (!HaveTshark()) GTEST_SKIP() << "tshark is not installed (scripts/setup.sh installs it)";
  Start("1", "2");  // Two workers: two affinity tables and two record rings.
  if (HasFatalFailure()) return;
  // The flows idle out after 1 s; the exporter sends within its next poll.
  std::vector<std::vector<uint8_t>> datagrams;
  for (int i = 0; i < 100 && Metric(metrics_port_, "cpn_ipfix_records_sent_total") < kFlows; ++i) {
    collector_.Drain(100, &datagrams);
  }
  collector_.Drain(300, &datagrams);
  EXPECT_EQ(Metric(metrics_port_, "cpn_ipfix_records_sent_total"), uint64_t{kFlows});
  // Each flow is new once, although its packets came in one burst.
  EXPECT_EQ(Metric(metrics_port_, "cpn_steering_rule_new_flows_total{rule_id=\"10\"}"),
            uint64_t{kFlows});
  EXPECT_EQ(Metric(metrics_port_, "cpn_ipfix_records_dropped_total{reason=\"rate\"}"), 0u);
  EXPECT_EQ(Metric(metrics_port_, "cpn_ipfix_records_dropped_total{reason=\"ring_full\"}"), 0u);
  ASSERT_FALSE(datagrams.empty());
  ExpectOneRecordPerFlow(datagrams, "1");  // Idle timeout.
  ctl_->Close();
  EXPECT_EQ(dp_->Signal(SIGTERM), 0) << dp_->log();
}

TEST_F(DpIpfixBinary, FlowsStillActiveAtShutdownAreReportedAsForcedEnd) {
  if (!HaveTshark()) GTEST_SKIP() << "tshark is not installed (scripts/setup.sh installs it)";
  Start("600", "1");
  if (HasFatalFailure()) return;
  std::vector<std::vector<uint8_t>> datagrams;
  collector_.Drain(300, &datagrams);
  EXPECT_EQ(Metric(metrics_port_, "cpn_ipfix_records_sent_total"), 0u);
  ctl_->Close();
  EXPECT_EQ(dp_->Signal(SIGTERM), 0) << dp_->log();
  collector_.Drain(300, &datagrams);
  ExpectOneRecordPerFlow(datagrams, "4");  // Forced end.
}

}  // namespace
}  // namespace cpn::testing
