// cpn-dpctl against a real cpn-dataplane process on net_null vdevs: a state
// file is written and read back, counters are shown, and bad input files,
// rejected writes, usage errors and an unreachable dataplane each get a
// clear message and their exit code. Both programs run as child processes.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/e2e/child_process.h"

#ifndef CPN_DATAPLANE_BINARY
#error "CPN_DATAPLANE_BINARY must name the cpn-dataplane executable"
#endif
#ifndef CPN_DPCTL_BINARY
#error "CPN_DPCTL_BINARY must name the cpn-dpctl executable"
#endif

namespace {

std::string Scratch(const std::string& name) {
  return ::testing::TempDir() + "dpctl_test_" + std::to_string(getpid()) + "_" + name;
}

void Put(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// cpn-dataplane with two null ports (tests/e2e/child_process.h: always
// killed, also when a test fails); SIGTERM at the end.
class Dataplane {
 public:
  Dataplane()
      : process_({CPN_DATAPLANE_BINARY, "--router-id", "dpctl-test", "--listen", "127.0.0.1:0",
                  "--workers", "1", "-m", "256", "--port", "in=net_null0,no-rx=1", "--port",
                  "out=net_null1,no-rx=1"}) {
    const std::string port =
        process_.WaitForNumberAfter("serving DataplaneService on 127.0.0.1:");
    if (!port.empty()) address_ = "127.0.0.1:" + port;
  }
  ~Dataplane() { process_.Signal(SIGTERM); }
  const std::string& address() const { return address_; }
  std::string log() const { return process_.log(); }

 private:
  cpn::testing::ChildProcess process_;
  std::string address_;
};

struct Result {
  int exit_code = -1;
  std::string out;  // stdout and stderr together
};

Result Dpctl(const std::string& args) {
  Result r;
  const std::string cmd = std::string(CPN_DPCTL_BINARY) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) r.out.append(buf, n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

constexpr char kState[] = R"(# a small ingress router
election_id { low: 7 }
updates { type: UPDATE_TYPE_INSERT entity { neighbor {
  port_id: 2 address: "fe80::2" mac_address: "02:00:00:00:00:AA" } } }
updates { type: UPDATE_TYPE_INSERT entity { route {
  prefix: "fc00:0::/16" next_hops { next_hops { port_id: 2 address: "fe80::2" } } } } }
updates { type: UPDATE_TYPE_INSERT entity { srv6_policy {
  id: 1 source_address: "2001:db8:ff::1" segments: "fc00:2::e" segments: "fc00:3::d6"
  encap_mode: ENCAP_MODE_H_ENCAPS } } }
updates { type: UPDATE_TYPE_INSERT entity { steering_rule {
  id: 10 match { destination_prefix: "2001:db8:cafe::/48" protocol: PROTOCOL_UDP }
  weighted { policies { policy_id: 1 weight: 1 } } } } }
)";

class DpctlTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dp_.address().empty()) << dp_.log(); }
  std::string At() const { return "--dataplane " + dp_.address() + " "; }
  Dataplane dp_;
};

TEST_F(DpctlTest, WritesAStateFileAndReadsItBackInCanonicalForm) {
  const std::string file = Scratch("state.txtpb");
  Put(file, kState);
  Result w = Dpctl(At() + "write " + file);
  ASSERT_EQ(w.exit_code, 0) << w.out;
  EXPECT_NE(w.out.find("installed version 1 (4 updates"), std::string::npos) << w.out;

  Result r = Dpctl(At() + "read");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("installed_version: 1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("prefix: \"fc00::/16\""), std::string::npos) << r.out;  // canonical
  EXPECT_NE(r.out.find("mac_address: \"02:00:00:00:00:aa\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("destination_prefix: \"2001:db8:cafe::/48\""), std::string::npos);
  EXPECT_NE(r.out.find("name: \"in\""), std::string::npos) << r.out;  // command-line port

  Result rules = Dpctl(At() + "read --type rule,policy");
  ASSERT_EQ(rules.exit_code, 0) << rules.out;
  EXPECT_NE(rules.out.find("steering_rule"), std::string::npos) << rules.out;
  EXPECT_EQ(rules.out.find("route"), std::string::npos) << rules.out;

  // A second write of the same file on top of version 1 collides on keys.
  Result again = Dpctl(At() + "write " + file);
  EXPECT_EQ(again.exit_code, 1) << again.out;
  EXPECT_NE(again.out.find(file + ":3: updates[0] (ENTITY_TYPE_NEIGHBOR"), std::string::npos)
      << again.out;
  EXPECT_NE(again.out.find("ALREADY_EXISTS"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("installed version is still 1"), std::string::npos) << again.out;
}

TEST_F(DpctlTest, ABadFileIsRefusedNamingTheLineAndNothingIsWritten) {
  const std::string file = Scratch("bad.txtpb");
  Put(file, "election_id { low: 7 }\nupdates {\n  type: UPDATE_TYPE_INSERT\n  entity { rout {} }\n}\n");
  Result w = Dpctl(At() + "write " + file);
  EXPECT_EQ(w.exit_code, 2) << w.out;
  EXPECT_NE(w.out.find(file + ":4:"), std::string::npos) << w.out;
  EXPECT_NE(w.out.find("rout"), std::string::npos) << w.out;

  // Valid syntax, invalid entity: the dataplane rejects it and the message
  // names the update's line and the field.
  const std::string hostbits = Scratch("hostbits.txtpb");
  Put(hostbits,
      "election_id { low: 7 }\n"
      "updates { type: UPDATE_TYPE_INSERT entity { neighbor {\n"
      "  port_id: 2 address: \"fe80::2\" mac_address: \"02:00:00:00:00:aa\" } } }\n"
      "updates { type: UPDATE_TYPE_INSERT entity { route {\n"
      "  prefix: \"2001:db8::1/64\" next_hops { next_hops { port_id: 2 address: \"fe80::2\" } } "
      "} } }\n");
  Result rejected = Dpctl(At() + "write " + hostbits);
  EXPECT_EQ(rejected.exit_code, 1) << rejected.out;
  EXPECT_NE(rejected.out.find(hostbits + ":4: updates[1] (ENTITY_TYPE_ROUTE"), std::string::npos)
      << rejected.out;
  EXPECT_NE(rejected.out.find("INVALID_ARGUMENT"), std::string::npos) << rejected.out;
  EXPECT_NE(rejected.out.find("installed version is still 0"), std::string::npos)
      << rejected.out;

  Result r = Dpctl(At() + "read --type route");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out.find("route"), std::string::npos) << r.out;

  Result missing = Dpctl(At() + "write " + Scratch("missing.txtpb"));
  EXPECT_EQ(missing.exit_code, 2) << missing.out;
  EXPECT_NE(missing.out.find("cannot read"), std::string::npos) << missing.out;
}

TEST_F(DpctlTest, CountersAsTablesJsonAndRates) {
  Result t = Dpctl(At() + "counters");
  ASSERT_EQ(t.exit_code, 0) << t.out;
  EXPECT_NE(t.out.find("dataplane dpctl-test"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("TX_PKTS"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("WORKER"), std::string::npos) << t.out;

  Result j = Dpctl("-o json " + At() + "counters --group ports");
  ASSERT_EQ(j.exit_code, 0) << j.out;
  EXPECT_NE(j.out.find("\"dataplane_id\":\"dpctl-test\""), std::string::npos) << j.out;
  EXPECT_EQ(j.out.find("\"workers\":[{"), std::string::npos) << j.out;

  Result rate = Dpctl(At() + "-o json counters --rate 200ms");
  ASSERT_EQ(rate.exit_code, 0) << rate.out;
  EXPECT_NE(rate.out.find("\"tx_pps\":0"), std::string::npos) << rate.out;

  Result bad = Dpctl(At() + "counters --group nope");
  EXPECT_EQ(bad.exit_code, 2) << bad.out;
  EXPECT_NE(bad.out.find("unknown group \"nope\""), std::string::npos) << bad.out;
}

TEST(DpctlNoDataplane, UsageAndUnreachableHaveTheirExitCodes) {
  EXPECT_EQ(Dpctl("--help").exit_code, 0);
  Result unknown = Dpctl("frobnicate");
  EXPECT_EQ(unknown.exit_code, 2) << unknown.out;
  EXPECT_NE(unknown.out.find("unknown command \"frobnicate\""), std::string::npos);
  Result down = Dpctl("--dataplane 127.0.0.1:1 --timeout 300ms read");
  EXPECT_EQ(down.exit_code, 3) << down.out;
  EXPECT_NE(down.out.find("cannot reach the dataplane at 127.0.0.1:1"), std::string::npos)
      << down.out;
}

}  // namespace
