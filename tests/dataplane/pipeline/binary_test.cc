// The cpn-dataplane binary itself: started on net_pcap vdevs as an operator
// would start it, programmed over gRPC by this test acting as the
// controller, steering a pcap; then stopped with SIGTERM and expected to
// exit cleanly. No EAL in this process: the dataplane is a child process.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/dataplane/agent/dataplane_harness.h"
#include "tests/dataplane/pipeline/pipeline_test_util.h"
#include "tests/dataplane/stages/test_packets.h"

#ifndef CPN_DATAPLANE_BINARY
#error "CPN_DATAPLANE_BINARY must name the cpn-dataplane executable"
#endif

namespace cpn::testing {
namespace {

class Child {
 public:
  explicit Child(const std::vector<std::string>& args) {
    int fds[2];
    if (pipe(fds) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], STDERR_FILENO);
      close(fds[0]);
      std::vector<char*> argv;
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(fds[1]);
    err_ = fdopen(fds[0], "r");
  }
  ~Child() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (err_ != nullptr) fclose(err_);
  }
  // Reads stderr lines until one contains `marker`; returns the digits that
  // follow it ("" at end of output).
  std::string NumberAfter(const std::string& marker, std::string* log) {
    char line[4096];
    while (err_ != nullptr && fgets(line, sizeof(line), err_) != nullptr) {
      *log += line;
      const std::string l(line);
      const size_t at = l.find(marker);
      if (at == std::string::npos) continue;
      size_t end = at + marker.size();
      while (end < l.size() && l[end] >= '0' && l[end] <= '9') ++end;
      return l.substr(at + marker.size(), end - at - marker.size());
    }
    return "";
  }
  // SIGTERM, then the exit status (-1 when it does not exit within 10 s).
  int Terminate() {
    kill(pid_, SIGTERM);
    for (int i = 0; i < 1000; ++i) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  FILE* err_ = nullptr;
};

TEST(DpBinary, StartedOnVdevsItTakesAWriteOverGrpcSteersAPcapAndStopsOnSigterm) {
  const std::string out = TempFile("out.pcap");
  const std::string empty = TempFile("empty.pcap");
  ASSERT_TRUE(WritePcap(empty, {}));
  // The core port comes from the command line; the ingress port is added by
  // the Write together with the rules, so its pcap is read once they apply.
  Child dp({CPN_DATAPLANE_BINARY, "--router-id", "shanghai", "--listen", "127.0.0.1:0", "--workers",
            "1", "-m", "256", "--port",
            absl::StrCat("core=net_pcap0,rx_pcap=", empty, ",tx_pcap=", out)});
  std::string log;
  const std::string port = dp.NumberAfter("serving DataplaneService on 127.0.0.1:", &log);
  ASSERT_FALSE(port.empty()) << log;

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
  v1::WriteRequest w;
  w.mutable_election_id()->set_low(42);
  w.set_new_version(1);
  for (const v1::Update& u :
       {Insert(PortEntity(2, "in", PcapPort(TempFile("in.pcap"), in, TempFile("discard.pcap")))),
        Insert(NeighborEntity(1, "fe80::2", "02:00:00:00:00:aa")),
        Insert(RouteVia(0, "fc00::/16", {{1, "fe80::2"}})),
        Insert(PolicyEntity(1, "2001:db8:ff::1", {"fc00:2::e", "fc00:3::d6"})),
        Insert(PolicyEntity(2, "2001:db8:ff::1", {"fc00:2::e", "fc00:4::d6"})),
        Insert(RuleEntity(10, "2001:db8:cafe::/48", {{1, 1}, {2, 1}}))}) {
    *w.add_updates() = u;
  }
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
  ctl.Close();
  EXPECT_EQ(dp.Terminate(), 0) << log;
}

}  // namespace
}  // namespace cpn::testing
