#include "tests/controller/model/test_topologies.h"

#include <cstdint>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace cpn::model::testing {

namespace tv1 = cpn::topology::v1;

tv1::Topology ParseTopology(const std::string& text) {
  tv1::Topology t;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &t)) << text;
  return t;
}

tv1::Topology FullTopology() {
  return ParseTopology(R"pb(
    name: "testnet"
    description: "Four cities over a small optical layer"
    routers {
      id: "bj"
      name: "Beijing core"
      location { latitude_deg: 39.9 longitude_deg: 116.4 place: "Beijing" }
      srv6_locator: "fcbb:bb00:1::/48"
      roles: ROUTER_ROLE_CORE
      roles: ROUTER_ROLE_INGRESS
      loopback_ipv6: "fcbb:bb00:1::100"
      dataplane_address: "127.0.0.1:50051"
      admin_state: ADMIN_STATE_UP
    }
    routers {
      id: "sh"
      location { latitude_deg: 31.2 longitude_deg: 121.5 }
      srv6_locator: "fcbb:bb00:2::/48"
      roles: ROUTER_ROLE_INGRESS
      roles: ROUTER_ROLE_SITE_GATEWAY
    }
    routers { id: "gz" srv6_locator: "fcbb:bb00:3::/48" roles: ROUTER_ROLE_BORDER }
    routers { id: "cd" srv6_locator: "fcbb:bb00:4::/48" roles: ROUTER_ROLE_SITE_GATEWAY }
    links {
      id: "bj--sh"
      a {
        router_id: "bj"
        interface: "eth-sh"
        ipv6_address: "2001:db8:0:1::/127"
        mac_address: "02:00:00:00:01:01"
      }
      b { router_id: "sh" interface: "eth-bj" ipv6_address: "2001:db8:0:1::1/127" }
      propagation_delay_us: 5400
      capacity_bps: 100000000000
      srlgs: 10
      srlgs: 11
      lightpath_ids: "lp-bj-sh"
      admin_state: ADMIN_STATE_UP
    }
    links {
      id: "bj--gz"
      a { router_id: "bj" interface: "eth-gz" }
      b { router_id: "gz" interface: "eth-bj" }
      propagation_delay_us: 9800
      capacity_bps: 100000000000
      igp_metric: 50
      srlgs: 10
      lightpath_ids: "lp-bj-gz"
    }
    links {
      id: "sh--gz"
      a { router_id: "sh" interface: "eth-gz" }
      b { router_id: "gz" interface: "eth-sh" }
      propagation_delay_us: 6000
      capacity_bps: 40000000000
      lightpath_ids: "lp-sh-gz"
    }
    links {
      id: "gz--cd"
      a { router_id: "gz" interface: "eth-cd" }
      b { router_id: "cd" interface: "eth-gz" }
      propagation_delay_us: 6500
      capacity_bps: 10000000000
    }
    links {
      id: "sh--cd"
      a { router_id: "sh" interface: "eth-cd" }
      b { router_id: "cd" interface: "eth-sh" }
      propagation_delay_us: 8000
      capacity_bps: 10000000000
      admin_state: ADMIN_STATE_DOWN
    }
    optical {
      nodes {
        id: "o-bj"
        name: "Beijing ROADM"
        location { latitude_deg: 39.9 longitude_deg: 116.4 }
        kind: OPTICAL_NODE_KIND_ROADM
        colocated_router_id: "bj"
      }
      nodes { id: "o-sh" kind: OPTICAL_NODE_KIND_ROADM colocated_router_id: "sh" }
      nodes { id: "o-gz" kind: OPTICAL_NODE_KIND_OTN_SWITCH colocated_router_id: "gz" }
      nodes { id: "o-wh" kind: OPTICAL_NODE_KIND_AMPLIFIER }
      fibers {
        id: "f-bj-wh"
        a_node_id: "o-bj"
        b_node_id: "o-wh"
        length_km: 1150
        channel_count: 96
        srlgs: 500
      }
      fibers { id: "f-wh-sh" a_node_id: "o-wh" b_node_id: "o-sh" length_km: 840 channel_count: 96 }
      fibers { id: "f-wh-gz" a_node_id: "o-gz" b_node_id: "o-wh" length_km: 980 channel_count: 96 }
      fibers { id: "f-sh-gz" a_node_id: "o-sh" b_node_id: "o-gz" length_km: 1400 channel_count: 48 }
      lightpaths {
        id: "lp-bj-sh"
        a_node_id: "o-bj"
        z_node_id: "o-sh"
        fiber_ids: "f-bj-wh"
        fiber_ids: "f-wh-sh"
        channel: 1
        wavelength_nm: 1550.12
        line_rate_bps: 100000000000
      }
      lightpaths {
        id: "lp-bj-gz"
        a_node_id: "o-bj"
        z_node_id: "o-gz"
        fiber_ids: "f-bj-wh"
        fiber_ids: "f-wh-gz"
        channel: 2
        line_rate_bps: 200000000000
      }
      lightpaths {
        id: "lp-sh-gz"
        a_node_id: "o-gz"
        z_node_id: "o-sh"
        fiber_ids: "f-sh-gz"
        channel: 1
      }
    }
    sites {
      id: "qy"
      name: "Qingyang cluster"
      location { latitude_deg: 35.7 longitude_deg: 107.6 place: "Qingyang" }
      attachment {
        router_id: "cd"
        interface: "site0"
        next_hop_ipv6: "2001:db8:5::2"
        next_hop_ipv4: "10.5.0.2"
        site_prefixes: "2001:db8:5::/48"
        site_prefixes: "10.5.0.0/16"
      }
      capacities { service_id: "llm" servers: 8 }
      capacities { service_id: "video" servers: 4 mean_service_time_ms: 20 static_weight: 3 }
      power {
        idle_power_w: 20000
        max_power_w: 80000
        pue: 1.2
        carbon_intensity_g_per_kwh: 540
        electricity_price_per_mwh: 55
        grid_zone: "CN-NW"
      }
      admin_state: ADMIN_STATE_UP
    }
    sites {
      id: "ws"
      attachment { router_id: "sh" interface: "site0" }
      capacities { service_id: "llm" servers: 16 mean_service_time_ms: 40 }
    }
    services {
      id: "llm"
      name: "LLM inference"
      anycast_prefix: "2001:db8:cafe:1::/64"
      anycast_prefix_ipv4: "198.51.100.0/24"
      protocol: PROTOCOL_TCP
      ports { first: 443 }
      ports { first: 8000 last: 8080 }
      latency_bound_ms: 200
      mean_request_bytes: 2000
      mean_response_bytes: 8000
      mean_service_time_ms: 50
    }
    services { id: "video" anycast_prefix: "2001:db8:cafe:2::/64" protocol: PROTOCOL_UDP }
    provenance {
      source: "hand-written test network"
      license: "CC0"
      attribution: "CPN tests"
      notes: "fibre lengths invented"
    }
  )pb");
}

tv1::Topology KdlSizedTopology() {
  constexpr int kRouters = 754;
  constexpr int kLinks = 900;
  tv1::Topology t;
  t.set_name("kdl-sized");
  uint64_t seed = 12345;
  auto next = [&seed](uint64_t bound) {  // deterministic LCG
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return (seed >> 33) % bound;
  };
  std::vector<int> interfaces(kRouters, 0);
  for (int i = 0; i < kRouters; ++i) {
    tv1::Router* r = t.add_routers();
    r->set_id(absl::StrFormat("r%03d", i));
    r->set_srv6_locator(absl::StrFormat("fcbb:bb00:%x::/48", i + 1));
    r->mutable_location()->set_latitude_deg(30 + static_cast<double>(next(1000)) / 100);
    r->mutable_location()->set_longitude_deg(100 + static_cast<double>(next(2000)) / 100);
    r->add_roles(tv1::ROUTER_ROLE_CORE);
  }
  std::set<std::pair<int, int>> pairs;
  auto add_link = [&](int a, int b) {
    if (a == b || !pairs.insert({std::min(a, b), std::max(a, b)}).second) return false;
    const int j = t.links_size();
    tv1::Link* l = t.add_links();
    l->set_id(absl::StrFormat("r%03d--r%03d", a, b));
    l->mutable_a()->set_router_id(t.routers(a).id());
    l->mutable_a()->set_interface(absl::StrFormat("e%d", interfaces[a]++));
    l->mutable_a()->set_ipv6_address(absl::StrFormat("2001:db8:1:%x::/127", j));
    l->mutable_b()->set_router_id(t.routers(b).id());
    l->mutable_b()->set_interface(absl::StrFormat("e%d", interfaces[b]++));
    l->mutable_b()->set_ipv6_address(absl::StrFormat("2001:db8:1:%x::1/127", j));
    l->set_propagation_delay_us(100 + next(5000));
    l->set_capacity_bps(uint64_t{10000000000} * (1 + next(10)));
    return true;
  };
  for (int i = 0; i < kRouters; ++i) add_link(i, (i + 1) % kRouters);
  while (t.links_size() < kLinks) {
    add_link(static_cast<int>(next(kRouters)), static_cast<int>(next(kRouters)));
  }
  // Optical layer under every third link: one ROADM per router it touches,
  // one fibre and one lightpath per link.
  tv1::OpticalLayer* optical = t.mutable_optical();
  std::vector<bool> has_node(kRouters, false);
  for (int j = 0; j < t.links_size(); j += 3) {
    tv1::Link* l = t.mutable_links(j);
    for (const tv1::LinkEndpoint* end : {&l->a(), &l->b()}) {
      const int r = std::stoi(end->router_id().substr(1));
      if (has_node[r]) continue;
      has_node[r] = true;
      tv1::OpticalNode* n = optical->add_nodes();
      n->set_id("o-" + end->router_id());
      n->set_kind(tv1::OPTICAL_NODE_KIND_ROADM);
      n->set_colocated_router_id(end->router_id());
    }
    tv1::Fiber* f = optical->add_fibers();
    f->set_id("f-" + l->id());
    f->set_a_node_id("o-" + l->a().router_id());
    f->set_b_node_id("o-" + l->b().router_id());
    f->set_length_km(static_cast<double>(l->propagation_delay_us()) / 5);
    f->set_channel_count(96);
    tv1::Lightpath* lp = optical->add_lightpaths();
    lp->set_id("lp-" + l->id());
    lp->set_a_node_id(f->a_node_id());
    lp->set_z_node_id(f->b_node_id());
    lp->add_fiber_ids(f->id());
    lp->set_line_rate_bps(l->capacity_bps());
    l->add_lightpath_ids(lp->id());
  }
  for (int s = 0; s < 4; ++s) {
    cpn::compute::v1::Service* svc = t.add_services();
    svc->set_id(absl::StrFormat("svc%d", s));
    svc->set_anycast_prefix(absl::StrFormat("2001:db8:cafe:%x::/64", s));
    svc->set_mean_service_time_ms(10.0 * (s + 1));
  }
  for (int s = 0; s < 20; ++s) {
    cpn::compute::v1::Site* site = t.add_sites();
    site->set_id(absl::StrFormat("site%02d", s));
    site->mutable_attachment()->set_router_id(t.routers(s * 37).id());
    site->mutable_attachment()->set_interface("site0");
    for (int k = 0; k < 4; ++k) {
      cpn::compute::v1::SiteServiceCapacity* c = site->add_capacities();
      c->set_service_id(absl::StrFormat("svc%d", k));
      c->set_servers(static_cast<uint32_t>(1 + next(64)));
    }
  }
  return t;
}

}  // namespace cpn::model::testing
