#include "controller/topology/graphml_import.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "controller/topology/geo.h"
#include "controller/topology/import_overlay.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/controller/topology/topology_invariants.h"

namespace cpn::topology {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const std::string kLab = std::string(CPN_SOURCE_DIR) + "/lab/topologies/";

// ---------------------------------------------------------------------------
// Small hand-written documents. The header is 9 lines, so the first element
// after it is on line 10.

std::string Doc(const std::vector<std::string>& elements) {
  return absl::StrCat(R"(<?xml version="1.0" encoding="utf-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  <key attr.name="label" attr.type="string" for="node" id="d0" />
  <key attr.name="Latitude" attr.type="double" for="node" id="d1" />
  <key attr.name="Longitude" attr.type="double" for="node" id="d2" />
  <key attr.name="LinkSpeedRaw" attr.type="double" for="edge" id="d3" />
  <key attr.name="label" attr.type="string" for="graph" id="d4" />
  <graph edgedefault="undirected">
    <data key="d4">Tiny</data>
)",
                      absl::StrJoin(elements, "\n"), "\n  </graph>\n</graphml>\n");
}

std::string Node(const std::string& id, const std::string& label, const std::string& lat,
                 const std::string& lon) {
  std::string out = absl::StrCat(R"(    <node id=")", id, R"(">)");
  if (!label.empty()) absl::StrAppend(&out, R"(<data key="d0">)", label, "</data>");
  if (!lat.empty()) absl::StrAppend(&out, R"(<data key="d1">)", lat, "</data>");
  if (!lon.empty()) absl::StrAppend(&out, R"(<data key="d2">)", lon, "</data>");
  return absl::StrCat(out, "</node>");
}

std::string Edge(const std::string& source, const std::string& target,
                 const std::string& speed = "") {
  std::string out = absl::StrCat(R"(    <edge source=")", source, R"(" target=")", target, R"(">)");
  if (!speed.empty()) absl::StrAppend(&out, R"(<data key="d3">)", speed, "</data>");
  return absl::StrCat(out, "</edge>");
}

// Shanghai, Hangzhou and Beijing.
std::vector<std::string> Triangle() {
  return {Node("0", "Shanghai", "31.22222", "121.45806"),
          Node("1", "Hangzhou", "30.25528", "120.16889"),
          Node("2", "Beijing", "39.9075", "116.39723"),
          Edge("0", "1", "2500000000.0"),
          Edge("1", "2"),
          Edge("2", "0")};
}

absl::StatusOr<ImportResult> Import(const std::string& xml,
                                    const GraphmlImportOptions& options = {},
                                    const v1::ImportOverlay* overlay = nullptr) {
  return ImportGraphml(xml, "t.graphml", options, overlay);
}

v1::ImportOverlay Overlay(const std::string& text) {
  absl::StatusOr<v1::ImportOverlay> overlay = ParseImportOverlay(text, "t.overlay.txtpb");
  EXPECT_TRUE(overlay.ok()) << overlay.status();
  return overlay.ok() ? *overlay : v1::ImportOverlay();
}

const v1::Router* FindRouter(const v1::Topology& t, const std::string& id) {
  for (const auto& r : t.routers()) {
    if (r.id() == id) return &r;
  }
  return nullptr;
}

const v1::Link* FindLink(const v1::Topology& t, const std::string& id) {
  for (const auto& l : t.links()) {
    if (l.id() == id) return &l;
  }
  return nullptr;
}

bool HasNote(const v1::Topology& t, const std::string& part) {
  for (const auto& n : t.provenance().notes()) {
    if (n.find(part) != std::string::npos) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------
// Mapping.

TEST(TopologyImportGraphmlTest, MapsNodesAndEdges) {
  absl::StatusOr<ImportResult> r = Import(Doc(Triangle()));
  ASSERT_TRUE(r.ok()) << r.status();
  const v1::Topology& t = r->topology;
  EXPECT_EQ(t.name(), "Tiny");
  EXPECT_EQ(r->graphml_nodes, 3);
  EXPECT_EQ(r->graphml_edges, 3);
  ASSERT_EQ(t.routers_size(), 3);
  const v1::Router& sh = t.routers(0);
  EXPECT_EQ(sh.id(), "shanghai");
  EXPECT_EQ(sh.name(), "Shanghai");
  EXPECT_DOUBLE_EQ(sh.location().latitude_deg(), 31.22222);
  EXPECT_DOUBLE_EQ(sh.location().longitude_deg(), 121.45806);
  EXPECT_EQ(sh.srv6_locator(), "fcbb:bb00:1::/48");
  EXPECT_EQ(sh.loopback_ipv6(), "fcbb:bb00:1::1");
  EXPECT_THAT(sh.roles(), ElementsAre(v1::ROUTER_ROLE_CORE, v1::ROUTER_ROLE_INGRESS));
  EXPECT_EQ(t.routers(2).srv6_locator(), "fcbb:bb00:3::/48");
  EXPECT_EQ(r->router_id_by_graphml_id.at("2"), "beijing");

  ASSERT_EQ(t.links_size(), 3);
  const v1::Link& l0 = t.links(0);
  EXPECT_EQ(l0.id(), "shanghai--hangzhou");
  EXPECT_EQ(l0.a().router_id(), "shanghai");
  EXPECT_EQ(l0.a().interface(), "eth1");
  EXPECT_EQ(l0.b().router_id(), "hangzhou");
  EXPECT_EQ(l0.b().interface(), "eth1");
  EXPECT_EQ(l0.capacity_bps(), 2'500'000'000u);  // LinkSpeedRaw
  EXPECT_EQ(t.links(1).capacity_bps(), kDefaultCapacityBps);
  // Beijing's second link, Shanghai's second link.
  EXPECT_EQ(t.links(2).id(), "beijing--shanghai");
  EXPECT_EQ(t.links(2).a().interface(), "eth2");
  EXPECT_EQ(t.links(2).b().interface(), "eth2");
  EXPECT_THAT(testing::CheckTopologyInvariants(t), IsEmpty());
}

TEST(TopologyImportGraphmlTest, DelayFromGreatCircleTimesRouteFactor) {
  absl::StatusOr<ImportResult> r = Import(Doc(Triangle()));
  ASSERT_TRUE(r.ok()) << r.status();
  // Beijing-Shanghai: 1068.26 km great-circle x 5 us/km x 1.3 = 6943.7 us.
  const v1::Link* l = FindLink(r->topology, "beijing--shanghai");
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->propagation_delay_us(), 6944u);
  EXPECT_EQ(l->igp_metric(), 6944u);

  GraphmlImportOptions options;
  options.route_factor = 1.0;
  r = Import(Doc(Triangle()), options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(FindLink(r->topology, "beijing--shanghai")->propagation_delay_us(), 5341u);
  EXPECT_TRUE(HasNote(r->topology, "route factor 1 (option)"));

  options.route_factor = 0.5;
  r = Import(Doc(Triangle()), options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "t.graphml: route factor 0.5 (option) is outside 1..10");
}

TEST(TopologyImportGraphmlTest, NotesStateTheDefaults) {
  absl::StatusOr<ImportResult> r = Import(Doc(Triangle()));
  ASSERT_TRUE(r.ok()) << r.status();
  const auto& p = r->topology.provenance();
  EXPECT_EQ(p.source(), "Internet Topology Zoo: t.graphml");
  EXPECT_EQ(p.license(), "CC BY 4.0");
  EXPECT_THAT(p.attribution(), HasSubstr("Knight"));
  EXPECT_THAT(
      p.notes(),
      ElementsAre("GraphML import of t.graphml: 3 of 3 nodes as routers, 3 of 3 edges as links",
                  "propagation delay = great-circle distance x 5 us/km x route factor 1.3 "
                  "(built-in default), at least 5 us; IGP metric = propagation delay in us",
                  "capacity: 2 of 3 links have no LinkSpeedRaw and got the default 10 Gbit/s "
                  "(built-in default)",
                  "SRv6 locators: one /48 per router from fcbb:bb00::/32 in file order; "
                  "loopback = locator::1; interfaces eth1, eth2, ... per router in edge order"));
}

TEST(TopologyImportGraphmlTest, DefaultCapacityOption) {
  GraphmlImportOptions options;
  options.default_capacity_bps = 100'000'000'000;
  absl::StatusOr<ImportResult> r = Import(Doc(Triangle()), options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->topology.links(0).capacity_bps(), 2'500'000'000u);
  EXPECT_EQ(r->topology.links(1).capacity_bps(), 100'000'000'000u);
  EXPECT_TRUE(HasNote(r->topology, "default 100 Gbit/s (option)"));
}

TEST(TopologyImportGraphmlTest, LocatorBlockOption) {
  GraphmlImportOptions options;
  options.locator_block = "2001:db8:100::/40";
  absl::StatusOr<ImportResult> r = Import(Doc(Triangle()), options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->topology.routers(0).srv6_locator(), "2001:db8:101::/48");
  EXPECT_EQ(r->topology.routers(0).loopback_ipv6(), "2001:db8:101::1");

  options.locator_block = "2001:db8:100::/47";  // room for one /48 besides number 0
  r = Import(Doc(Triangle()), options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "t.graphml: cannot give router \"hangzhou\" a locator: \"2001:db8:100::/47\" has "
            "no /48 prefix number 2 (only 2 of them)");
}

TEST(TopologyImportGraphmlTest, RepeatedLabelsGetSuffixedIds) {
  absl::StatusOr<ImportResult> r =
      Import(Doc({Node("0", "Lhasa", "29.65", "91.1"), Node("1", "Lhasa", "29.7", "91.2"),
                  Node("2", "Lhasa 2", "29.8", "91.3"), Node("3", "", "30", "91"), Edge("0", "1"),
                  Edge("1", "2"), Edge("2", "3")}));
  ASSERT_TRUE(r.ok()) << r.status();
  const auto& t = r->topology;
  ASSERT_EQ(t.routers_size(), 4);
  EXPECT_EQ(t.routers(0).id(), "lhasa");
  EXPECT_EQ(t.routers(1).id(), "lhasa-2");
  EXPECT_EQ(t.routers(1).name(), "Lhasa");
  EXPECT_EQ(t.routers(2).id(), "lhasa-2-2");  // "lhasa-2" was taken
  EXPECT_EQ(t.routers(3).id(), "node-3");     // no label
  EXPECT_EQ(t.routers(3).name(), "node-3");
  EXPECT_TRUE(HasNote(t, "node \"1\" (\"Lhasa\") -> lhasa-2"));
  EXPECT_THAT(testing::CheckTopologyInvariants(t), IsEmpty());
}

TEST(TopologyImportGraphmlTest, ParallelEdgesBecomeSeparateLinks) {
  std::vector<std::string> doc = Triangle();
  doc.push_back(Edge("1", "0", "1e9"));
  doc.push_back(Edge("0", "1"));
  absl::StatusOr<ImportResult> r = Import(Doc(doc));
  ASSERT_TRUE(r.ok()) << r.status();
  const auto& t = r->topology;
  ASSERT_EQ(t.links_size(), 5);
  EXPECT_EQ(t.links(3).id(), "hangzhou--shanghai-2");
  EXPECT_EQ(t.links(3).capacity_bps(), 1'000'000'000u);
  EXPECT_EQ(t.links(4).id(), "shanghai--hangzhou-3");
  EXPECT_EQ(t.links(4).a().interface(), "eth4");
  EXPECT_TRUE(HasNote(t,
                      "parallel edges kept as separate links: hangzhou--shanghai-2, "
                      "shanghai--hangzhou-3"));
  EXPECT_THAT(testing::CheckTopologyInvariants(t), IsEmpty());
}

TEST(TopologyImportGraphmlTest, SelfLoopsAreSkippedWithANote) {
  std::vector<std::string> doc = Triangle();
  doc.push_back(Edge("1", "1"));
  absl::StatusOr<ImportResult> r = Import(Doc(doc));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->topology.links_size(), 3);
  EXPECT_TRUE(HasNote(r->topology,
                      "skipped edge #4 (source \"1\", target \"1\"): self-loop at "
                      "node \"1\" (\"Hangzhou\")"));
}

TEST(TopologyImportGraphmlTest, ColocatedEndsGetTheDelayFloor) {
  absl::StatusOr<ImportResult> r =
      Import(Doc({Node("0", "A", "10", "10"), Node("1", "B", "10", "10"), Edge("0", "1")}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->topology.links(0).propagation_delay_us(), kMinPropagationDelayUs);
  EXPECT_TRUE(HasNote(r->topology, "raised to the 5 us floor (ends at one location): a--b"));
}

TEST(TopologyImportGraphmlTest, KeysAreMappedByAttrNameWithDefaults) {
  // Other key ids than usual, a declared default, entities, whitespace.
  const std::string xml = R"(<?xml version="1.0"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  <key attr.name="Longitude" for="node" id="k9" />
  <key attr.name="Latitude" for="node" id="k7"><default>45.0</default></key>
  <key attr.name="label" for="node" id="zz" />
  <graph edgedefault="undirected">
    <node id="n1"><data key="zz"> R&amp;D Lab </data><data key="k9">7.5</data></node>
    <node id="n2"><data key="zz">São Paulo</data><data key="k9">8</data><data key="k7">46</data></node>
    <edge source="n1" target="n2" />
  </graph>
</graphml>
)";
  absl::StatusOr<ImportResult> r = ImportGraphml(xml, "k.graphml", {}, nullptr);
  ASSERT_TRUE(r.ok()) << r.status();
  const auto& t = r->topology;
  EXPECT_EQ(t.routers(0).id(), "r-d-lab");
  EXPECT_EQ(t.routers(0).name(), "R&D Lab");
  EXPECT_DOUBLE_EQ(t.routers(0).location().latitude_deg(), 45.0);
  EXPECT_EQ(t.routers(1).id(), "sao-paulo");
  EXPECT_DOUBLE_EQ(t.routers(1).location().latitude_deg(), 46.0);
  EXPECT_EQ(t.name(), "k");  // no graph label: the file's stem
}

TEST(TopologyImportGraphmlTest, IsDeterministic) {
  v1::ImportOverlay overlay;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(drops { node { label: "Hangzhou" } })pb", &overlay));
  std::string first;
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<ImportResult> r = Import(Doc(Triangle()), {}, &overlay);
    ASSERT_TRUE(r.ok()) << r.status();
    std::string text;
    google::protobuf::TextFormat::PrintToString(r->topology, &text);
    if (i == 0) {
      first = text;
    } else {
      EXPECT_EQ(text, first);
    }
  }
}

// ---------------------------------------------------------------------------
// Errors: each names the file, the element and what is wrong.

TEST(TopologyImportGraphmlErrorTest, MalformedXmlWithLineAndColumn) {
  const std::string xml = Doc({Node("0", "A", "1", "2"), "    <node id=\"1\">", "    </edge>"});
  absl::StatusOr<ImportResult> r = Import(xml);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "t.graphml:12:11: malformed XML: invalid closing tag name");

  r = Import("<graphml><graph><node id=\"a\"");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "t.graphml:1:29: malformed XML: expected >");
}

TEST(TopologyImportGraphmlErrorTest, NotGraphml) {
  absl::StatusOr<ImportResult> r = Import("<?xml version=\"1.0\"?>\n<gml/>\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "t.graphml:2: not a GraphML document: root element is <gml>, expected <graphml>");
  r = Import("");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "t.graphml: not a GraphML document: no root element");
}

TEST(TopologyImportGraphmlErrorTest, EdgeToUnknownNode) {
  absl::StatusOr<ImportResult> r = Import(
      Doc({Node("0", "A", "1", "2"), Node("1", "B", "1", "3"), Edge("0", "1"), Edge("1", "7")}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "t.graphml:13: edge #2 (source \"1\", target \"7\"): target \"7\" is not a node of "
            "the graph");
}

TEST(TopologyImportGraphmlErrorTest, MissingCoordinatesNameTheNodeAndFile) {
  absl::StatusOr<ImportResult> r = Import(
      Doc({Node("0", "A", "1", "2"), Node("x", "International Link 1", "", ""), Edge("0", "x")}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "t.graphml:11: node \"x\" (\"International Link 1\") has no coordinates (Latitude "
            "and Longitude missing); place them with overlay placements, drop them with "
            "overlay drops, or import with --drop-unplaced");

  r = Import(Doc(
      {Node("0", "A", "1", ""), Node("1", "", "", "3"), Node("2", "C", "1", "2"), Edge("0", "2")}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "t.graphml:10: node \"0\" (\"A\") has no coordinates (Longitude missing), nor have "
            "1 other nodes: node \"1\" (no label); place them with overlay placements, drop "
            "them with overlay drops, or import with --drop-unplaced");
}

TEST(TopologyImportGraphmlErrorTest, DropUnplacedDropsAndNotes) {
  GraphmlImportOptions options;
  options.drop_unplaced = true;
  absl::StatusOr<ImportResult> r =
      Import(Doc({Node("0", "A", "1", "2"), Node("x", "Far", "", ""), Node("2", "C", "1", "3"),
                  Edge("0", "x"), Edge("0", "2")}),
             options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->topology.routers_size(), 2);
  EXPECT_EQ(r->topology.links_size(), 1);
  EXPECT_TRUE(HasNote(r->topology,
                      "dropped node \"x\" (\"Far\"): no coordinates (Latitude and "
                      "Longitude missing), --drop-unplaced"));
  EXPECT_TRUE(HasNote(r->topology,
                      "skipped edge #1 (source \"0\", target \"x\"): node \"x\" (\"Far\") was "
                      "dropped"));

  // Nothing left to link.
  r = Import(Doc({Node("0", "A", "1", "2"), Node("x", "Far", "", ""), Edge("0", "x")}), options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "t.graphml: no edges left between imported nodes (1 in the file)");

  // Nothing left at all.
  r = Import(Doc({Node("x", "Far", "", ""), Node("y", "Farther", "", ""), Edge("x", "y")}),
             options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "t.graphml: no nodes left to import (all 2 dropped)");
}

TEST(TopologyImportGraphmlErrorTest, BadCoordinateValues) {
  absl::StatusOr<ImportResult> r =
      Import(Doc({Node("0", "A", "north", "2"), Node("1", "B", "1", "3"), Edge("0", "1")}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "t.graphml:10: node \"0\" (\"A\"): Latitude \"north\" is not a number; correct it "
            "with an overlay placement");
  r = Import(Doc({Node("0", "A", "1", "2"), Node("1", "B", "1", "190"), Edge("0", "1")}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "t.graphml:11: node \"1\" (\"B\"): coordinates (1, 190) out of range (latitude "
            "-90..90, longitude -180..180); correct it with an overlay placement");
  // An overlay placement fixes it.
  v1::ImportOverlay overlay = Overlay(R"pb(
    placements {
      node { graphml_id: "1" }
      location { latitude_deg: 1 longitude_deg: 170 }
    }
  )pb");
  r = Import(Doc({Node("0", "A", "1", "2"), Node("1", "B", "1", "190"), Edge("0", "1")}), {},
             &overlay);
  EXPECT_TRUE(r.ok()) << r.status();
}

TEST(TopologyImportGraphmlErrorTest, BadLinkSpeed) {
  absl::StatusOr<ImportResult> r =
      Import(Doc({Node("0", "A", "1", "2"), Node("1", "B", "1", "3"), Edge("0", "1", "fast")}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "t.graphml:12: edge #1 (source \"0\", target \"1\"): LinkSpeedRaw \"fast\" is not a "
            "positive number of bit/s; override the capacity with an overlay link entry");
}

TEST(TopologyImportGraphmlErrorTest, StructuralProblems) {
  absl::StatusOr<ImportResult> r =
      Import(Doc({Node("0", "A", "1", "2"), Node("0", "B", "1", "3")}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "t.graphml:11: node \"0\" is declared twice (first at line 10)");

  r = Import(Doc({R"(    <node id="0"><data key="d8">x</data></node>)"}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "t.graphml:10: node \"0\": <data> refers to undeclared key \"d8\"");

  r = Import(Doc({Node("0", "A", "1", "2"), R"(    <edge target="0" />)"}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "t.graphml:11: edge #1 (source \"\", target \"0\"): missing source attribute");
}

// ---------------------------------------------------------------------------
// Overlays applied.

TEST(TopologyImportOverlayApplyTest, PlacementsDropsRenamesAndLinkOverrides) {
  v1::ImportOverlay overlay = Overlay(R"pb(
    source: "t.graphml"
    route_factor: 1.5
    default_capacity_bps: 40000000000
    placements {
      node { label: "Hangzhou" }
      location { latitude_deg: 30.3 longitude_deg: 120.2 place: "West Lake" }
      reason: "moved"
    }
    renames {
      node { graphml_id: "2" }
      router_id: "bj"
      name: "Beijing core"
    }
    links {
      a { label: "Beijing" }
      b { label: "Shanghai" }
      capacity_bps: 400000000000
      propagation_delay_us: 7000
      reason: "measured"
    }
  )pb");
  GraphmlImportOptions named;
  named.overlay_name = "some/dir/t.overlay.txtpb";  // notes name the file only
  absl::StatusOr<ImportResult> r = Import(Doc(Triangle()), named, &overlay);
  ASSERT_TRUE(r.ok()) << r.status();
  const auto& t = r->topology;
  const v1::Router* hz = FindRouter(t, "hangzhou");
  ASSERT_NE(hz, nullptr);
  EXPECT_DOUBLE_EQ(hz->location().latitude_deg(), 30.3);
  EXPECT_EQ(hz->location().place(), "West Lake");
  const v1::Router* bj = FindRouter(t, "bj");
  ASSERT_NE(bj, nullptr);
  EXPECT_EQ(bj->name(), "Beijing core");
  const v1::Link* l = FindLink(t, "bj--shanghai");
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->capacity_bps(), 400'000'000'000u);
  EXPECT_EQ(l->propagation_delay_us(), 7000u);
  EXPECT_EQ(l->igp_metric(), 7000u);
  // Overlay defaults: route factor 1.5 and 40 Gbit/s for the link without speed.
  const v1::Link* hb = FindLink(t, "hangzhou--bj");
  ASSERT_NE(hb, nullptr);
  EXPECT_EQ(hb->capacity_bps(), 40'000'000'000u);
  EXPECT_EQ(hb->propagation_delay_us(),
            FiberDelayUs(GreatCircleKm({30.3, 120.2}, {39.9075, 116.39723}), 1.5));
  EXPECT_TRUE(HasNote(t, "route factor 1.5 (overlay t.overlay.txtpb)"));
  EXPECT_TRUE(HasNote(t,
                      "overlay t.overlay.txtpb: placed node \"1\" (\"Hangzhou\") at (30.3, "
                      "120.2) instead of (30.25528, 120.16889): moved"));
  EXPECT_TRUE(HasNote(t, "link properties overridden on bj--shanghai (measured)"));

  // Options beat the overlay's defaults.
  GraphmlImportOptions options;
  options.route_factor = 1.3;
  r = Import(Doc(Triangle()), options, &overlay);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(HasNote(r->topology, "route factor 1.3 (option)"));
}

TEST(TopologyImportOverlayApplyTest, PlacesNodesWithoutCoordinates) {
  v1::ImportOverlay overlay = Overlay(R"pb(
    placements {
      node { label: "International Link 1" }
      location { latitude_deg: 31.62 longitude_deg: 121.40 }
      reason: "cable landing at Chongming"
    }
  )pb");
  absl::StatusOr<ImportResult> r =
      Import(Doc({Node("0", "Shanghai", "31.22222", "121.45806"),
                  Node("x", "International Link 1", "", ""), Edge("0", "x")}),
             {}, &overlay);
  ASSERT_TRUE(r.ok()) << r.status();
  const v1::Router* il = FindRouter(r->topology, "international-link-1");
  ASSERT_NE(il, nullptr);
  EXPECT_DOUBLE_EQ(il->location().latitude_deg(), 31.62);
  EXPECT_EQ(il->location().place(), "International Link 1");
  EXPECT_TRUE(HasNote(r->topology,
                      "overlay overlay: placed node \"x\" (\"International Link 1\") at (31.62, "
                      "121.4) (file: Latitude and Longitude missing): cable landing at Chongming"));
}

TEST(TopologyImportOverlayApplyTest, SelectorErrors) {
  const std::string doc = Doc({Node("0", "A", "1", "2"), Node("1", "A", "1", "3"),
                               Node("2", "C", "2", "3"), Edge("0", "1"), Edge("1", "2")});
  struct Case {
    std::string overlay;
    std::string error;
  };
  const std::vector<Case> cases = {
      {R"pb(drops { node { label: "Z" } })pb",
       "t.overlay.txtpb: drops[0]: label \"Z\" matches no node of t.graphml"},
      {R"pb(drops { node { graphml_id: "9" } })pb",
       "t.overlay.txtpb: drops[0]: graphml_id \"9\" matches no node of t.graphml"},
      {R"pb(drops { node { label: "A" } })pb",
       "t.overlay.txtpb: drops[0]: label \"A\" matches 2 nodes of t.graphml (graphml ids "
       "\"0\", \"1\"); select one by graphml_id"},
      {R"pb(placements {
              node { label: "C" }
              location { latitude_deg: 1 longitude_deg: 1 }
            }
            drops { node { graphml_id: "2" } })pb",
       "t.overlay.txtpb: drops[0]: node \"2\" (\"C\") is both placed and dropped"},
      {R"pb(drops { node { label: "C" } }
            renames {
              node { graphml_id: "2" }
              router_id: "c"
            })pb",
       "t.overlay.txtpb: renames[0]: node \"2\" (\"C\") is dropped"},
      {R"pb(renames {
              node { graphml_id: "0" }
              router_id: "c"
            }
            renames {
              node { graphml_id: "1" }
              router_id: "c"
            })pb",
       "t.overlay.txtpb: renames[1]: router id \"c\" is given twice"},
      {R"pb(links {
              a { graphml_id: "0" }
              b { graphml_id: "2" }
              capacity_bps: 1
            })pb",
       "t.overlay.txtpb: links[0]: no edge between node \"0\" (\"A\") and node \"2\" (\"C\") "
       "in t.graphml"},
      {R"pb(source: "Other.graphml")pb",
       "t.overlay.txtpb: written for \"Other.graphml\", not for t.graphml"},
  };
  for (const Case& c : cases) {
    v1::ImportOverlay overlay = Overlay(c.overlay);
    GraphmlImportOptions options;
    options.overlay_name = "t.overlay.txtpb";
    absl::StatusOr<ImportResult> r = Import(doc, options, &overlay);
    ASSERT_FALSE(r.ok()) << c.overlay;
    EXPECT_EQ(r.status().message(), c.error);
  }
}

TEST(TopologyImportOverlayApplyTest, RenameToAnIdTheSlugWouldTake) {
  // A rename reserves its id before labels are slugged.
  v1::ImportOverlay overlay = Overlay(R"pb(renames {
                                             node { graphml_id: "1" }
                                             router_id: "shanghai"
                                           })pb");
  absl::StatusOr<ImportResult> r = Import(Doc(Triangle()), {}, &overlay);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->topology.routers(0).id(), "shanghai-2");
  EXPECT_EQ(r->topology.routers(1).id(), "shanghai");
  EXPECT_THAT(testing::CheckTopologyInvariants(r->topology), IsEmpty());
}

// ---------------------------------------------------------------------------
// Shipped files (lab/topologies).

TEST(TopologyImportShippedTest, ChinanetCountsAndMissingCoordinates) {
  absl::StatusOr<ImportResult> r =
      ImportGraphmlFile(kLab + "Chinanet.graphml", GraphmlImportOptions(), nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(),
              HasSubstr("lab/topologies/Chinanet.graphml:158: node \"10\" (\"International "
                        "Link 1\") has no coordinates (Latitude and Longitude missing), nor "
                        "have 3 other nodes"));

  GraphmlImportOptions options;
  options.drop_unplaced = true;
  r = ImportGraphmlFile(kLab + "Chinanet.graphml", options, nullptr);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->graphml_nodes, 42);
  EXPECT_EQ(r->graphml_edges, 66);
  EXPECT_EQ(r->topology.routers_size(), 38);
  EXPECT_EQ(r->topology.links_size(), 62);
  // Without the overlay, Hong Kong stays where the file puts it.
  const v1::Router* hk = FindRouter(r->topology, "hong-kong");
  ASSERT_NE(hk, nullptr);
  EXPECT_DOUBLE_EQ(hk->location().latitude_deg(), 30.13062);
}

TEST(TopologyImportShippedTest, ChinanetWithOverlay) {
  absl::StatusOr<v1::ImportOverlay> overlay =
      ReadImportOverlayFile(kLab + "chinanet.overlay.txtpb");
  ASSERT_TRUE(overlay.ok()) << overlay.status();
  absl::StatusOr<ImportResult> r =
      ImportGraphmlFile(kLab + "Chinanet.graphml", GraphmlImportOptions(), &*overlay);
  ASSERT_TRUE(r.ok()) << r.status();
  const v1::Topology& t = r->topology;
  EXPECT_EQ(t.name(), "Chinanet");
  EXPECT_EQ(t.routers_size(), 38);  // 42 less 4 "International Link" nodes
  EXPECT_EQ(t.links_size(), 62);    // 66 less their 4 edges
  EXPECT_THAT(testing::CheckTopologyInvariants(t), IsEmpty());

  const v1::Router* hk = FindRouter(t, "hong-kong");
  ASSERT_NE(hk, nullptr);
  EXPECT_DOUBLE_EQ(hk->location().latitude_deg(), 22.32);
  EXPECT_DOUBLE_EQ(hk->location().longitude_deg(), 114.17);
  EXPECT_NE(FindRouter(t, "shijiazhuang"), nullptr);
  EXPECT_NE(FindRouter(t, "nanchang"), nullptr);
  EXPECT_EQ(FindRouter(t, "nandhang"), nullptr);

  // Delays against hand-computed great circles (haversine, R = 6371.0088 km,
  // x 5 us/km x 1.3): Shanghai-Beijing 1068.26 km -> 6944 us; Shanghai-Hong
  // Kong (corrected) 1225.30 km -> 7964 us; Beijing-Hong Kong 1966.91 km ->
  // 12785 us.
  const v1::Link* sb = FindLink(t, "shanghai--beijing");
  ASSERT_NE(sb, nullptr);
  EXPECT_EQ(sb->propagation_delay_us(), 6944u);
  const v1::Link* shk = FindLink(t, "shanghai--hong-kong");
  ASSERT_NE(shk, nullptr);
  EXPECT_EQ(shk->propagation_delay_us(), 7964u);
  const v1::Link* bhk = FindLink(t, "hong-kong--beijing");
  ASSERT_NE(bhk, nullptr);
  EXPECT_EQ(bhk->propagation_delay_us(), 12785u);
  // Sanity for every link: between 5 us and a 4,000 km fibre within China.
  for (const v1::Link& l : t.links()) {
    EXPECT_GE(l.propagation_delay_us(), 5u) << l.id();
    EXPECT_LE(l.propagation_delay_us(), 4000u * 5 * 1.3) << l.id();
    EXPECT_EQ(l.capacity_bps(), kDefaultCapacityBps) << l.id();  // no LinkSpeedRaw in file
  }
  EXPECT_TRUE(HasNote(t,
                      "placed node \"23\" (\"Hong Kong\") at (22.32, 114.17) instead of "
                      "(30.13062, 100.51803)"));
}

TEST(TopologyImportShippedTest, CernetCapacitiesFromLinkSpeedRaw) {
  absl::StatusOr<v1::ImportOverlay> overlay = ReadImportOverlayFile(kLab + "cernet.overlay.txtpb");
  ASSERT_TRUE(overlay.ok()) << overlay.status();
  absl::StatusOr<ImportResult> r =
      ImportGraphmlFile(kLab + "Cernet.graphml", GraphmlImportOptions(), &*overlay);
  ASSERT_TRUE(r.ok()) << r.status();
  const v1::Topology& t = r->topology;
  EXPECT_EQ(r->graphml_nodes, 41);
  EXPECT_EQ(r->graphml_edges, 59);
  EXPECT_EQ(t.routers_size(), 37);
  EXPECT_EQ(t.links_size(), 55);
  EXPECT_THAT(testing::CheckTopologyInvariants(t), IsEmpty());

  EXPECT_EQ(FindLink(t, "guilin--nanning")->capacity_bps(), 2'000'000u);       // 2M
  EXPECT_EQ(FindLink(t, "guilin--guangzhou")->capacity_bps(), 155'000'000u);   // 155M
  EXPECT_EQ(FindLink(t, "guangzhou--wuhan")->capacity_bps(), 2'500'000'000u);  // 2.5G
  EXPECT_EQ(FindLink(t, "hong-kong--beijing")->capacity_bps(), kDefaultCapacityBps);
  // Two Beijing-Xi'an edges in the file.
  EXPECT_NE(FindLink(t, "beijing--xian"), nullptr);
  EXPECT_NE(FindLink(t, "beijing--xian-2"), nullptr);
  // Two "Shijiazhuang" nodes.
  EXPECT_NE(FindRouter(t, "shijiazhuang-2"), nullptr);
  const v1::Router* cd = FindRouter(t, "chengdu");
  ASSERT_NE(cd, nullptr);
  EXPECT_DOUBLE_EQ(cd->location().latitude_deg(), 30.66);
  EXPECT_TRUE(HasNote(t, "capacity: 2 of 55 links have no LinkSpeedRaw"));
}

TEST(TopologyImportShippedTest, SmallZooFilesImportAsShipped) {
  for (const char* name : {"Abilene", "Kreonet", "Nsfnet"}) {
    absl::StatusOr<ImportResult> r =
        ImportGraphmlFile(kLab + name + ".graphml", GraphmlImportOptions(), nullptr);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->topology.routers_size(), r->graphml_nodes) << name;
    EXPECT_THAT(testing::CheckTopologyInvariants(r->topology), IsEmpty()) << name;
  }
}

TEST(TopologyImportShippedTest, ShippedOverlaysFitOnlyTheirFile) {
  absl::StatusOr<v1::ImportOverlay> overlay =
      ReadImportOverlayFile(kLab + "chinanet.overlay.txtpb");
  ASSERT_TRUE(overlay.ok()) << overlay.status();
  GraphmlImportOptions options;
  options.overlay_name = "chinanet.overlay.txtpb";
  absl::StatusOr<ImportResult> r = ImportGraphmlFile(kLab + "Cernet.graphml", options, &*overlay);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(),
              HasSubstr("chinanet.overlay.txtpb: written for \"Chinanet.graphml\", not for "));
}

}  // namespace
}  // namespace cpn::topology
