// Every rule NetworkModel::Build enforces: a valid topology with one fault
// injected must fail with INVALID_ARGUMENT and a message naming the entity
// kind, its id and the field at fault.
#include <cmath>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "controller/model/network_model.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/controller/model/test_topologies.h"

namespace cpn::model {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
namespace tv1 = cpn::topology::v1;
namespace cv1 = cpn::compute::v1;

// Fixture indices (see FullTopology): routers bj 0, sh 1, gz 2, cd 3; links
// bj--sh 0, bj--gz 1, sh--gz 2, gz--cd 3, sh--cd 4; optical nodes o-bj 0,
// o-sh 1, o-gz 2, o-wh 3; fibres f-bj-wh 0, f-wh-sh 1, f-wh-gz 2, f-sh-gz 3;
// lightpaths lp-bj-sh 0, lp-bj-gz 1, lp-sh-gz 2; sites qy 0, ws 1;
// services llm 0, video 1.
struct Case {
  std::string name;
  std::function<void(tv1::Topology&)> mutate;
  // The whole message when the fault gives exactly one error; else
  // fragments that must all appear.
  std::vector<std::string> expected;
  bool exact = true;
};

// gtest prints a failing parameter with this instead of its bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

tv1::Router* AddRouter(tv1::Topology& t, const std::string& id) {
  tv1::Router* r = t.add_routers();
  r->set_id(id);
  r->set_srv6_locator("fcbb:bb00:9::/48");
  return r;
}

std::vector<Case> Cases() {
  std::vector<Case> c;
  auto add = [&c](std::string name, std::function<void(tv1::Topology&)> mutate,
                  std::vector<std::string> expected, bool exact = true) {
    c.push_back(Case{std::move(name), std::move(mutate), std::move(expected), exact});
  };

  // --- Identifiers. ---------------------------------------------------------
  add("EmptyRouterId", [](auto& t) { AddRouter(t, ""); }, {"routers[4]: id is empty"});
  add("DuplicateRouterId", [](auto& t) { AddRouter(t, "sh"); },
      {"router \"sh\": duplicate id (routers[1] has it too)"});
  add("BadIdCharacter", [](auto& t) { AddRouter(t, "bj sh"); },
      {"router \"bj sh\": id contains \" \"; ids use only letters, digits, '-', '_' and '.'"});
  add(
      "NonAsciiId", [](auto& t) { AddRouter(t, "\xe5\x8c\x97"); },
      {"router \"\\xe5\\x8c\\x97\": id contains \"\\xe5\""}, false);
  add(
      "TooLongId", [](auto& t) { AddRouter(t, std::string(129, 'x')); },
      {"id is 129 characters long; at most 128 are allowed"}, false);
  add("DuplicateLinkId",
      [](auto& t) {
        tv1::Link* l = t.add_links();
        *l = t.links(3);
        l->set_id("bj--sh");
        l->mutable_a()->set_interface("eth-cd2");
        l->mutable_b()->set_interface("eth-gz2");
      },
      {"link \"bj--sh\": duplicate id (links[0] has it too)"});
  add("DuplicateOpticalNodeId", [](auto& t) { t.mutable_optical()->add_nodes()->set_id("o-wh"); },
      {"optical node \"o-wh\": duplicate id (optical.nodes[3] has it too)"});
  add("DuplicateFiberId",
      [](auto& t) {
        tv1::Fiber* f = t.mutable_optical()->add_fibers();
        *f = t.optical().fibers(0);
        f->set_id("f-sh-gz");
      },
      {"fiber \"f-sh-gz\": duplicate id (optical.fibers[3] has it too)"});
  add("DuplicateLightpathId",
      [](auto& t) {
        tv1::Lightpath* lp = t.mutable_optical()->add_lightpaths();
        *lp = t.optical().lightpaths(2);
        lp->set_channel(5);
      },
      {"lightpath \"lp-sh-gz\": duplicate id (optical.lightpaths[2] has it too)"});
  add("DuplicateSiteId",
      [](auto& t) {
        cv1::Site* s = t.add_sites();
        s->set_id("qy");
        s->mutable_attachment()->set_router_id("gz");
        s->mutable_attachment()->set_interface("site0");
      },
      {"site \"qy\": duplicate id (sites[0] has it too)"});
  add("DuplicateServiceId",
      [](auto& t) {
        cv1::Service* s = t.add_services();
        s->set_id("llm");
        s->set_anycast_prefix("2001:db8:cafe:9::/64");
      },
      {"service \"llm\": duplicate id (services[0] has it too)"});

  // --- Dangling references. -------------------------------------------------
  add("LinkToUnknownRouter", [](auto& t) { t.mutable_links(0)->mutable_b()->set_router_id("shx"); },
      {"link \"bj--sh\": b.router_id names unknown router \"shx\""});
  add("LinkWithoutRouter", [](auto& t) { t.mutable_links(3)->mutable_a()->clear_router_id(); },
      {"link \"gz--cd\": a.router_id is empty"});
  add("OpticalNodeColocatedWithUnknownRouter",
      [](auto& t) { t.mutable_optical()->mutable_nodes(3)->set_colocated_router_id("wh"); },
      {"optical node \"o-wh\": colocated_router_id names unknown router \"wh\""});
  add("FiberToUnknownNode",
      [](auto& t) { t.mutable_optical()->mutable_fibers(3)->set_b_node_id("o-xx"); },
      {"fiber \"f-sh-gz\": b_node_id names unknown optical node \"o-xx\""});
  add("LightpathOverUnknownFiber",
      [](auto& t) { t.mutable_optical()->mutable_lightpaths(2)->set_fiber_ids(0, "f-none"); },
      {"lightpath \"lp-sh-gz\": fiber_ids[0] names unknown fiber \"f-none\""});
  add("LightpathToUnknownNode",
      [](auto& t) { t.mutable_optical()->mutable_lightpaths(2)->set_z_node_id("o-xx"); },
      {"lightpath \"lp-sh-gz\": z_node_id names unknown optical node \"o-xx\""});
  add("LinkOnMissingLightpath", [](auto& t) { t.mutable_links(3)->add_lightpath_ids("lp-none"); },
      {"link \"gz--cd\": lightpath_ids[0] names unknown lightpath \"lp-none\""});
  add("LinkListsLightpathTwice", [](auto& t) { t.mutable_links(2)->add_lightpath_ids("lp-sh-gz"); },
      {"link \"sh--gz\": lightpath_ids[1] lists lightpath \"lp-sh-gz\" a second time"});
  add("SiteAtUnknownRouter",
      [](auto& t) { t.mutable_sites(1)->mutable_attachment()->set_router_id("xx"); },
      {"site \"ws\": attachment.router_id names unknown router \"xx\""});
  add(
      "SiteWithoutAttachment", [](auto& t) { t.mutable_sites(1)->clear_attachment(); },
      {"site \"ws\": attachment.router_id is empty; a site must attach to a router",
       "site \"ws\": attachment.interface is empty"},
      false);
  add("CapacityForUnknownService",
      [](auto& t) { t.mutable_sites(1)->mutable_capacities(0)->set_service_id("tts"); },
      {"site \"ws\": capacities[0].service_id names unknown service \"tts\""});

  // --- Links and interfaces. ------------------------------------------------
  add("SelfLoop", [](auto& t) { t.mutable_links(3)->mutable_b()->set_router_id("gz"); },
      {"link \"gz--cd\": a.router_id and b.router_id both name router \"gz\"; a link must join "
       "two different routers"});
  add("DuplicateInterfaceOnRouter",
      [](auto& t) { t.mutable_links(1)->mutable_a()->set_interface("eth-sh"); },
      {"link \"bj--gz\": a.interface \"eth-sh\" on router \"bj\" is already used by link "
       "\"bj--sh\" (a.interface)"});
  add("SiteInterfaceClashesWithLink",
      [](auto& t) { t.mutable_sites(1)->mutable_attachment()->set_interface("eth-bj"); },
      {"site \"ws\": attachment.interface \"eth-bj\" on router \"sh\" is already used by link "
       "\"bj--sh\" (b.interface)"});
  add("EmptyInterface", [](auto& t) { t.mutable_links(3)->mutable_a()->clear_interface(); },
      {"link \"gz--cd\": a.interface is empty"});
  add(
      "InterfaceWithSpace",
      [](auto& t) { t.mutable_links(3)->mutable_a()->set_interface("eth 1"); },
      {"link \"gz--cd\": a.interface \"eth 1\" is not an interface name"}, false);
  add("ZeroCapacity", [](auto& t) { t.mutable_links(2)->set_capacity_bps(0); },
      {"link \"sh--gz\": capacity_bps is 0; it must be > 0"});
  add("IgpMetricTooLarge", [](auto& t) { t.mutable_links(2)->set_igp_metric(1u << 24); },
      {"link \"sh--gz\": igp_metric 16777216 is above the maximum 16777214"});
  add("ReservedSrlgOnLink", [](auto& t) { t.mutable_links(0)->add_srlgs(0xFF000001u); },
      {"link \"bj--sh\": srlgs[2] = 4278190081 is in the range reserved for SRLGs derived from "
       "fibres (>= 4278190080)"});
  add(
      "ReservedSrlgOnFiber",
      [](auto& t) { t.mutable_optical()->mutable_fibers(1)->add_srlgs(0xFFFFFFFFu); },
      {"fiber \"f-wh-sh\": srlgs[0] = 4294967295 is in the range reserved"}, false);
  add("BadLinkAddress",
      [](auto& t) { t.mutable_links(0)->mutable_a()->set_ipv6_address("2001:db8:0:1::/129"); },
      {"link \"bj--sh\": a.ipv6_address \"2001:db8:0:1::/129\": prefix length \"129\" is not a "
       "number in 0..128"});
  add(
      "LinkAddressWithoutLength",
      [](auto& t) { t.mutable_links(0)->mutable_a()->set_ipv6_address("2001:db8:0:1::"); },
      {"link \"bj--sh\": a.ipv6_address \"2001:db8:0:1::\" has no prefix length"}, false);
  add(
      "LinkEndsInDifferentSubnets",
      [](auto& t) { t.mutable_links(0)->mutable_b()->set_ipv6_address("2001:db8:0:2::1/127"); },
      {"link \"bj--sh\": a.ipv6_address \"2001:db8:0:1::/127\" and b.ipv6_address "
       "\"2001:db8:0:2::1/127\" are not in one subnet"},
      false);
  add("LinkEndsWithSameAddress",
      [](auto& t) { t.mutable_links(0)->mutable_b()->set_ipv6_address("2001:db8:0:1::/127"); },
      {"link \"bj--sh\": a.ipv6_address and b.ipv6_address are both \"2001:db8:0:1::/127\""});
  add("TwoLinksShareASubnet",
      [](auto& t) { t.mutable_links(1)->mutable_a()->set_ipv6_address("2001:db8:0:1::/127"); },
      {"link \"bj--gz\": a.ipv6_address \"2001:db8:0:1::/127\" overlaps a.ipv6_address "
       "\"2001:db8:0:1::/127\" of link \"bj--sh\""});
  add("BadMacAddress",
      [](auto& t) { t.mutable_links(0)->mutable_a()->set_mac_address("02:00:00:00:01"); },
      {"link \"bj--sh\": a.mac_address \"02:00:00:00:01\" is not a MAC address (expected "
       "\"aa:bb:cc:dd:ee:ff\")"});

  // --- Routers, locators and loopbacks. ------------------------------------
  add("EmptyLocator", [](auto& t) { t.mutable_routers(3)->clear_srv6_locator(); },
      {"router \"cd\": srv6_locator is empty"});
  add("LocatorTooShort", [](auto& t) { t.mutable_routers(3)->set_srv6_locator("fc00::/8"); },
      {"router \"cd\": srv6_locator \"fc00::/8\" has length 8; it must be 16..64"});
  add("LocatorTooLong", [](auto& t) { t.mutable_routers(3)->set_srv6_locator("fcbb:bb00:4::/65"); },
      {"router \"cd\": srv6_locator \"fcbb:bb00:4::/65\" has length 65; it must be 16..64"});
  add("LocatorWithoutLength",
      [](auto& t) { t.mutable_routers(3)->set_srv6_locator("fcbb:bb00:4::"); },
      {"router \"cd\": srv6_locator \"fcbb:bb00:4::\" has no prefix length (expected "
       "\"address/length\")"});
  add("LocatorWithHostBits",
      [](auto& t) { t.mutable_routers(3)->set_srv6_locator("fcbb:bb00:4::1/48"); },
      {"router \"cd\": srv6_locator \"fcbb:bb00:4::1/48\" has host bits set past /48 (did you "
       "mean \"fcbb:bb00:4::/48\"?)"});
  add("LocatorNotIpv6", [](auto& t) { t.mutable_routers(3)->set_srv6_locator("10.0.0.0/16"); },
      {"router \"cd\": srv6_locator \"10.0.0.0/16\": \"10.0.0.0\" is not an IPv6 address"});
  add("OverlappingLocators",
      [](auto& t) { t.mutable_routers(3)->set_srv6_locator("fcbb:bb00:1:4::/64"); },
      {"router \"cd\": srv6_locator \"fcbb:bb00:1:4::/64\" overlaps srv6_locator "
       "\"fcbb:bb00:1::/48\" of router \"bj\""});
  add("EqualLocators", [](auto& t) { t.mutable_routers(3)->set_srv6_locator("fcbb:bb00:1::/48"); },
      {"router \"cd\": srv6_locator \"fcbb:bb00:1::/48\" overlaps srv6_locator "
       "\"fcbb:bb00:1::/48\" of router \"bj\""});
  add("LoopbackOutsideLocator",
      [](auto& t) { t.mutable_routers(1)->set_loopback_ipv6("fcbb:bb00:9::1"); },
      {"router \"sh\": loopback_ipv6 \"fcbb:bb00:9::1\" is outside the router's srv6_locator "
       "\"fcbb:bb00:2::/48\""});
  add("BadLoopback", [](auto& t) { t.mutable_routers(1)->set_loopback_ipv6("nope"); },
      {"router \"sh\": loopback_ipv6 \"nope\" is not an IPv6 address"});
  add("LatitudeOutOfRange",
      [](auto& t) { t.mutable_routers(0)->mutable_location()->set_latitude_deg(91); },
      {"router \"bj\": location.latitude_deg 91 is outside -90..90"});
  add("LongitudeOutOfRange",
      [](auto& t) { t.mutable_sites(0)->mutable_location()->set_longitude_deg(-181); },
      {"site \"qy\": location.longitude_deg -181 is outside -180..180"});
  add("LatitudeNotANumber",
      [](auto& t) {
        t.mutable_optical()->mutable_nodes(0)->mutable_location()->set_latitude_deg(NAN);
      },
      {"optical node \"o-bj\": location.latitude_deg nan is outside -90..90"});
  add("UnknownAdminState",
      [](auto& t) {
        t.mutable_routers(0)->set_admin_state(static_cast<cpn::common::v1::AdminState>(7));
      },
      {"router \"bj\": admin_state has unknown value 7"});
  add("UnknownRole",
      [](auto& t) { t.mutable_routers(2)->add_roles(static_cast<tv1::RouterRole>(42)); },
      {"router \"gz\": roles[1] has unknown value 42"});

  // --- Optical layer. -------------------------------------------------------
  add("FiberZeroLength", [](auto& t) { t.mutable_optical()->mutable_fibers(1)->set_length_km(0); },
      {"fiber \"f-wh-sh\": length_km is 0; it must be > 0"});
  add("FiberNegativeLength",
      [](auto& t) { t.mutable_optical()->mutable_fibers(1)->set_length_km(-3.5); },
      {"fiber \"f-wh-sh\": length_km is -3.5; it must be > 0"});
  add("FiberNoChannels",
      [](auto& t) { t.mutable_optical()->mutable_fibers(1)->set_channel_count(0); },
      {"fiber \"f-wh-sh\": channel_count is 0; it must be > 0"});
  add(
      "FiberLoop", [](auto& t) { t.mutable_optical()->mutable_fibers(3)->set_b_node_id("o-sh"); },
      {"fiber \"f-sh-gz\": a_node_id and b_node_id both name optical node \"o-sh\""}, false);
  add("LightpathNotContiguous",
      [](auto& t) {
        tv1::Lightpath* lp = t.mutable_optical()->mutable_lightpaths(0);
        lp->set_fiber_ids(1, "f-sh-gz");
        lp->set_channel(7);
      },
      {"lightpath \"lp-bj-sh\": fiber_ids[1] \"f-sh-gz\" joins optical nodes \"o-sh\" and "
       "\"o-gz\" and does not continue the chain at optical node \"o-wh\""});
  add("LightpathStartsAwayFromA",
      [](auto& t) {
        tv1::Lightpath* lp = t.mutable_optical()->mutable_lightpaths(0);
        lp->clear_fiber_ids();
        lp->add_fiber_ids("f-wh-sh");
      },
      {"lightpath \"lp-bj-sh\": fiber_ids[0] \"f-wh-sh\" joins optical nodes \"o-wh\" and "
       "\"o-sh\" and does not continue the chain at optical node \"o-bj\""});
  add("LightpathEndsAwayFromZ",
      [](auto& t) {
        tv1::Lightpath* lp = t.mutable_optical()->mutable_lightpaths(0);
        lp->clear_fiber_ids();
        lp->add_fiber_ids("f-bj-wh");
      },
      {"lightpath \"lp-bj-sh\": fiber_ids end at optical node \"o-wh\", not at z_node_id "
       "\"o-sh\""});
  add("LightpathWithoutFibers",
      [](auto& t) { t.mutable_optical()->mutable_lightpaths(2)->clear_fiber_ids(); },
      {"lightpath \"lp-sh-gz\": fiber_ids is empty; a lightpath needs a fibre"});
  add("LightpathUsesFiberTwice",
      [](auto& t) { t.mutable_optical()->mutable_lightpaths(2)->add_fiber_ids("f-sh-gz"); },
      {"lightpath \"lp-sh-gz\": fiber_ids[1] lists fiber \"f-sh-gz\" a second time"});
  add(
      "LightpathLoop",
      [](auto& t) { t.mutable_optical()->mutable_lightpaths(2)->set_z_node_id("o-gz"); },
      {"lightpath \"lp-sh-gz\": a_node_id and z_node_id both name optical node \"o-gz\""}, false);
  add("ChannelBeyondFiberGrid",
      [](auto& t) { t.mutable_optical()->mutable_lightpaths(2)->set_channel(48); },
      {"lightpath \"lp-sh-gz\": channel 48 is outside fiber \"f-sh-gz\", which has "
       "channel_count 48 (channels 0..47)"});
  add("WavelengthClash",
      [](auto& t) { t.mutable_optical()->mutable_lightpaths(1)->set_channel(1); },
      {"lightpath \"lp-bj-gz\": channel 1 on fiber \"f-bj-wh\" is already used by lightpath "
       "\"lp-bj-sh\" (wavelength clash)"});
  add("LinksAboveLineRate",
      [](auto& t) { t.mutable_optical()->mutable_lightpaths(0)->set_line_rate_bps(40000000000); },
      {"lightpath \"lp-bj-sh\": the links riding it need 100000000000 bps (link \"bj--sh\": "
       "100000000000) but line_rate_bps is 40000000000"});
  add("LightpathNotColocatedWithLink",
      [](auto& t) {
        t.mutable_links(2)->set_lightpath_ids(0, "lp-bj-sh");
        t.mutable_optical()->mutable_lightpaths(0)->clear_line_rate_bps();
      },
      {"link \"sh--gz\": lightpath_ids: lightpath \"lp-bj-sh\" ends at optical nodes \"o-bj\" "
       "(router \"bj\") and \"o-sh\" (router \"sh\"), which are not colocated with the link's "
       "routers \"sh\" and \"gz\""});
  add("UnknownOpticalNodeKind",
      [](auto& t) {
        t.mutable_optical()->mutable_nodes(3)->set_kind(static_cast<tv1::OpticalNodeKind>(99));
      },
      {"optical node \"o-wh\": kind has unknown value 99"});

  // --- Services and sites. --------------------------------------------------
  add("OverlappingAnycastPrefixes",
      [](auto& t) { t.mutable_services(1)->set_anycast_prefix("2001:db8:cafe::/48"); },
      {"service \"llm\": anycast_prefix \"2001:db8:cafe:1::/64\" overlaps anycast_prefix "
       "\"2001:db8:cafe::/48\" of service \"video\""});
  add("AnycastPrefixInsideLocator",
      [](auto& t) { t.mutable_services(1)->set_anycast_prefix("fcbb:bb00:2:1::/64"); },
      {"service \"video\": anycast_prefix \"fcbb:bb00:2:1::/64\" overlaps srv6_locator "
       "\"fcbb:bb00:2::/48\" of router \"sh\""});
  add("OverlappingIpv4AnycastPrefixes",
      [](auto& t) { t.mutable_services(1)->set_anycast_prefix_ipv4("198.51.100.128/25"); },
      {"service \"video\": anycast_prefix_ipv4 \"198.51.100.128/25\" overlaps "
       "anycast_prefix_ipv4 \"198.51.100.0/24\" of service \"llm\""});
  add(
      "AnycastPrefixWithHostBits",
      [](auto& t) { t.mutable_services(1)->set_anycast_prefix("2001:db8:cafe:2::1/64"); },
      {"service \"video\": anycast_prefix \"2001:db8:cafe:2::1/64\" has host bits set past /64"},
      false);
  add("EmptyAnycastPrefix", [](auto& t) { t.mutable_services(1)->clear_anycast_prefix(); },
      {"service \"video\": anycast_prefix is empty; a service needs its CS-ID prefix"});
  add("BadIpv4AnycastPrefix",
      [](auto& t) { t.mutable_services(0)->set_anycast_prefix_ipv4("198.51.100.0/33"); },
      {"service \"llm\": anycast_prefix_ipv4 \"198.51.100.0/33\": prefix length \"33\" is not a "
       "number in 0..32"});
  add(
      "SitePrefixOverlapsAnycast",
      [](auto& t) {
        t.mutable_sites(0)->mutable_attachment()->set_site_prefixes(0, "2001:db8:cafe::/48");
      },
      {"service \"llm\": anycast_prefix \"2001:db8:cafe:1::/64\" overlaps "
       "attachment.site_prefixes[0] \"2001:db8:cafe::/48\" of site \"qy\""},
      false);
  add(
      "BadSitePrefix",
      [](auto& t) {
        t.mutable_sites(0)->mutable_attachment()->set_site_prefixes(1, "10.5.0.1/16");
      },
      {"site \"qy\": attachment.site_prefixes[1] \"10.5.0.1/16\" has host bits set past /16"},
      false);
  add("BadNextHop",
      [](auto& t) { t.mutable_sites(0)->mutable_attachment()->set_next_hop_ipv6("2001:db8::zz"); },
      {"site \"qy\": attachment.next_hop_ipv6 \"2001:db8::zz\" is not an IPv6 address"});
  add("BadIpv4NextHop",
      [](auto& t) { t.mutable_sites(0)->mutable_attachment()->set_next_hop_ipv4("10.5.0"); },
      {"site \"qy\": attachment.next_hop_ipv4 \"10.5.0\" is not an IPv4 address"});
  add("ZeroServers", [](auto& t) { t.mutable_sites(0)->mutable_capacities(0)->set_servers(0); },
      {"site \"qy\": capacities[0].servers is 0 for service \"llm\"; it must be > 0"});
  add("NoServiceTimeAnywhere",
      [](auto& t) { t.mutable_sites(0)->mutable_capacities(1)->clear_mean_service_time_ms(); },
      {"site \"qy\": capacities[1].mean_service_time_ms is 0 and service \"video\" has no "
       "default mean_service_time_ms"});
  add(
      "NegativeSiteServiceTime",
      [](auto& t) { t.mutable_sites(1)->mutable_capacities(0)->set_mean_service_time_ms(-1); },
      {"site \"ws\": capacities[0].mean_service_time_ms is -1; it must be >= 0"}, false);
  add(
      "NegativeStaticWeight",
      [](auto& t) { t.mutable_sites(1)->mutable_capacities(0)->set_static_weight(-2); },
      {"site \"ws\": capacities[0].static_weight is -2; it must be >= 0"}, false);
  add("ServiceListedTwiceAtSite",
      [](auto& t) { *t.mutable_sites(1)->add_capacities() = t.sites(1).capacities(0); },
      {"site \"ws\": capacities[1] lists service \"llm\" a second time"});
  add("NegativeServiceTime", [](auto& t) { t.mutable_services(0)->set_mean_service_time_ms(-1); },
      {"service \"llm\": mean_service_time_ms is -1; it must be >= 0"});
  add("NegativeLatencyBound", [](auto& t) { t.mutable_services(0)->set_latency_bound_ms(-5); },
      {"service \"llm\": latency_bound_ms is -5; it must be >= 0 (0: no bound)"});
  add("PortZero", [](auto& t) { t.mutable_services(0)->mutable_ports(0)->set_first(0); },
      {"service \"llm\": ports[0].first is 0; it must be 1..65535"});
  add("PortAbove65535", [](auto& t) { t.mutable_services(0)->mutable_ports(0)->set_first(70000); },
      {"service \"llm\": ports[0].first is 70000; it must be 1..65535"});
  add("PortRangeBackwards",
      [](auto& t) { t.mutable_services(0)->mutable_ports(1)->set_last(7000); },
      {"service \"llm\": ports[1].last is 7000; it must be 0 or 8000..65535"});
  add("UnknownProtocol",
      [](auto& t) { t.mutable_services(0)->set_protocol(static_cast<cv1::Protocol>(3)); },
      {"service \"llm\": protocol has unknown value 3"});
  add("BadPue", [](auto& t) { t.mutable_sites(0)->mutable_power()->set_pue(0.5); },
      {"site \"qy\": power.pue is 0.5; it must be >= 1 (or 0: unknown)"});
  add("NegativePower", [](auto& t) { t.mutable_sites(0)->mutable_power()->set_max_power_w(-1); },
      {"site \"qy\": power.max_power_w is -1; it must be >= 0"});
  return c;
}

class ModelValidationTest : public ::testing::TestWithParam<Case> {};

TEST_P(ModelValidationTest, RejectsWithAMessageNamingEntityAndField) {
  tv1::Topology t = testing::FullTopology();
  ASSERT_TRUE(NetworkModel::Build(t).ok()) << "the fixture itself must be valid";
  GetParam().mutate(t);
  absl::StatusOr<std::shared_ptr<const NetworkModel>> m = NetworkModel::Build(t);
  ASSERT_FALSE(m.ok()) << "accepted a topology with fault " << GetParam().name;
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  if (GetParam().exact) {
    ASSERT_EQ(GetParam().expected.size(), 1u);
    EXPECT_EQ(m.status().message(), GetParam().expected[0]);
  } else {
    for (const std::string& fragment : GetParam().expected) {
      EXPECT_THAT(std::string(m.status().message()), HasSubstr(fragment));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllRules, ModelValidationTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return info.param.name;
                         });

TEST(ModelValidationReportTest, ListsEveryErrorWithACount) {
  tv1::Topology t = testing::FullTopology();
  t.mutable_links(2)->set_capacity_bps(0);
  t.mutable_routers(3)->set_srv6_locator("fc00::/8");
  t.mutable_sites(1)->mutable_capacities(0)->set_service_id("tts");
  absl::StatusOr<std::shared_ptr<const NetworkModel>> m = NetworkModel::Build(t);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().message(),
            "topology \"testnet\" has 3 errors:\n"
            "  router \"cd\": srv6_locator \"fc00::/8\" has length 8; it must be 16..64\n"
            "  link \"sh--gz\": capacity_bps is 0; it must be > 0\n"
            "  site \"ws\": capacities[0].service_id names unknown service \"tts\"");
}

TEST(ModelValidationReportTest, CapsTheListButCountsEverything) {
  tv1::Topology t = testing::FullTopology();
  for (int i = 0; i < 70; ++i) AddRouter(t, absl::StrFormat("x%d", i))->set_srv6_locator("");
  absl::StatusOr<std::shared_ptr<const NetworkModel>> m = NetworkModel::Build(t);
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(std::string(m.status().message()),
              StartsWith("topology \"testnet\" has 70 errors:\n"));
  EXPECT_THAT(std::string(m.status().message()),
              HasSubstr("router \"x49\": srv6_locator is empty"));
  EXPECT_THAT(std::string(m.status().message()), ::testing::Not(HasSubstr("\"x50\"")));
  EXPECT_THAT(std::string(m.status().message()), HasSubstr("\n  ... and 20 more"));
}

TEST(ModelValidationAcceptsTest, SameIdInDifferentKinds) {
  tv1::Topology t = testing::FullTopology();
  t.mutable_sites(0)->set_id("bj");
  t.mutable_services(1)->set_id("bj");
  t.mutable_sites(0)->mutable_capacities(1)->set_service_id("bj");
  t.mutable_optical()->mutable_nodes(0)->set_id("bj");
  t.mutable_optical()->mutable_fibers(0)->set_a_node_id("bj");
  t.mutable_optical()->mutable_lightpaths(0)->set_a_node_id("bj");
  t.mutable_optical()->mutable_lightpaths(1)->set_a_node_id("bj");
  absl::StatusOr<std::shared_ptr<const NetworkModel>> m = NetworkModel::Build(t);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ((*m)->FindSite("bj"), SiteIndex(0));
  EXPECT_EQ((*m)->FindRouter("bj"), RouterIndex(0));
}

TEST(ModelValidationAcceptsTest, FibresMayBeListedInEitherOrientation) {
  // lp-sh-gz runs o-gz -> o-sh over f-sh-gz, which is written o-sh -- o-gz;
  // lp-bj-gz's second fibre f-wh-gz is written o-gz -- o-wh.
  absl::StatusOr<std::shared_ptr<const NetworkModel>> m =
      NetworkModel::Build(testing::FullTopology());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ((*m)->lightpath(LightpathIndex(2)).fibers.size(), 1u);
}

TEST(ModelValidationAcceptsTest, LinkOnSeveralLightpathsSplitsItsCapacity) {
  // gz--cd (10G) over two new 5G lightpaths fits; over 4G ones it does not.
  tv1::Topology t = testing::FullTopology();
  tv1::OpticalLayer* o = t.mutable_optical();
  tv1::OpticalNode* n = o->add_nodes();
  n->set_id("o-cd");
  n->set_colocated_router_id("cd");
  tv1::Fiber* f = o->add_fibers();
  f->set_id("f-gz-cd");
  f->set_a_node_id("o-gz");
  f->set_b_node_id("o-cd");
  f->set_length_km(1300);
  f->set_channel_count(96);
  for (int ch = 0; ch < 2; ++ch) {
    tv1::Lightpath* lp = o->add_lightpaths();
    lp->set_id(absl::StrFormat("lp-gz-cd-%d", ch));
    lp->set_a_node_id("o-cd");
    lp->set_z_node_id("o-gz");
    lp->add_fiber_ids("f-gz-cd");
    lp->set_channel(ch);
    lp->set_line_rate_bps(5000000000);
    t.mutable_links(3)->add_lightpath_ids(lp->id());
  }
  ASSERT_TRUE(NetworkModel::Build(t).ok()) << NetworkModel::Build(t).status();
  o->mutable_lightpaths(3)->set_line_rate_bps(4000000000);
  absl::StatusOr<std::shared_ptr<const NetworkModel>> m = NetworkModel::Build(t);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().message(),
            "lightpath \"lp-gz-cd-0\": the links riding it need 5000000000 bps (link \"gz--cd\": "
            "5000000000) but line_rate_bps is 4000000000");
}

TEST(ModelValidationAcceptsTest, EmptyTopologyBuilds) {
  absl::StatusOr<std::shared_ptr<const NetworkModel>> m = NetworkModel::Build(tv1::Topology());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ((*m)->num_routers(), 0u);
  EXPECT_EQ((*m)->num_arcs(), 0u);
}

}  // namespace
}  // namespace cpn::model
