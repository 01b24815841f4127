// ControllerServer lifecycle: refuses a bad start (invalid topology, bad
// epoch, a port already taken), limits watch streams, and shuts down
// cleanly twice.
#include <memory>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/controller/api/api_test_env.h"

namespace cpn::api::testing {
namespace {

namespace cv1 = cpn::controller::v1;
using ::testing::HasSubstr;

TEST(ControllerServerTest, RefusesABadStart) {
  cpn::topology::v1::Topology bad = TestTopology();
  bad.mutable_links(0)->mutable_a()->set_router_id("ghost");
  auto s = ControllerServer::Start(TestOptions(), bad,
                                   std::make_unique<cpn::testing::FakeDecisionEngine>());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), HasSubstr("\"ghost\""));

  s = ControllerServer::Start(TestOptions(absl::ZeroDuration()), TestTopology(),
                              std::make_unique<cpn::testing::FakeDecisionEngine>());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);

  s = ControllerServer::Start(TestOptions(), TestTopology(), nullptr);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ControllerServerTest, APortInUseIsRefused) {
  TestController first = StartController();
  ASSERT_NE(first.server, nullptr);
  ControllerServerOptions o = TestOptions();
  o.listen_address = absl::StrCat("127.0.0.1:", first.server->port());
  auto second = ControllerServer::Start(o, TestTopology(),
                                        std::make_unique<cpn::testing::FakeDecisionEngine>());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable) << second.status();
}

TEST(ControllerServerTest, TooManyWatchesAreResourceExhausted) {
  ControllerServerOptions o = TestOptions();
  o.max_watchers = 1;
  TestController c = StartController(o);
  ASSERT_NE(c.server, nullptr);
  grpc::ClientContext first_ctx;
  auto first = c.stub->WatchDecisions(&first_ctx, cv1::WatchDecisionsRequest());
  cv1::WatchDecisionsResponse m;
  ASSERT_TRUE(first->Read(&m));  // SyncComplete: the watch is open
  EXPECT_TRUE(m.has_sync_complete());
  grpc::ClientContext second_ctx;
  auto second = c.stub->WatchDecisions(&second_ctx, cv1::WatchDecisionsRequest());
  EXPECT_FALSE(second->Read(&m));
  grpc::Status s = second->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(s.error_message(), HasSubstr("too many"));
  first_ctx.TryCancel();
  first->Finish();
  c.server->Shutdown();
  c.server->Shutdown();  // idempotent
}

}  // namespace
}  // namespace cpn::api::testing
