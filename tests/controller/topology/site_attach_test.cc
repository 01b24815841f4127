#include "controller/topology/site_attach.h"

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "controller/topology/graphml_import.h"
#include "controller/topology/import_overlay.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/controller/topology/topology_invariants.h"

namespace cpn::topology {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const std::string kLab = std::string(CPN_SOURCE_DIR) + "/lab/topologies/";
const std::string kClusters =
    std::string(CPN_SHARED_DATA_DIR) + "/sites_china/eastdata_westcompute_hubs_clusters.csv";

constexpr char kHeader[] =
    "hub_cn,hub_en,hub_type,cluster_cn,cluster_en,proxy_admin_unit,adcode,longitude,latitude,"
    "note\n";

// Three rows of the shared cluster list (same format and values).
std::string ThreeClusters() {
  return std::string(kHeader) +
         "京津冀,Beijing-Tianjin-Hebei,demand_hub (user-dense),张家口集群,Zhangjiakou cluster,"
         "张家口市,130700000000,114.886252,40.768493,\n"
         "甘肃,Gansu,resource_hub (energy-rich),庆阳集群,Qingyang cluster,庆阳市,621000000000,"
         "107.643571,35.70898,\n"
         "贵州,Guizhou,resource_hub (energy-rich),贵安集群,Gui'an cluster,花溪区,520111000000,"
         "106.67026,26.409817,\"Gui'an New Area, between Huaxi and Qingzhen\"\n";
}

// Chinanet with the shipped overlay and the demo service.
v1::Topology Chinanet() {
  absl::StatusOr<v1::ImportOverlay> overlay =
      ReadImportOverlayFile(kLab + "chinanet.overlay.txtpb");
  EXPECT_TRUE(overlay.ok()) << overlay.status();
  absl::StatusOr<ImportResult> r =
      ImportGraphmlFile(kLab + "Chinanet.graphml", GraphmlImportOptions(), &*overlay);
  EXPECT_TRUE(r.ok()) << r.status();
  v1::Topology t = r->topology;
  *t.add_services() = DefaultLlmInferenceService();
  return t;
}

const v1::Router& Router(const v1::Topology& t, const std::string& id) {
  for (const auto& r : t.routers()) {
    if (r.id() == id) return r;
  }
  ADD_FAILURE() << "no router " << id;
  return t.routers(0);
}

TEST(TopologyImportSiteCsvTest, ParsesTheClusterFormat) {
  absl::StatusOr<std::vector<SiteSeed>> seeds = ParseSiteSeedsCsv(ThreeClusters(), "c.csv");
  ASSERT_TRUE(seeds.ok()) << seeds.status();
  ASSERT_EQ(seeds->size(), 3u);
  const SiteSeed& z = (*seeds)[0];
  EXPECT_EQ(z.id, "zhangjiakou");
  EXPECT_EQ(z.name, "Zhangjiakou cluster (Beijing-Tianjin-Hebei)");
  EXPECT_DOUBLE_EQ(z.location.latitude_deg, 40.768493);
  EXPECT_DOUBLE_EQ(z.location.longitude_deg, 114.886252);
  EXPECT_EQ(z.place, "张家口市");
  EXPECT_EQ(z.hub_kind, HubKind::kDemand);
  EXPECT_EQ(z.grid_zone, "CN-HE");
  EXPECT_EQ((*seeds)[1].hub_kind, HubKind::kResource);
  EXPECT_EQ((*seeds)[1].grid_zone, "CN-GS");
  EXPECT_EQ((*seeds)[2].id, "guian");  // apostrophe dropped, quoted note with a comma
  EXPECT_EQ((*seeds)[2].grid_zone, "CN-GZ");
}

TEST(TopologyImportSiteCsvTest, ErrorsNameFileAndLine) {
  auto error = [](const std::string& csv) {
    absl::StatusOr<std::vector<SiteSeed>> s = ParseSiteSeedsCsv(csv, "c.csv");
    EXPECT_FALSE(s.ok());
    return std::string(s.status().message());
  };
  EXPECT_EQ(error(std::string(kHeader) + "a,b,demand_hub,c,X cluster,p,11,116.4,north,\n"),
            "c.csv:2: latitude \"north\" is not a number");
  EXPECT_EQ(error(std::string(kHeader) + "a,b,demand_hub,c,X cluster,p,11,116.4,39.9,\n" +
                  "a,b,edge_hub,c,Y cluster,p,11,116.4,39.9,\n"),
            "c.csv:3: hub_type \"edge_hub\" is neither demand_hub... nor resource_hub...");
  EXPECT_EQ(error(std::string(kHeader) + "a,b,demand_hub,c,X cluster,p,11,116.4,39.9\n"),
            "c.csv:2: 9 fields, the header has 10");
  EXPECT_EQ(error(std::string(kHeader) + "a,b,demand_hub,c,X cluster,p,11,116.4,39.9,\n" +
                  "a,b,demand_hub,c,X,p,11,116.4,39.9,\n"),
            "c.csv:3: site id \"x\" (from cluster_en \"X\") repeats an earlier row");
  EXPECT_EQ(error("cluster_en,hub_type,longitude\nX,demand_hub,1\n"),
            "c.csv:1: header has no column \"latitude\"");
  EXPECT_EQ(error(std::string(kHeader) + "a,b,demand_hub,c,X cluster,p,11,116.4,95,\n"),
            "c.csv:2: (latitude 95, longitude 116.4) is out of range");
  EXPECT_EQ(error(std::string(kHeader) + "a,\"b\n\nx"), "c.csv:2: quoted field is never closed");
  EXPECT_EQ(error(""), "c.csv: empty file, no header row");
}

TEST(TopologyImportSiteAttachTest, EachClusterLandsOnItsNearestRouter) {
  v1::Topology t = Chinanet();
  absl::StatusOr<std::vector<SiteSeed>> seeds = ParseSiteSeedsCsv(ThreeClusters(), "c.csv");
  ASSERT_TRUE(seeds.ok()) << seeds.status();
  absl::StatusOr<std::vector<AttachedSite>> attached = AttachSitesNearest(t, *seeds, {});
  ASSERT_TRUE(attached.ok()) << attached.status();
  // By hand (haversine): Zhangjiakou is 160 km from Beijing, 272 km from
  // Hohhot; Qingyang 199 km from Xi'an, 330 km from Yinchuan, 349 km from
  // Lanzhou; Gui'an (Huaxi) 20 km from Guiyang.
  ASSERT_EQ(attached->size(), 3u);
  EXPECT_EQ((*attached)[0].router_id, "beijing");
  EXPECT_NEAR((*attached)[0].distance_km, 160, 1);
  EXPECT_EQ((*attached)[1].router_id, "xian");
  EXPECT_NEAR((*attached)[1].distance_km, 199, 1);
  EXPECT_EQ((*attached)[2].router_id, "guiyang");

  ASSERT_EQ(t.sites_size(), 3);
  const auto& z = t.sites(0);
  EXPECT_EQ(z.id(), "zhangjiakou");
  EXPECT_EQ(z.attachment().router_id(), "beijing");
  EXPECT_EQ(z.attachment().interface(), "site-zhangjiakou");
  EXPECT_EQ(z.attachment().next_hop_ipv6(), "2001:db8:5:1::2");
  EXPECT_THAT(z.attachment().site_prefixes(), ElementsAre("2001:db8:5:1::/64"));
  EXPECT_EQ(z.attachment().next_hop_ipv4(), "");
  ASSERT_EQ(z.capacities_size(), 1);
  EXPECT_EQ(z.capacities(0).service_id(), "llm-inference");
  EXPECT_EQ(z.capacities(0).servers(), 16u);  // demand hub
  EXPECT_DOUBLE_EQ(z.power().pue(), 1.25);
  EXPECT_DOUBLE_EQ(z.power().max_power_w(), 16 * 10200.0);
  EXPECT_DOUBLE_EQ(z.power().carbon_intensity_g_per_kwh(), 0);
  EXPECT_EQ(z.power().grid_zone(), "CN-HE");
  const auto& q = t.sites(1);
  EXPECT_EQ(q.capacities(0).servers(), 48u);  // resource hub: more servers
  EXPECT_DOUBLE_EQ(q.power().pue(), 1.2);
  EXPECT_EQ(t.sites(2).attachment().site_prefixes(0), "2001:db8:5:3::/64");

  EXPECT_THAT(
      Router(t, "beijing").roles(),
      ElementsAre(v1::ROUTER_ROLE_CORE, v1::ROUTER_ROLE_INGRESS, v1::ROUTER_ROLE_SITE_GATEWAY));
  EXPECT_THAT(Router(t, "shanghai").roles(),
              ElementsAre(v1::ROUTER_ROLE_CORE, v1::ROUTER_ROLE_INGRESS));
  EXPECT_THAT(testing::CheckTopologyInvariants(t), IsEmpty());
}

TEST(TopologyImportSiteAttachTest, TheTenClustersOfTheSharedList) {
  if (!std::filesystem::exists(kClusters)) GTEST_SKIP() << kClusters << " is absent";
  absl::StatusOr<std::vector<SiteSeed>> seeds = ReadSiteSeedsCsvFile(kClusters);
  ASSERT_TRUE(seeds.ok()) << seeds.status();
  v1::Topology t = Chinanet();
  absl::StatusOr<std::vector<AttachedSite>> attached = AttachSitesNearest(t, *seeds, {});
  ASSERT_TRUE(attached.ok()) << attached.status();
  std::map<std::string, std::string> got;
  for (const AttachedSite& a : *attached) got[a.site_id] = a.router_id;
  const std::map<std::string, std::string> want = {
      {"zhangjiakou", "beijing"},
      // Qingpu: 33 km to Shanghai, 51 km to Suzhou.
      {"yrd-eco-green-integrated-demo-zone", "shanghai"},
      // Wuhu: 85 km to Nanjing, 123 km to Hefei.
      {"wuhu", "nanjing"},
      {"shaoguan", "guangzhou"},
      {"tianfu", "chengdu"},
      {"chongqing", "chongqing"},
      {"horinger", "hohhot"},
      {"guian", "guiyang"},
      {"qingyang", "xian"},
      // Zhongwei: 143 km to Yinchuan, 204 km to Lanzhou.
      {"zhongwei", "yinchuan"},
  };
  EXPECT_EQ(got, want);
  int resource = 0;
  for (const auto& s : t.sites()) resource += s.capacities(0).servers() == 48;
  EXPECT_EQ(resource, 4);  // Inner Mongolia, Guizhou, Gansu, Ningxia
  EXPECT_THAT(testing::CheckTopologyInvariants(t), IsEmpty());
}

TEST(TopologyImportSiteAttachTest, Ipv4PlanAndServiceChoice) {
  v1::Topology t = Chinanet();
  auto* other = t.add_services();
  other->set_id("batch");
  absl::StatusOr<std::vector<SiteSeed>> seeds = ParseSiteSeedsCsv(ThreeClusters(), "c.csv");
  ASSERT_TRUE(seeds.ok());
  SiteDefaults defaults;
  defaults.site_ipv4_block = "198.18.0.0/16";
  defaults.service_ids = {"batch"};
  defaults.resource_hub_servers = 100;
  ASSERT_TRUE(AttachSitesNearest(t, *seeds, defaults).ok());
  const auto& q = t.sites(1);
  EXPECT_EQ(q.attachment().next_hop_ipv4(), "198.18.2.2");
  EXPECT_THAT(q.attachment().site_prefixes(), ElementsAre("2001:db8:5:2::/64", "198.18.2.0/24"));
  ASSERT_EQ(q.capacities_size(), 1);
  EXPECT_EQ(q.capacities(0).service_id(), "batch");
  EXPECT_EQ(q.capacities(0).servers(), 100u);
}

TEST(TopologyImportSiteAttachTest, FailuresLeaveTheTopologyUnchanged) {
  v1::Topology t = Chinanet();
  absl::StatusOr<std::vector<SiteSeed>> seeds = ParseSiteSeedsCsv(ThreeClusters(), "c.csv");
  ASSERT_TRUE(seeds.ok());
  const std::string before = t.SerializeAsString();

  SiteDefaults defaults;
  defaults.service_ids = {"nope"};
  EXPECT_EQ(AttachSitesNearest(t, *seeds, defaults).status().message(),
            "cannot attach sites: service \"nope\" is not in the topology");

  std::vector<SiteSeed> twice = *seeds;
  twice.push_back((*seeds)[0]);
  EXPECT_EQ(AttachSitesNearest(t, twice, {}).status().message(),
            "site id \"zhangjiakou\" is taken");

  defaults = SiteDefaults();
  defaults.site_prefix_block = "2001:db8:5::/63";  // room for one /64 besides number 0
  EXPECT_EQ(AttachSitesNearest(t, *seeds, defaults).status().message(),
            "\"2001:db8:5::/63\" has no /64 prefix number 2 (only 2 of them)");
  EXPECT_EQ(t.SerializeAsString(), before);

  v1::Topology empty;
  EXPECT_EQ(AttachSitesNearest(empty, *seeds, {}).status().message(),
            "cannot attach sites: the topology has no routers");
}

TEST(TopologyImportDefaultServiceTest, LlmInference) {
  const compute::v1::Service s = DefaultLlmInferenceService();
  EXPECT_EQ(s.id(), "llm-inference");
  EXPECT_EQ(s.anycast_prefix(), "2001:db8:cafe:1::/64");
  EXPECT_EQ(s.protocol(), compute::v1::PROTOCOL_TCP);
  ASSERT_EQ(s.ports_size(), 1);
  EXPECT_EQ(s.ports(0).first(), 443u);
  EXPECT_GT(s.latency_bound_ms(), s.mean_service_time_ms());
  EXPECT_GT(s.mean_request_bytes(), 0u);
  EXPECT_GT(s.mean_response_bytes(), 0u);
}

}  // namespace
}  // namespace cpn::topology
