// Inventory RPCs over a real gRPC socket: CRUD happy paths, and every kind
// of bad input rejected with the right code and a message naming the entity
// and field — leaving the model exactly as it was.
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/controller/api/api_test_env.h"

namespace cpn::api::testing {
namespace {

namespace cv1 = cpn::controller::v1;
namespace tv1 = cpn::topology::v1;
namespace compute = cpn::compute::v1;
using google::protobuf::util::MessageDifferencer;
using ::testing::AllOf;
using ::testing::HasSubstr;

template <typename T>
T Parse(const std::string& text) {
  T m;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &m)) << text;
  return m;
}

class InventoryApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    c_ = StartController();
    ASSERT_NE(c_.server, nullptr);
  }

  // Runs `call`, expects `code` and a message containing every `parts`, and
  // that the model (topology and generation) did not change.
  void ExpectRejectedUnchanged(const std::function<grpc::Status()>& call, grpc::StatusCode code,
                               const std::vector<std::string>& parts) {
    cv1::GetTopologyResponse before = GetTopology(*c_.stub);
    grpc::Status s = call();
    EXPECT_EQ(s.error_code(), code) << s.error_message();
    for (const std::string& p : parts) EXPECT_THAT(s.error_message(), HasSubstr(p));
    cv1::GetTopologyResponse after = GetTopology(*c_.stub);
    EXPECT_TRUE(MessageDifferencer::Equals(before, after))
        << "model changed by a rejected request:\nbefore " << before.DebugString() << "\nafter "
        << after.DebugString();
  }

  cv1::ControllerService::Stub& stub() { return *c_.stub; }
  TestController c_;
};

TEST_F(InventoryApiTest, RouterCreateGetListUpdateDelete) {
  cv1::CreateRouterRequest create;
  *create.mutable_router() = Parse<tv1::Router>(
      R"pb(id: "north" name: "North" srv6_locator: "fcbb:bb00:9::/48" roles: ROUTER_ROLE_CORE)pb");
  cv1::CreateRouterResponse created;
  ASSERT_TRUE(stub().CreateRouter(Ctx().get(), create, &created).ok());
  EXPECT_EQ(created.router().id(), "north");
  EXPECT_EQ(created.model_generation(), 1u);

  cv1::GetRouterRequest get;
  get.set_id("north");
  cv1::GetRouterResponse got;
  ASSERT_TRUE(stub().GetRouter(Ctx().get(), get, &got).ok());
  EXPECT_EQ(got.router().name(), "North");
  EXPECT_EQ(got.model_generation(), 1u);

  cv1::ListRoutersResponse list;
  ASSERT_TRUE(stub().ListRouters(Ctx().get(), cv1::ListRoutersRequest(), &list).ok());
  std::vector<std::string> ids;
  for (const tv1::Router& r : list.routers()) ids.push_back(r.id());
  EXPECT_THAT(ids, ::testing::ElementsAre("core", "east", "in", "north", "west"));

  // Update one field by mask: the others stay.
  cv1::UpdateRouterRequest update;
  update.mutable_router()->set_id("north");
  update.mutable_router()->set_name("North core 1");
  update.mutable_update_mask()->add_paths("name");
  cv1::UpdateRouterResponse updated;
  ASSERT_TRUE(stub().UpdateRouter(Ctx().get(), update, &updated).ok());
  EXPECT_EQ(updated.router().name(), "North core 1");
  EXPECT_EQ(updated.router().srv6_locator(), "fcbb:bb00:9::/48");
  EXPECT_EQ(updated.model_generation(), 2u);

  // Update without mask replaces the whole router.
  update.clear_update_mask();
  *update.mutable_router() =
      Parse<tv1::Router>(R"pb(id: "north" srv6_locator: "fcbb:bb00:a::/48")pb");
  ASSERT_TRUE(stub().UpdateRouter(Ctx().get(), update, &updated).ok());
  EXPECT_EQ(updated.router().name(), "");
  EXPECT_EQ(updated.router().srv6_locator(), "fcbb:bb00:a::/48");

  cv1::DeleteRouterRequest del;
  del.set_id("north");
  cv1::DeleteRouterResponse deleted;
  ASSERT_TRUE(stub().DeleteRouter(Ctx().get(), del, &deleted).ok());
  EXPECT_EQ(deleted.model_generation(), 4u);
  grpc::Status s = stub().GetRouter(Ctx().get(), get, &got);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(), HasSubstr("router \"north\""));
}

TEST_F(InventoryApiTest, LinkSiteServiceCrud) {
  cv1::CreateLinkRequest link;
  *link.mutable_link() = Parse<tv1::Link>(R"pb(
    id: "east--west"
    a { router_id: "east" interface: "eth2" }
    b { router_id: "west" interface: "eth3" }
    propagation_delay_us: 3000
    capacity_bps: 1000000000)pb");
  cv1::CreateLinkResponse link_created;
  ASSERT_TRUE(stub().CreateLink(Ctx().get(), link, &link_created).ok());

  // Take the link down by mask.
  cv1::UpdateLinkRequest down;
  down.mutable_link()->set_id("east--west");
  down.mutable_link()->set_admin_state(cpn::common::v1::ADMIN_STATE_DOWN);
  down.mutable_update_mask()->add_paths("admin_state");
  cv1::UpdateLinkResponse down_done;
  ASSERT_TRUE(stub().UpdateLink(Ctx().get(), down, &down_done).ok());
  EXPECT_EQ(down_done.link().admin_state(), cpn::common::v1::ADMIN_STATE_DOWN);
  EXPECT_EQ(down_done.link().capacity_bps(), 1000000000u);

  cv1::CreateServiceRequest svc;
  *svc.mutable_service() = Parse<compute::Service>(R"pb(id: "video"
                                                        anycast_prefix: "2001:db8:cafe:2::/64"
                                                        mean_service_time_ms: 20)pb");
  cv1::CreateServiceResponse svc_created;
  ASSERT_TRUE(stub().CreateService(Ctx().get(), svc, &svc_created).ok());

  cv1::CreateSiteRequest site;
  *site.mutable_site() = Parse<compute::Site>(R"pb(
    id: "edge"
    attachment { router_id: "in" interface: "site0" }
    capacities { service_id: "video" servers: 4 }
    capacities { service_id: "llm" servers: 2 })pb");
  cv1::CreateSiteResponse site_created;
  ASSERT_TRUE(stub().CreateSite(Ctx().get(), site, &site_created).ok());

  cv1::ListSitesResponse sites;
  ASSERT_TRUE(stub().ListSites(Ctx().get(), cv1::ListSitesRequest(), &sites).ok());
  ASSERT_EQ(sites.sites_size(), 3);
  EXPECT_EQ(sites.sites(0).id(), "east");
  EXPECT_EQ(sites.sites(1).id(), "edge");

  cv1::ListServicesResponse services;
  ASSERT_TRUE(stub().ListServices(Ctx().get(), cv1::ListServicesRequest(), &services).ok());
  ASSERT_EQ(services.services_size(), 2);

  // A hosted service cannot go; the site can, then the service.
  cv1::DeleteServiceRequest del_svc;
  del_svc.set_id("video");
  cv1::DeleteServiceResponse del_svc_done;
  grpc::Status s = stub().DeleteService(Ctx().get(), del_svc, &del_svc_done);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("site \"edge\""));
  cv1::DeleteSiteRequest del_site;
  del_site.set_id("edge");
  cv1::DeleteSiteResponse del_site_done;
  ASSERT_TRUE(stub().DeleteSite(Ctx().get(), del_site, &del_site_done).ok());
  ASSERT_TRUE(stub().DeleteService(Ctx().get(), del_svc, &del_svc_done).ok());
  cv1::DeleteLinkRequest del_link;
  del_link.set_id("east--west");
  cv1::DeleteLinkResponse del_link_done;
  ASSERT_TRUE(stub().DeleteLink(Ctx().get(), del_link, &del_link_done).ok());
  EXPECT_EQ(del_link_done.model_generation(), 7u);
  EXPECT_EQ(GetTopology(stub()).topology().links_size(), 4);
}

TEST_F(InventoryApiTest, DuplicateIdIsAlreadyExists) {
  cv1::CreateRouterRequest r;
  *r.mutable_router() = Parse<tv1::Router>(R"pb(id: "core" srv6_locator: "fcbb:bb00:9::/48")pb");
  cv1::CreateRouterResponse out;
  ExpectRejectedUnchanged([&] { return stub().CreateRouter(Ctx().get(), r, &out); },
                          grpc::StatusCode::ALREADY_EXISTS, {"router \"core\"", "already exists"});
}

TEST_F(InventoryApiTest, DanglingLinkEndpointIsInvalidArgument) {
  cv1::CreateLinkRequest r;
  *r.mutable_link() = Parse<tv1::Link>(R"pb(
    id: "core--nowhere"
    a { router_id: "core" interface: "eth9" }
    b { router_id: "nowhere" interface: "eth1" }
    capacity_bps: 1000)pb");
  cv1::CreateLinkResponse out;
  ExpectRejectedUnchanged([&] { return stub().CreateLink(Ctx().get(), r, &out); },
                          grpc::StatusCode::INVALID_ARGUMENT,
                          {"link \"core--nowhere\"", "b.router_id", "\"nowhere\""});
}

TEST_F(InventoryApiTest, BadPrefixIsInvalidArgument) {
  cv1::CreateServiceRequest r;
  *r.mutable_service() =
      Parse<compute::Service>(R"pb(id: "bad" anycast_prefix: "2001:db8:zz::/64")pb");
  cv1::CreateServiceResponse out;
  ExpectRejectedUnchanged([&] { return stub().CreateService(Ctx().get(), r, &out); },
                          grpc::StatusCode::INVALID_ARGUMENT,
                          {"service \"bad\"", "anycast_prefix"});
}

TEST_F(InventoryApiTest, OverlappingLocatorIsInvalidArgument) {
  cv1::CreateRouterRequest r;
  *r.mutable_router() = Parse<tv1::Router>(R"pb(id: "twin" srv6_locator: "fcbb:bb00:2:1::/64")pb");
  cv1::CreateRouterResponse out;
  ExpectRejectedUnchanged([&] { return stub().CreateRouter(Ctx().get(), r, &out); },
                          grpc::StatusCode::INVALID_ARGUMENT, {"srv6_locator", "overlaps"});
}

TEST_F(InventoryApiTest, SiteWithUnknownServiceIsInvalidArgument) {
  cv1::CreateSiteRequest r;
  *r.mutable_site() = Parse<compute::Site>(R"pb(
    id: "far"
    attachment { router_id: "in" interface: "site0" }
    capacities { service_id: "nosuch" servers: 1 })pb");
  cv1::CreateSiteResponse out;
  ExpectRejectedUnchanged([&] { return stub().CreateSite(Ctx().get(), r, &out); },
                          grpc::StatusCode::INVALID_ARGUMENT,
                          {"site \"far\"", "capacities[0].service_id", "\"nosuch\""});
}

TEST_F(InventoryApiTest, ZeroCapacityLinkIsInvalidArgument) {
  cv1::UpdateLinkRequest r;
  r.mutable_link()->set_id("in--core");
  r.mutable_link()->set_capacity_bps(0);
  r.mutable_update_mask()->add_paths("capacity_bps");
  cv1::UpdateLinkResponse out;
  ExpectRejectedUnchanged([&] { return stub().UpdateLink(Ctx().get(), r, &out); },
                          grpc::StatusCode::INVALID_ARGUMENT,
                          {"link \"in--core\"", "capacity_bps"});
}

TEST_F(InventoryApiTest, EmptyIdIsInvalidArgument) {
  cv1::CreateRouterRequest r;
  r.mutable_router()->set_srv6_locator("fcbb:bb00:9::/48");
  cv1::CreateRouterResponse out;
  ExpectRejectedUnchanged([&] { return stub().CreateRouter(Ctx().get(), r, &out); },
                          grpc::StatusCode::INVALID_ARGUMENT, {"router.id is empty"});
}

TEST_F(InventoryApiTest, BadUpdateMasksAreInvalidArgument) {
  cv1::UpdateRouterRequest r;
  r.mutable_router()->set_id("core");
  r.mutable_update_mask()->add_paths("id");
  cv1::UpdateRouterResponse out;
  ExpectRejectedUnchanged([&] { return stub().UpdateRouter(Ctx().get(), r, &out); },
                          grpc::StatusCode::INVALID_ARGUMENT, {"update_mask.paths[0]", "\"id\""});
  r.mutable_update_mask()->set_paths(0, "colour");
  ExpectRejectedUnchanged([&] { return stub().UpdateRouter(Ctx().get(), r, &out); },
                          grpc::StatusCode::INVALID_ARGUMENT,
                          {"update_mask.paths[0]", "\"colour\"", "cpn.topology.v1.Router"});
}

TEST_F(InventoryApiTest, MissingIdsAreNotFound) {
  cv1::UpdateSiteRequest r;
  r.mutable_site()->set_id("atlantis");
  cv1::UpdateSiteResponse out;
  ExpectRejectedUnchanged([&] { return stub().UpdateSite(Ctx().get(), r, &out); },
                          grpc::StatusCode::NOT_FOUND, {"site \"atlantis\""});
  cv1::DeleteLinkRequest d;
  d.set_id("a--b");
  cv1::DeleteLinkResponse dout;
  ExpectRejectedUnchanged([&] { return stub().DeleteLink(Ctx().get(), d, &dout); },
                          grpc::StatusCode::NOT_FOUND, {"link \"a--b\""});
}

TEST_F(InventoryApiTest, DeletingAReferencedRouterIsFailedPrecondition) {
  cv1::DeleteRouterRequest r;
  r.set_id("west");
  cv1::DeleteRouterResponse out;
  ExpectRejectedUnchanged([&] { return stub().DeleteRouter(Ctx().get(), r, &out); },
                          grpc::StatusCode::FAILED_PRECONDITION,
                          {"router \"west\"", "link \"core--west\"", "site \"west\""});
}

TEST_F(InventoryApiTest, StaleExpectedGenerationIsFailedPrecondition) {
  cv1::CreateRouterRequest r;
  *r.mutable_router() = Parse<tv1::Router>(R"pb(id: "north" srv6_locator: "fcbb:bb00:9::/48")pb");
  r.set_expected_generation(7);
  cv1::CreateRouterResponse out;
  ExpectRejectedUnchanged([&] { return stub().CreateRouter(Ctx().get(), r, &out); },
                          grpc::StatusCode::FAILED_PRECONDITION,
                          {"expected_generation 7", "generation 0"});
  r.set_expected_generation(0);
  EXPECT_TRUE(stub().CreateRouter(Ctx().get(), r, &out).ok());
}

TEST_F(InventoryApiTest, ImportRejectsBadRequestsAndLeavesTheModel) {
  cv1::ImportTopologyRequest r;
  *r.mutable_topology() = TestTopology();
  cv1::ImportTopologyResponse out;
  ExpectRejectedUnchanged([&] { return stub().ImportTopology(Ctx().get(), r, &out); },
                          grpc::StatusCode::INVALID_ARGUMENT, {"mode"});

  r.set_mode(cv1::IMPORT_MODE_MERGE);
  r.mutable_remove()->add_router_ids("atlantis");
  ExpectRejectedUnchanged([&] { return stub().ImportTopology(Ctx().get(), r, &out); },
                          grpc::StatusCode::INVALID_ARGUMENT,
                          {"remove.router_ids[0]", "\"atlantis\""});

  // A whole replacement with one bad reference changes nothing at all.
  r.clear_remove();
  r.set_mode(cv1::IMPORT_MODE_REPLACE);
  r.mutable_topology()->mutable_routers(0)->set_id("renamed");
  r.mutable_topology()->add_routers()->set_id("extra");
  ExpectRejectedUnchanged([&] { return stub().ImportTopology(Ctx().get(), r, &out); },
                          grpc::StatusCode::INVALID_ARGUMENT, {"\"in\""});
}

TEST_F(InventoryApiTest, ImportReplaceMergeAndValidateOnly) {
  // The same topology again: nothing changes, everything counts unchanged.
  cv1::ImportTopologyRequest same;
  *same.mutable_topology() = TestTopology();
  same.set_mode(cv1::IMPORT_MODE_REPLACE);
  cv1::ImportTopologyResponse out;
  ASSERT_TRUE(stub().ImportTopology(Ctx().get(), same, &out).ok());
  EXPECT_EQ(out.model_generation(), 0u);
  EXPECT_EQ(out.summary().routers().unchanged(), 4u);
  EXPECT_EQ(out.summary().links().unchanged(), 4u);

  // Merge: add a router and a link, remove a link; validate only first.
  cv1::ImportTopologyRequest merge;
  merge.set_mode(cv1::IMPORT_MODE_MERGE);
  *merge.mutable_topology() = Parse<tv1::Topology>(R"pb(
    routers { id: "north" srv6_locator: "fcbb:bb00:9::/48" }
    links {
      id: "north--core"
      a { router_id: "north" interface: "eth1" }
      b { router_id: "core" interface: "eth9" }
      capacity_bps: 1000000000
    })pb");
  merge.mutable_remove()->add_link_ids("in--west");
  merge.set_validate_only(true);
  cv1::GetTopologyResponse before = GetTopology(stub());
  ASSERT_TRUE(stub().ImportTopology(Ctx().get(), merge, &out).ok());
  EXPECT_EQ(out.summary().routers().created(), 1u);
  EXPECT_EQ(out.summary().links().created(), 1u);
  EXPECT_EQ(out.summary().links().deleted(), 1u);
  EXPECT_EQ(out.model_generation(), 0u);
  EXPECT_TRUE(MessageDifferencer::Equals(before, GetTopology(stub())));

  merge.set_validate_only(false);
  ASSERT_TRUE(stub().ImportTopology(Ctx().get(), merge, &out).ok());
  EXPECT_EQ(out.model_generation(), 1u);
  EXPECT_THAT(out.warnings(), ::testing::Contains(HasSubstr("igp_metric 0")));
  cv1::GetTopologyResponse after = GetTopology(stub());
  EXPECT_EQ(after.topology().routers_size(), 5);
  EXPECT_EQ(after.topology().links_size(), 4);
  for (const tv1::Link& l : after.topology().links()) EXPECT_NE(l.id(), "in--west");

  // Replace with the shipped Chinanet file (read as text format here).
  absl::StatusOr<tv1::Topology> chinanet;
  {
    std::ifstream in(std::string(CPN_SOURCE_DIR) + "/lab/topologies/chinanet-edwc.txtpb");
    std::stringstream text;
    text << in.rdbuf();
    tv1::Topology t;
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(text.str(), &t));
    chinanet = t;
  }
  cv1::ImportTopologyRequest replace;
  replace.set_mode(cv1::IMPORT_MODE_REPLACE);
  *replace.mutable_topology() = *chinanet;
  ASSERT_TRUE(stub().ImportTopology(Ctx().get(), replace, &out).ok());
  EXPECT_EQ(out.summary().routers().created(), static_cast<uint32_t>(chinanet->routers_size()));
  EXPECT_EQ(out.summary().routers().deleted(), 5u);
  EXPECT_EQ(out.summary().sites().created(), static_cast<uint32_t>(chinanet->sites_size()));
  cv1::GetTopologyResponse shown = GetTopology(stub());
  EXPECT_EQ(shown.model_generation(), 2u);
  EXPECT_EQ(shown.topology().routers_size(), chinanet->routers_size());
  // Lists come back ordered by id.
  for (int i = 1; i < shown.topology().routers_size(); ++i) {
    EXPECT_LT(shown.topology().routers(i - 1).id(), shown.topology().routers(i).id());
  }
}

}  // namespace
}  // namespace cpn::api::testing
