// SetDemand / DeleteDemand / ListDemands over a real gRPC socket, bad input
// included, and demands removed with their router.
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/controller/api/api_test_env.h"

namespace cpn::api::testing {
namespace {

namespace cv1 = cpn::controller::v1;
using google::protobuf::util::MessageDifferencer;
using ::testing::HasSubstr;

cv1::SetDemandRequest Demand(const std::string& ingress, const std::string& service, double rps) {
  cv1::SetDemandRequest r;
  r.mutable_demand()->set_ingress_router_id(ingress);
  r.mutable_demand()->set_service_id(service);
  r.mutable_demand()->set_requests_per_second(rps);
  return r;
}

cv1::ListDemandsResponse List(cv1::ControllerService::Stub& stub) {
  cv1::ListDemandsResponse r;
  EXPECT_TRUE(stub.ListDemands(Ctx().get(), cv1::ListDemandsRequest(), &r).ok());
  return r;
}

TEST(DemandApiTest, SetListDelete) {
  TestController c = StartController();
  ASSERT_NE(c.server, nullptr);
  cv1::SetDemandResponse set;
  ASSERT_TRUE(c.stub->SetDemand(Ctx().get(), Demand("west", "llm", 20), &set).ok());
  ASSERT_TRUE(c.stub->SetDemand(Ctx().get(), Demand("in", "llm", 100), &set).ok());
  EXPECT_EQ(set.demand().source(), cv1::DEMAND_SOURCE_CONFIGURED);
  EXPECT_TRUE(set.demand().has_updated_at());
  cv1::ListDemandsResponse list = List(*c.stub);
  ASSERT_EQ(list.demands_size(), 2);
  EXPECT_EQ(list.demands(0).ingress_router_id(), "in");
  EXPECT_EQ(list.demands(0).requests_per_second(), 100);

  cv1::DeleteDemandRequest del;
  del.mutable_key()->set_ingress_router_id("in");
  del.mutable_key()->set_service_id("llm");
  cv1::DeleteDemandResponse deleted;
  ASSERT_TRUE(c.stub->DeleteDemand(Ctx().get(), del, &deleted).ok());
  EXPECT_EQ(deleted.demand().requests_per_second(), 0);
  EXPECT_EQ(deleted.demand().source(), cv1::DEMAND_SOURCE_MEASURED);
  EXPECT_EQ(List(*c.stub).demands_size(), 1);
  grpc::Status s = c.stub->DeleteDemand(Ctx().get(), del, &deleted);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST(DemandApiTest, BadDemandsAreInvalidArgumentAndChangeNothing) {
  TestController c = StartController();
  ASSERT_NE(c.server, nullptr);
  cv1::SetDemandResponse out;
  ASSERT_TRUE(c.stub->SetDemand(Ctx().get(), Demand("in", "llm", 10), &out).ok());
  const cv1::ListDemandsResponse before = List(*c.stub);
  struct Case {
    cv1::SetDemandRequest request;
    std::string field;
  };
  std::vector<Case> cases = {
      {Demand("nowhere", "llm", 1), "demand.ingress_router_id: no router \"nowhere\""},
      {Demand("core", "llm", 1), "does not have ROUTER_ROLE_INGRESS"},
      {Demand("in", "video", 1), "demand.service_id: no service \"video\""},
      {Demand("in", "llm", -5), "demand.requests_per_second"},
      {Demand("", "llm", 1), "demand.ingress_router_id is empty"},
  };
  cases.push_back({Demand("in", "llm", 1), "demand.source"});
  cases.back().request.mutable_demand()->set_source(cv1::DEMAND_SOURCE_MEASURED);
  for (const Case& k : cases) {
    grpc::Status s = c.stub->SetDemand(Ctx().get(), k.request, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << k.field;
    EXPECT_THAT(s.error_message(), HasSubstr(k.field));
    EXPECT_TRUE(MessageDifferencer::Equals(before, List(*c.stub))) << k.field;
  }
}

TEST(DemandApiTest, DeletingARouterDeletesItsDemands) {
  TestController c = StartController();
  ASSERT_NE(c.server, nullptr);
  cv1::SetDemandResponse out;
  ASSERT_TRUE(c.stub->SetDemand(Ctx().get(), Demand("in", "llm", 10), &out).ok());
  ASSERT_TRUE(c.stub->SetDemand(Ctx().get(), Demand("west", "llm", 10), &out).ok());
  // Free router "in" of its links, then delete it.
  for (const char* link : {"in--core", "in--west"}) {
    cv1::DeleteLinkRequest d;
    d.set_id(link);
    cv1::DeleteLinkResponse r;
    ASSERT_TRUE(c.stub->DeleteLink(Ctx().get(), d, &r).ok());
  }
  cv1::DeleteRouterRequest d;
  d.set_id("in");
  cv1::DeleteRouterResponse r;
  ASSERT_TRUE(c.stub->DeleteRouter(Ctx().get(), d, &r).ok());
  cv1::ListDemandsResponse list = List(*c.stub);
  ASSERT_EQ(list.demands_size(), 1);
  EXPECT_EQ(list.demands(0).ingress_router_id(), "west");
}

}  // namespace
}  // namespace cpn::api::testing
