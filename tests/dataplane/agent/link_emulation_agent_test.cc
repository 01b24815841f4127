// Lab link emulation in the southbound agent, over a real gRPC socket:
// Port.emulation is accepted only with --lab-emulation and checked field by
// field; SetPortEmulation (any client, no arbitration) overrides and clears,
// never changes the installed state or version; PortStatus says what is in
// effect and where it comes from.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "dataplane/stages/link_emulation.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/dataplane/agent/dataplane_harness.h"
#include "tests/dataplane/eal_environment.h"

namespace cpn::testing {
namespace {

using ::testing::HasSubstr;

v1::Entity NullPort(uint32_t id, const std::string& name) {
  return PortEntity(id, name, UniqueVdev("net_null") + ",no-rx=1");
}

v1::LinkEmulation Emulation(uint32_t delay_us, uint64_t rate_bps = 0, double loss = 0,
                            uint32_t queue = 0, uint64_t seed = 0) {
  v1::LinkEmulation e;
  e.set_delay_us(delay_us);
  e.set_rate_bps(rate_bps);
  e.set_loss_ratio(loss);
  e.set_queue_limit_packets(queue);
  e.set_random_seed(seed);
  return e;
}

v1::Entity EmulatedPort(uint32_t id, const std::string& name, const v1::LinkEmulation& e) {
  v1::Entity p = NullPort(id, name);
  *p.mutable_port()->mutable_emulation() = e;
  return p;
}

v1::Port ReadPort(DataplaneHarness& h, uint32_t id, uint64_t* version = nullptr) {
  for (const v1::Entity& e : h.Read(version, {v1::ENTITY_TYPE_PORT})) {
    if (e.port().id() == id) return e.port();
  }
  ADD_FAILURE() << "port " << id << " not read back";
  return {};
}

TEST(DpLinkEmulationAgent, CapabilitiesSayWhetherOverridesAreEnabled) {
  for (bool lab : {false, true}) {
    DataplaneHarness h({.lab_emulation = lab});
    grpc::ClientContext ctx;
    v1::GetCapabilitiesResponse caps;
    ASSERT_TRUE(h.stub().GetCapabilities(&ctx, v1::GetCapabilitiesRequest(), &caps).ok());
    EXPECT_EQ(caps.emulation_override_enabled(), lab);
    EXPECT_EQ(caps.default_emulation_queue(), dataplane::kDefaultEmulationQueue);
  }
}

TEST(DpLinkEmulationAgent, WithoutLabEmulationOnlyZeroEmulationIsAccepted) {
  DataplaneHarness h;
  auto ctl = h.Connect(1);
  grpc::Status s = h.Write(1, 0, 1, {Insert(EmulatedPort(1, "eth1", Emulation(2000)))});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("emulation"));
  EXPECT_THAT(s.error_message(), HasSubstr("--lab-emulation"));
  s = h.Write(1, 0, 1, {Insert(EmulatedPort(1, "eth1", Emulation(0)))});
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(ReadPort(h, 1).status().emulation_source(), v1::EMULATION_SOURCE_UNSPECIFIED);
  // Refused before the port is even looked at.
  const v1::LinkEmulation e = Emulation(100);
  EXPECT_EQ(SetEmulation(h, 1, &e).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(SetEmulation(h, 99, nullptr).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

TEST(DpLinkEmulationAgent, WriteChecksEveryEmulationField) {
  DataplaneHarness h({.lab_emulation = true});
  auto ctl = h.Connect(1);
  struct Case {
    v1::LinkEmulation e;
    std::string field;
  };
  const std::vector<Case> bad = {
      {Emulation(0, 0, std::numeric_limits<double>::quiet_NaN()), "emulation.loss_ratio"},
      {Emulation(0, 0, -0.1), "emulation.loss_ratio"},
      {Emulation(0, 0, 1.5), "emulation.loss_ratio"},
      {Emulation(0, 0, std::numeric_limits<double>::infinity()), "emulation.loss_ratio"},
      {Emulation(dataplane::kMaxEmulationDelayUs + 1), "emulation.delay_us"},
      {Emulation(0, 999), "emulation.rate_bps"},
      {Emulation(0, 1'000'000, 0, dataplane::kEmulationFifoPackets + 1),
       "emulation.queue_limit_packets"},
  };
  for (const Case& c : bad) {
    grpc::Status s = h.Write(1, 0, 1, {Insert(EmulatedPort(1, "eth1", c.e))});
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.e.ShortDebugString();
    EXPECT_THAT(s.error_message(), HasSubstr(c.field)) << c.e.ShortDebugString();
    std::optional<v1::WriteError> we = WriteErrorOf(s);
    ASSERT_TRUE(we.has_value());
    ASSERT_EQ(we->errors_size(), 1);
    EXPECT_EQ(we->errors(0).entity_type(), v1::ENTITY_TYPE_PORT);
  }
  uint64_t version = 99;
  EXPECT_TRUE(h.Read(&version).empty());
  EXPECT_EQ(version, 0u);

  // Valid: read back exactly as written, effective with defaults resolved.
  const v1::LinkEmulation good = Emulation(2000, 10'000'000, 0.01, 0, 0);
  grpc::Status s = h.Write(1, 0, 1,
                           {Insert(EmulatedPort(1, "eth1", good)),
                            Insert(EmulatedPort(2, "eth2", Emulation(0, 0, 1.0)))});
  ASSERT_TRUE(s.ok()) << s.error_message();
  const v1::Port p = ReadPort(h, 1);
  EXPECT_EQ(p.emulation().ShortDebugString(), good.ShortDebugString());
  EXPECT_EQ(p.status().emulation_source(), v1::EMULATION_SOURCE_PORT);
  EXPECT_EQ(p.status().effective_emulation().delay_us(), 2000u);
  EXPECT_EQ(p.status().effective_emulation().rate_bps(), 10'000'000u);
  EXPECT_EQ(p.status().effective_emulation().queue_limit_packets(),
            dataplane::kDefaultEmulationQueue);
  EXPECT_EQ(p.status().effective_emulation().random_seed(), dataplane::DefaultEmulationSeed(1));
  // The emulated rate is the port's speed in the counters.
  const tv1::CountersSnapshot c = h.Counters();
  ASSERT_NE(PortOf(c, 1), nullptr);
  EXPECT_EQ(PortOf(c, 1)->speed_bps(), 10'000'000u);
}

TEST(DpLinkEmulationAgent, SetPortEmulationOverridesAndClears) {
  DataplaneHarness h({.lab_emulation = true});
  {
    auto ctl = h.Connect(1);
    ASSERT_TRUE(
        h.Write(1, 0, 1,
                {Insert(EmulatedPort(1, "eth1", Emulation(500))), Insert(NullPort(2, "eth2"))})
            .ok());
  }
  // No controller connected: the override needs no arbitration.
  const v1::LinkEmulation cut = Emulation(0, 0, 1.0, 0, 7);
  v1::PortStatus status;
  ASSERT_TRUE(SetEmulation(h, 1, &cut, &status).ok());
  EXPECT_EQ(status.emulation_source(), v1::EMULATION_SOURCE_OVERRIDE);
  EXPECT_EQ(status.effective_emulation().loss_ratio(), 1.0);
  EXPECT_EQ(status.effective_emulation().random_seed(), 7u);
  uint64_t version = 0;
  v1::Port p = ReadPort(h, 1, &version);
  EXPECT_EQ(version, 1u) << "an override is not a Write";
  EXPECT_EQ(p.emulation().delay_us(), 500u) << "Port.emulation is what the controller wrote";
  EXPECT_EQ(p.status().emulation_source(), v1::EMULATION_SOURCE_OVERRIDE);
  EXPECT_EQ(p.status().effective_emulation().loss_ratio(), 1.0);

  // A port without Port.emulation can be overridden too, and an all-zero
  // override turns Port.emulation off until cleared.
  const v1::LinkEmulation slow = Emulation(1000, 1'000'000);
  ASSERT_TRUE(SetEmulation(h, 2, &slow, &status).ok());
  EXPECT_EQ(status.emulation_source(), v1::EMULATION_SOURCE_OVERRIDE);
  const v1::LinkEmulation none;
  ASSERT_TRUE(SetEmulation(h, 1, &none, &status).ok());
  EXPECT_EQ(status.emulation_source(), v1::EMULATION_SOURCE_OVERRIDE);
  EXPECT_EQ(status.effective_emulation().delay_us(), 0u);

  ASSERT_TRUE(SetEmulation(h, 1, nullptr, &status).ok());
  EXPECT_EQ(status.emulation_source(), v1::EMULATION_SOURCE_PORT);
  EXPECT_EQ(status.effective_emulation().delay_us(), 500u);
  ASSERT_TRUE(SetEmulation(h, 2, nullptr, &status).ok());
  EXPECT_EQ(status.emulation_source(), v1::EMULATION_SOURCE_UNSPECIFIED);
  EXPECT_FALSE(status.has_effective_emulation());
  // Clearing twice is fine.
  EXPECT_TRUE(SetEmulation(h, 2, nullptr).ok());
}

TEST(DpLinkEmulationAgent, SetPortEmulationRefusesUnknownPortsAndBadValues) {
  DataplaneHarness h({.lab_emulation = true});
  {
    auto ctl = h.Connect(1);
    ASSERT_TRUE(h.Write(1, 0, 1, {Insert(NullPort(1, "eth1"))}).ok());
  }
  const v1::LinkEmulation e = Emulation(100);
  grpc::Status s = SetEmulation(h, 42, &e);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(), HasSubstr("42"));
  EXPECT_EQ(SetEmulation(h, 42, nullptr).error_code(), grpc::StatusCode::NOT_FOUND);
  const v1::LinkEmulation nan = Emulation(0, 0, std::nan(""));
  s = SetEmulation(h, 1, &nan);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("emulation.loss_ratio"));
  grpc::ClientContext ctx;
  v1::SetPortEmulationRequest empty;
  empty.set_port_id(1);
  v1::SetPortEmulationResponse resp;
  EXPECT_EQ(h.stub().SetPortEmulation(&ctx, empty, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReadPort(h, 1).status().emulation_source(), v1::EMULATION_SOURCE_UNSPECIFIED);
}

TEST(DpLinkEmulationAgent, OverrideSurvivesWritesAndGoesWithItsPort) {
  DataplaneHarness h({.lab_emulation = true});
  auto ctl = h.Connect(1);
  ASSERT_TRUE(h.Write(1, 0, 1, {Insert(NullPort(1, "eth1"))}).ok());
  const v1::LinkEmulation e = Emulation(300);
  ASSERT_TRUE(SetEmulation(h, 1, &e).ok());
  // A later Write (here: a MTU change of the same port) keeps the override.
  v1::Entity modified = NullPort(1, "eth1");
  modified.mutable_port()->clear_devargs();
  modified.mutable_port()->set_mtu(9000);
  grpc::Status s = h.Write(1, 1, 2, {Modify(modified)});
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(ReadPort(h, 1).status().emulation_source(), v1::EMULATION_SOURCE_OVERRIDE);
  // Deleted and inserted again: a new port, no override.
  ASSERT_TRUE(h.Write(1, 2, 3, {Delete(NullPort(1, ""))}).ok());
  ASSERT_TRUE(h.Write(1, 3, 4, {Insert(NullPort(1, "eth1"))}).ok());
  EXPECT_EQ(ReadPort(h, 1).status().emulation_source(), v1::EMULATION_SOURCE_UNSPECIFIED);
}

}  // namespace
}  // namespace cpn::testing
