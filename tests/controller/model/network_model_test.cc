#include "controller/model/network_model.h"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/controller/model/test_topologies.h"

namespace cpn::model {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;
using testing::FullTopology;
using testing::KdlSizedTopology;
using ::testing::UnorderedElementsAre;
namespace tv1 = cpn::topology::v1;

template <typename T>
std::shared_ptr<const NetworkModel> MustBuild(T&& t) {
  absl::StatusOr<std::shared_ptr<const NetworkModel>> m = NetworkModel::Build(std::forward<T>(t));
  EXPECT_TRUE(m.ok()) << m.status();
  return m.ok() ? *m : nullptr;
}

TEST(ModelNetworkTest, NumbersEntitiesInTopologyOrderAndFindsThemById) {
  auto m = MustBuild(FullTopology());
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->name(), "testnet");
  ASSERT_EQ(m->num_routers(), 4u);
  EXPECT_EQ(m->router(RouterIndex(2)).id, "gz");
  EXPECT_EQ(m->FindRouter("cd"), RouterIndex(3));
  EXPECT_EQ(m->FindRouter("nowhere"), std::nullopt);
  EXPECT_EQ(m->FindLink("sh--gz"), LinkIndex(2));
  EXPECT_EQ(m->FindOpticalNode("o-wh"), OpticalNodeIndex(3));
  EXPECT_EQ(m->FindFiber("f-wh-gz"), FiberIndex(2));
  EXPECT_EQ(m->FindLightpath("lp-sh-gz"), LightpathIndex(2));
  EXPECT_EQ(m->FindSite("ws"), SiteIndex(1));
  EXPECT_EQ(m->FindService("video"), ServiceIndex(1));
  // The proto of entity i is the i-th element of its Topology field.
  EXPECT_EQ(m->proto().routers(2).id(), "gz");
}

TEST(ModelNetworkTest, EachLinkGivesTwoArcsInCsrAdjacency) {
  auto m = MustBuild(FullTopology());
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(m->num_arcs(), 10u);
  const LinkIndex bj_sh = *m->FindLink("bj--sh");
  const ArcIndex forward = ArcOf(bj_sh, ArcDirection::kAToB);
  EXPECT_EQ(forward, ArcIndex(0));
  EXPECT_EQ(m->arc_tail(forward), *m->FindRouter("bj"));
  EXPECT_EQ(m->arc_head(forward), *m->FindRouter("sh"));
  EXPECT_EQ(m->arc_tail(ReverseOf(forward)), *m->FindRouter("sh"));
  EXPECT_EQ(LinkOf(ReverseOf(forward)), bj_sh);

  // gz: b of bj--gz (arc 3), b of sh--gz (arc 5), a of gz--cd (arc 6).
  std::vector<uint32_t> gz_out;
  for (ArcIndex a : m->out_arcs(*m->FindRouter("gz"))) gz_out.push_back(a.value());
  EXPECT_THAT(gz_out, ElementsAre(3u, 5u, 6u));
  size_t total = 0;
  for (uint32_t r = 0; r < m->num_routers(); ++r) {
    for (ArcIndex a : m->out_arcs(RouterIndex(r))) {
      EXPECT_EQ(m->arc_tail(a), RouterIndex(r));
      ++total;
    }
  }
  EXPECT_EQ(total, m->num_arcs());
  EXPECT_EQ(m->arc_delay_us()[1], 5400u);
  EXPECT_EQ(m->arc_capacity_bps()[4], 40000000000u);
}

TEST(ModelNetworkTest, DownLinkIsKeptButOutOfService) {
  auto m = MustBuild(FullTopology());
  ASSERT_NE(m, nullptr);
  const LinkIndex sh_cd = *m->FindLink("sh--cd");
  EXPECT_FALSE(m->link(sh_cd).up);
  EXPECT_EQ(m->arc_in_service()[ArcOf(sh_cd, ArcDirection::kAToB).value()], 0);
  EXPECT_EQ(m->arc_in_service()[ArcOf(sh_cd, ArcDirection::kBToA).value()], 0);
  EXPECT_EQ(m->arc_in_service()[0], 1);

  tv1::Topology t = FullTopology();
  t.mutable_routers(0)->set_admin_state(cpn::common::v1::ADMIN_STATE_DOWN);  // bj
  auto down = MustBuild(t);
  ASSERT_NE(down, nullptr);
  EXPECT_FALSE(down->router(RouterIndex(0)).up);
  // Links of a down router are out of service though the links are up.
  EXPECT_TRUE(down->link(*down->FindLink("bj--sh")).up);
  EXPECT_EQ(down->arc_in_service()[0], 0);
  EXPECT_EQ(down->arc_in_service()[ArcOf(*down->FindLink("sh--gz"), ArcDirection::kAToB).value()],
            1);
}

TEST(ModelNetworkTest, IgpMetricZeroIsDerivedAsOneUnitPerMicrosecond) {
  auto m = MustBuild(FullTopology());
  ASSERT_NE(m, nullptr);
  const Link& derived = m->link(*m->FindLink("bj--sh"));
  EXPECT_TRUE(derived.igp_metric_derived);
  EXPECT_EQ(derived.igp_metric, 5400u);
  const Link& configured = m->link(*m->FindLink("bj--gz"));
  EXPECT_FALSE(configured.igp_metric_derived);
  EXPECT_EQ(configured.igp_metric, 50u);
  EXPECT_EQ(m->arc_igp_metric()[ArcOf(*m->FindLink("bj--gz"), ArcDirection::kBToA).value()], 50u);

  // A zero-delay link still gets metric 1, never 0.
  tv1::Topology t = FullTopology();
  t.mutable_links(3)->set_propagation_delay_us(0);
  auto zero = MustBuild(t);
  ASSERT_NE(zero, nullptr);
  EXPECT_EQ(zero->link(LinkIndex(3)).igp_metric, 1u);
}

TEST(ModelNetworkTest, ParsesRouterAddressesAndDefaultsTheLoopback) {
  auto m = MustBuild(FullTopology());
  ASSERT_NE(m, nullptr);
  const Router& bj = m->router(*m->FindRouter("bj"));
  EXPECT_EQ(bj.srv6_locator.ToString(), "fcbb:bb00:1::/48");
  EXPECT_EQ(bj.loopback.ToString(), "fcbb:bb00:1::100");
  EXPECT_FALSE(bj.loopback_defaulted);
  ASSERT_TRUE(bj.location.has_value());
  EXPECT_DOUBLE_EQ(bj.location->latitude_deg, 39.9);
  EXPECT_TRUE(bj.HasRole(tv1::ROUTER_ROLE_INGRESS));
  EXPECT_FALSE(bj.HasRole(tv1::ROUTER_ROLE_SITE_GATEWAY));
  const Router& sh = m->router(*m->FindRouter("sh"));
  EXPECT_EQ(sh.loopback.ToString(), "fcbb:bb00:2::1");
  EXPECT_TRUE(sh.loopback_defaulted);
  EXPECT_FALSE(m->router(*m->FindRouter("gz")).location.has_value());

  const Link& l = m->link(*m->FindLink("bj--sh"));
  ASSERT_TRUE(l.a.ipv6_address.has_value());
  EXPECT_EQ(l.a.ipv6_address->Subnet().ToString(), "2001:db8:0:1::/127");
  ASSERT_TRUE(l.a.mac_address.has_value());
  EXPECT_EQ(l.a.mac_address->ToString(), "02:00:00:00:01:01");
  EXPECT_EQ(l.a.interface, "eth-sh");
}

TEST(ModelNetworkTest, PlacementsApplyServiceDefaultsAndDeriveStaticWeights) {
  auto m = MustBuild(FullTopology());
  ASSERT_NE(m, nullptr);
  const SiteIndex qy = *m->FindSite("qy");
  const ServiceIndex llm = *m->FindService("llm");
  const ServiceIndex video = *m->FindService("video");
  EXPECT_EQ(m->site(qy).attachment.router, *m->FindRouter("cd"));
  EXPECT_THAT(m->router(*m->FindRouter("cd")).sites, ElementsAre(qy));
  ASSERT_EQ(m->placements_of(qy).size(), 2u);

  const Placement& qy_llm = m->placement(*m->FindPlacement(qy, llm));
  EXPECT_EQ(qy_llm.servers, 8u);
  EXPECT_DOUBLE_EQ(qy_llm.mean_service_time_ms, 50);  // the service default
  EXPECT_FALSE(qy_llm.service_time_from_site);
  EXPECT_DOUBLE_EQ(qy_llm.static_weight, 8 * 1000.0 / 50);  // c·µ, requests/s
  EXPECT_TRUE(qy_llm.static_weight_derived);

  const Placement& qy_video = m->placement(*m->FindPlacement(qy, video));
  EXPECT_DOUBLE_EQ(qy_video.mean_service_time_ms, 20);  // the site override
  EXPECT_TRUE(qy_video.service_time_from_site);
  EXPECT_DOUBLE_EQ(qy_video.static_weight, 3);

  EXPECT_EQ(m->FindPlacement(*m->FindSite("ws"), video), std::nullopt);
  EXPECT_EQ(m->service(llm).placements.size(), 2u);
  EXPECT_EQ(m->placement(m->service(llm).placements[1]).site, *m->FindSite("ws"));

  const Service& s = m->service(llm);
  EXPECT_EQ(s.anycast_prefix.ToString(), "2001:db8:cafe:1::/64");
  ASSERT_TRUE(s.anycast_prefix_ipv4.has_value());
  EXPECT_EQ(s.anycast_prefix_ipv4->ToString(), "198.51.100.0/24");
  ASSERT_EQ(s.ports.size(), 2u);
  EXPECT_EQ(s.ports[0].first, 443);
  EXPECT_EQ(s.ports[0].last, 443);  // last 0 means "same as first"
  EXPECT_EQ(s.ports[1].last, 8080);
  const SiteAttachment& att = m->site(qy).attachment;
  ASSERT_EQ(att.site_prefixes_ipv6.size(), 1u);
  ASSERT_EQ(att.site_prefixes_ipv4.size(), 1u);
  EXPECT_EQ(att.next_hop_ipv4->ToString(), "10.5.0.2");
}

TEST(ModelNetworkTest, ToProtoReturnsExactlyWhatWasGiven) {
  const tv1::Topology t = FullTopology();
  auto m = MustBuild(t);
  ASSERT_NE(m, nullptr);
  const tv1::Topology out = m->ToProto();
  std::string diff;
  MessageDifferencer differ;
  differ.ReportDifferencesToString(&diff);
  EXPECT_TRUE(differ.Compare(t, out)) << diff;
  // Strings are kept as written, not re-canonicalised.
  tv1::Topology odd = t;
  odd.mutable_routers(1)->set_srv6_locator("FCBB:BB00:0002::/48");
  auto m2 = MustBuild(odd);
  ASSERT_NE(m2, nullptr);
  EXPECT_EQ(m2->ToProto().routers(1).srv6_locator(), "FCBB:BB00:0002::/48");
  EXPECT_EQ(m2->router(RouterIndex(1)).srv6_locator.ToString(), "fcbb:bb00:2::/48");
}

TEST(ModelNetworkTest, RebuildingFromToProtoGivesTheSameModel) {
  auto m = MustBuild(FullTopology());
  ASSERT_NE(m, nullptr);
  auto again = MustBuild(m->ToProto());
  ASSERT_NE(again, nullptr);
  EXPECT_TRUE(MessageDifferencer::Equals(m->ToProto(), again->ToProto()));
  ASSERT_EQ(again->num_links(), m->num_links());
  for (size_t l = 0; l < m->num_links(); ++l) {
    EXPECT_EQ(again->links()[l].srlg_ids, m->links()[l].srlg_ids);
    EXPECT_EQ(again->links()[l].igp_metric, m->links()[l].igp_metric);
  }
  EXPECT_TRUE(std::equal(m->arc_heads().begin(), m->arc_heads().end(), again->arc_heads().begin(),
                         again->arc_heads().end()));
  ASSERT_EQ(again->placements().size(), m->placements().size());
  for (size_t p = 0; p < m->placements().size(); ++p) {
    EXPECT_EQ(again->placements()[p].static_weight, m->placements()[p].static_weight);
  }
}

// Walks `msg` and records, per message type, which fields are set somewhere.
void CollectSetFields(const google::protobuf::Message& msg,
                      std::set<const google::protobuf::FieldDescriptor*>* set,
                      std::set<const google::protobuf::Descriptor*>* seen_types) {
  const google::protobuf::Reflection* r = msg.GetReflection();
  seen_types->insert(msg.GetDescriptor());
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  r->ListFields(msg, &fields);
  for (const auto* f : fields) {
    set->insert(f);
    if (f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (f->is_repeated()) {
      for (int i = 0; i < r->FieldSize(msg, f); ++i) {
        CollectSetFields(r->GetRepeatedMessage(msg, f, i), set, seen_types);
      }
    } else {
      CollectSetFields(r->GetMessage(msg, f), set, seen_types);
    }
  }
}

// The round-trip test is only as strong as its fixture: FullTopology must
// set every field, so that a field added to the protos and not carried by the
// model breaks the round trip. This test fails when a new field is missing
// from the fixture.
TEST(ModelNetworkTest, FixtureSetsEveryFieldOfEveryMessage) {
  std::set<const google::protobuf::FieldDescriptor*> set;
  std::set<const google::protobuf::Descriptor*> types;
  CollectSetFields(FullTopology(), &set, &types);
  for (const google::protobuf::Descriptor* d : types) {
    for (int i = 0; i < d->field_count(); ++i) {
      EXPECT_TRUE(set.count(d->field(i))) << d->field(i)->full_name() << " is never set";
    }
  }
  EXPECT_EQ(types.size(), 16u);  // every message type under Topology
}

// CPU time of this thread, so that other processes on a busy machine do not
// count against the budget.
double ThreadCpuMs() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

TEST(ModelNetworkTest, KdlSizedNetworkBuildsWellUnderTenMilliseconds) {
#if defined(__SANITIZE_ADDRESS__) || !defined(__OPTIMIZE__)
  // Sanitizers and -O0 cost 3-10x; this still catches a quadratic step.
  constexpr double kBudgetMs = 50;
#else
  constexpr double kBudgetMs = 10;  // the requirement; about 1.5 ms today
#endif
  const tv1::Topology t = KdlSizedTopology();
  ASSERT_EQ(t.routers_size(), 754);
  ASSERT_EQ(t.links_size(), 900);
  auto first = MustBuild(t);  // warm up allocator and caches
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->num_arcs(), 1800u);
  std::vector<double> ms;
  for (int i = 0; i < 7; ++i) {
    const double start = ThreadCpuMs();
    auto m = NetworkModel::Build(t);
    ms.push_back(ThreadCpuMs() - start);
    ASSERT_TRUE(m.ok());
  }
  std::sort(ms.begin(), ms.end());
  EXPECT_LT(ms[ms.size() / 2], kBudgetMs) << "median Build CPU time " << ms[ms.size() / 2] << " ms";
}

TEST(ModelNetworkTest, BuildFromAMovedTopologyKeepsIt) {
  tv1::Topology t = FullTopology();
  auto m = MustBuild(tv1::Topology(t));
  ASSERT_NE(m, nullptr);
  EXPECT_TRUE(MessageDifferencer::Equals(m->ToProto(), t));
  EXPECT_EQ(m->router(RouterIndex(3)).id, "cd");
}

// Contract with the importer: every topology shipped in lab/topologies
// (overlays aside) is a valid model.
TEST(ModelNetworkTest, ShippedTopologiesBuild) {
  const std::filesystem::path dir = std::filesystem::path(CPN_SOURCE_DIR) / "lab/topologies";
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << dir << " is absent";
  int built = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".txtpb" || name.ends_with(".overlay.txtpb")) continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    tv1::Topology t;
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(text.str(), &t)) << name;
    absl::StatusOr<std::shared_ptr<const NetworkModel>> m = NetworkModel::Build(t);
    EXPECT_TRUE(m.ok()) << name << ": " << m.status();
    ++built;
  }
  if (built == 0) GTEST_SKIP() << "no topology files in " << dir;
}

TEST(ModelNetworkTest, SnapshotsAreIndependentOfTheirSource) {
  tv1::Topology t = FullTopology();
  auto m = MustBuild(t);
  ASSERT_NE(m, nullptr);
  t.mutable_routers(0)->set_id("changed");
  EXPECT_EQ(m->router(RouterIndex(0)).id, "bj");
  EXPECT_EQ(m->proto().routers(0).id(), "bj");
}

}  // namespace
}  // namespace cpn::model
