// The cpn-dataplane binary itself: started on net_pcap vdevs as an operator
// would start it, programmed over gRPC by this test acting as the
// controller, steering a pcap; then stopped with SIGTERM and expected to
// exit cleanly. No EAL in this process: the dataplane is a child process.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/common/telemetry/http_get.h"
#include "tests/common/telemetry/promtool.h"
#include "tests/dataplane/agent/dataplane_harness.h"
#include "tests/dataplane/pipeline/pipeline_test_util.h"
#include "tests/dataplane/stages/test_packets.h"
#include "tests/e2e/child_process.h"

#ifndef CPN_DATAPLANE_BINARY
#error "CPN_DATAPLANE_BINARY must name the cpn-dataplane executable"
#endif

namespace cpn::testing {
namespace {

TEST(DpBinary, StartedOnVdevsItTakesAWriteOverGrpcSteersAPcapAndStopsOnSigterm) {
  const std::string out = TempFile("out.pcap");
  const std::string empty = TempFile("empty.pcap");
  ASSERT_TRUE(WritePcap(empty, {}));
  // The core port comes from the command line; the ingress port is added by
  // the Write together with the rules, so its pcap is read once they apply.
  ChildProcess dp({CPN_DATAPLANE_BINARY, "--router-id", "shanghai", "--listen", "127.0.0.1:0", "--workers",
            "1", "-m", "256", "--metrics-listen", "127.0.0.1:0", "--port",
            absl::StrCat("core=net_pcap0,rx_pcap=", empty, ",tx_pcap=", out)});
  const std::string metrics_port = dp.WaitForNumberAfter("metrics on http://127.0.0.1:");
  ASSERT_FALSE(metrics_port.empty()) << dp.log();
  const std::string port = dp.WaitForNumberAfter("serving DataplaneService on 127.0.0.1:");
  ASSERT_FALSE(port.empty()) << dp.log();

  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
  auto stub = v1::DataplaneService::NewStub(channel);
  {
    grpc::ClientContext ctx;
    v1::GetCapabilitiesResponse caps;
    ASSERT_TRUE(stub->GetCapabilities(&ctx, v1::GetCapabilitiesRequest(), &caps).ok());
    EXPECT_EQ(caps.dataplane_id(), "shanghai");
  }
  ControllerStream ctl(stub.get(), 42, "binary-test");
  ASSERT_TRUE(ctl.NextArbitration().has_value());
  // The command-line port is installed at version 0.
  {
    grpc::ClientContext ctx;
    auto reader = stub->Read(&ctx, v1::ReadRequest());
    v1::ReadResponse r;
    ASSERT_TRUE(reader->Read(&r));
    ASSERT_EQ(r.entities_size(), 1);
    EXPECT_EQ(r.entities(0).port().name(), "core");
    EXPECT_EQ(r.installed_version(), 0u);
    while (reader->Read(&r)) {
    }
    EXPECT_TRUE(reader->Finish().ok());
  }
  std::vector<Bytes> in;
  for (int i = 0; i < 400; ++i) {
    in.push_back(Frame(Flow{absl::StrCat("2001:db8:1::", i + 1), "2001:db8:cafe::1",
                            static_cast<uint16_t>(20000 + i), 443}));
  }
  const v1::WriteRequest w = TwoPolicySteeringWrite(in);
  {
    grpc::ClientContext ctx;
    v1::WriteResponse resp;
    const grpc::Status s = stub->Write(&ctx, w, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  std::vector<Bytes> frames;
  for (int i = 0; i < 500 && frames.size() < in.size(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ReadPcap(out, &frames);
  }
  ASSERT_EQ(frames.size(), in.size());
  std::map<std::string, int> per_site;
  for (const Bytes& f : frames) {
    const SrOut o = DecodeSrFrame(f);
    ASSERT_TRUE(o.ok);
    ++per_site[o.srh[0]];
  }
  EXPECT_NEAR(per_site["fc00:3::d6"] / 400.0, 0.5, 0.1);
  EXPECT_NEAR(per_site["fc00:4::d6"] / 400.0, 0.5, 0.1);

  // The same counters on /metrics, in a page promtool accepts.
  const telemetry::testing::HttpResponse page =
      telemetry::testing::HttpGet(std::stoi(metrics_port), "/metrics");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("\ncpn_steering_rule_new_flows_total{rule_id=\"10\"} 400\n"),
            std::string::npos)
      << page.body;
  EXPECT_NE(page.body.find("\ncpn_port_tx_packets_total{port_id=\"1\",port=\"core\"} 400\n"),
            std::string::npos)
      << page.body;
  std::string complaint;
  EXPECT_TRUE(telemetry::testing::PromtoolAccepts(page.body, &complaint)) << complaint;
  ctl.Close();
  EXPECT_EQ(dp.Signal(SIGTERM), 0) << dp.log();
}

TEST(DpBinary, SaysWhereItsPacketMemoryIsAndRefusesHugePageMemoryForNics) {
  auto args = [](std::vector<std::string> more) {
    std::vector<std::string> a = {CPN_DATAPLANE_BINARY,
                                  "--router-id",
                                  "r",
                                  "--listen",
                                  "127.0.0.1:0",
                                  "-m",
                                  "256",
                                  "--mbufs",
                                  "4095",
                                  "--port",
                                  "null=net_null0"};
    a.insert(a.end(), more.begin(), more.end());
    return a;
  };
  // The log is drained by a thread: give it the moment after the exit.
  auto logged = [](const ChildProcess& dp, const std::string& text) {
    for (int i = 0; i < 200 && dp.log().find(text) == std::string::npos; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return dp.log().find(text) != std::string::npos;
  };
  {
    // Under --no-huge the pool goes to the huge page arena, and the log
    // says how much of it the kernel backed with 2 MiB pages.
    ChildProcess dp(args({}));
    ASSERT_FALSE(dp.WaitForNumberAfter("serving DataplaneService on 127.0.0.1:").empty())
        << dp.log();
    EXPECT_THAT(dp.log(), ::testing::ContainsRegex(
                              "packet memory: [0-9]+ MiB, [0-9]+ MiB of it in 2 MiB pages"));
    EXPECT_EQ(dp.Signal(SIGTERM), 0) << dp.log();
  }
  {
    ChildProcess dp(args({"--packet-memory", "eal"}));
    ASSERT_FALSE(dp.WaitForNumberAfter("serving DataplaneService on 127.0.0.1:").empty())
        << dp.log();
    EXPECT_EQ(dp.log().find("packet memory:"), std::string::npos) << dp.log();
    EXPECT_EQ(dp.Signal(SIGTERM), 0) << dp.log();
  }
  {
    ChildProcess dp(args({"--packet-memory", "huge"}));
    EXPECT_EQ(dp.Signal(0), 2) << dp.log();
    EXPECT_TRUE(logged(dp, "--packet-memory: want thp or eal")) << dp.log();
  }
  {
    // The arena has no IOVA: a NIC could not DMA into it.
    ChildProcess dp(args({"--pci", "--packet-memory", "thp"}));
    EXPECT_EQ(dp.Signal(0), 2) << dp.log();
    EXPECT_TRUE(logged(dp, "--packet-memory thp: not with --pci")) << dp.log();
  }
}

}  // namespace
}  // namespace cpn::testing
