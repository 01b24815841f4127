#include "controller/topology/import_overlay.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cpn::topology {
namespace {

const std::string kLab = std::string(CPN_SOURCE_DIR) + "/lab/topologies/";

std::string ParseError(const std::string& text) {
  absl::StatusOr<v1::ImportOverlay> o = ParseImportOverlay(text, "o.txtpb");
  EXPECT_FALSE(o.ok()) << text;
  return std::string(o.status().message());
}

TEST(TopologyImportOverlayTest, ParsesTheShippedOverlays) {
  absl::StatusOr<v1::ImportOverlay> chinanet =
      ReadImportOverlayFile(kLab + "chinanet.overlay.txtpb");
  ASSERT_TRUE(chinanet.ok()) << chinanet.status();
  EXPECT_EQ(chinanet->source(), "Chinanet.graphml");
  ASSERT_EQ(chinanet->placements_size(), 1);
  EXPECT_EQ(chinanet->placements(0).node().label(), "Hong Kong");
  EXPECT_DOUBLE_EQ(chinanet->placements(0).location().latitude_deg(), 22.32);
  EXPECT_DOUBLE_EQ(chinanet->placements(0).location().longitude_deg(), 114.17);
  EXPECT_EQ(chinanet->drops_size(), 4);

  absl::StatusOr<v1::ImportOverlay> cernet = ReadImportOverlayFile(kLab + "cernet.overlay.txtpb");
  ASSERT_TRUE(cernet.ok()) << cernet.status();
  EXPECT_EQ(cernet->placements_size(), 2);
  EXPECT_EQ(cernet->drops_size(), 4);
}

TEST(TopologyImportOverlayTest, SyntaxErrorsCarryLineAndColumn) {
  EXPECT_EQ(ParseError("source: \"x\"\nplacements {\n  nod { label: \"a\" }\n}\n"),
            "o.txtpb:3:7: Message type \"cpn.topology.v1.NodePlacement\" has no field named "
            "\"nod\".");
  EXPECT_EQ(ParseError("route_factor: fast\n"), "o.txtpb:1:15: Expected double, got: fast");
  EXPECT_EQ(ParseError("drops {\n  node { label: \"a\" }\n"),
            "o.txtpb:3:1: Expected identifier, got: ");
}

TEST(TopologyImportOverlayTest, MeaningErrorsCarryLineColumnAndField) {
  EXPECT_EQ(ParseError("placements {\n  node { label: \"a\" }\n"
                       "  location { latitude_deg: 95 longitude_deg: 1 }\n}\n"),
            "o.txtpb:3:3: placements[0].location: (95, 1) is out of range (latitude -90..90, "
            "longitude -180..180)");
  EXPECT_EQ(ParseError("drops { node { label: \"a\" } }\ndrops { reason: \"x\" }\n"),
            "o.txtpb:2:1: drops[1].node: names no node (set label or graphml_id)");
  EXPECT_EQ(ParseError("renames {\n  node { graphml_id: \"3\" }\n  router_id: \"Hong Kong\"\n}\n"),
            "o.txtpb:3:3: renames[0].router_id: \"Hong Kong\" is not a valid id (letters, "
            "digits, '.', '_', '-')");
  EXPECT_EQ(ParseError("\n\nroute_factor: 0.8\n"),
            "o.txtpb:3:1: route_factor: 0.8 is outside 1..10 (fibre route length over "
            "great-circle distance)");
  EXPECT_EQ(ParseError("links { a { label: \"x\" } b { label: \"y\" } }"),
            "o.txtpb:1:1: links[0]: overrides nothing (set capacity_bps, propagation_delay_us "
            "or igp_metric)");
  EXPECT_EQ(ParseError("default_capacity_bps: 0"),
            "o.txtpb:1:1: default_capacity_bps: must be > 0");
  EXPECT_EQ(ParseError("placements { node { label: \"a\" } }"),
            "o.txtpb:1:1: placements[0]: has no location");
}

TEST(TopologyImportOverlayTest, CheckWithoutText) {
  v1::ImportOverlay o;
  o.add_links()->mutable_a()->set_label("x");
  absl::Status s = CheckImportOverlay(o, "built");
  EXPECT_EQ(s.message(), "built: links[0].b: names no node (set label or graphml_id)");
}

TEST(TopologyImportOverlayTest, DescribeSelector) {
  v1::NodeSelector s;
  EXPECT_EQ(DescribeSelector(s), "(empty selector)");
  s.set_label("Hong Kong");
  EXPECT_EQ(DescribeSelector(s), "label \"Hong Kong\"");
  s.set_graphml_id("23");
  EXPECT_EQ(DescribeSelector(s), "graphml_id \"23\"");
}

TEST(TopologyImportOverlayTest, MissingFile) {
  absl::StatusOr<v1::ImportOverlay> o = ReadImportOverlayFile("/nonexistent/x.txtpb");
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.status().message(), "/nonexistent/x.txtpb: cannot open file");
}

// ---------------------------------------------------------------------------
// Shared helpers.

TEST(TopologyImportSlugifyIdTest, Examples) {
  EXPECT_EQ(SlugifyId("Lhasa"), "lhasa");
  EXPECT_EQ(SlugifyId("Xi'an"), "xian");
  EXPECT_EQ(SlugifyId("Gui\xE2\x80\x99"
                      "an cluster"),
            "guian-cluster");
  EXPECT_EQ(SlugifyId("  International Link 1 "), "international-link-1");
  EXPECT_EQ(SlugifyId("N.A"), "n-a");
  EXPECT_EQ(SlugifyId("S\xC3\xA3o Paulo"), "sao-paulo");
  EXPECT_EQ(SlugifyId("Z\xC3\xBCrich"), "zurich");
  EXPECT_EQ(SlugifyId("Krak\xC3\xB3w"), "krakow");
  EXPECT_EQ(SlugifyId("Stra\xC3\x9F"
                      "e"),
            "strasse");
  EXPECT_EQ(SlugifyId("\xC5\x81\xC3\xB3"
                      "d\xC5\xBA"),
            "lodz");
  EXPECT_EQ(SlugifyId("\xE5\xBC\xA0\xE5\xAE\xB6\xE5\x8F\xA3 DC"), "dc");  // CJK drops out
  EXPECT_EQ(SlugifyId("---"), "");
  EXPECT_EQ(SlugifyId(""), "");
}

TEST(TopologyImportIpv6PlanTest, Subprefixes) {
  EXPECT_EQ(*NthIpv6Subprefix("fcbb:bb00::/32", 48, 1), "fcbb:bb00:1::/48");
  EXPECT_EQ(*NthIpv6Subprefix("fcbb:bb00::/32", 48, 0xffff), "fcbb:bb00:ffff::/48");
  EXPECT_EQ(*NthIpv6Subprefix("2001:db8:5::/48", 64, 10), "2001:db8:5:a::/64");
  EXPECT_EQ(*NthIpv6Subprefix("2001:db8::/32", 128, 3), "2001:db8::3/128");
  EXPECT_EQ(NthIpv6Subprefix("fcbb:bb00::/32", 48, 0x10000).status().message(),
            "\"fcbb:bb00::/32\" has no /48 prefix number 65536 (only 65536 of them)");
  EXPECT_EQ(NthIpv6Subprefix("fcbb:bb00:1::/32", 48, 1).status().message(),
            "IPv6 prefix \"fcbb:bb00:1::/32\" has bits set beyond its length");
  EXPECT_EQ(NthIpv6Subprefix("fcbb::/64", 48, 1).status().message(),
            "cannot take /48 prefixes from \"fcbb::/64\"");
  EXPECT_FALSE(NthIpv6Subprefix("10.0.0.0/8", 16, 1).ok());
  EXPECT_FALSE(NthIpv6Subprefix("fcbb::", 48, 1).ok());
}

TEST(TopologyImportIpv6PlanTest, HostAddresses) {
  EXPECT_EQ(*Ipv6HostAddress("2001:db8:5:1::/64", 2), "2001:db8:5:1::2");
  EXPECT_EQ(*Ipv6HostAddress("fcbb:bb00:1::/48", 1), "fcbb:bb00:1::1");
  EXPECT_EQ(*Ipv6HostAddress("2001:db8::/120", 255), "2001:db8::ff");
  EXPECT_FALSE(Ipv6HostAddress("2001:db8::/120", 256).ok());
}

TEST(TopologyImportEntityIdTest, Charset) {
  EXPECT_TRUE(IsValidEntityId("hong-kong_1.a"));
  EXPECT_FALSE(IsValidEntityId(""));
  EXPECT_FALSE(IsValidEntityId("hong kong"));
  EXPECT_FALSE(IsValidEntityId("x/y"));
}

}  // namespace
}  // namespace cpn::topology
