#include "lab/runner/lab_plan.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace cpn::lab {
namespace {

namespace tv1 = cpn::topology::v1;

uint32_t Fnv1a(const std::string& s) {
  uint32_t h = 2166136261u;
  for (unsigned char c : s) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

// Management /30 of node n inside the lab's 10.X.0.0/16: root end .1, node .2.
std::string MgmtIp(const std::string& name, int node, int host) {
  const int x = 64 + static_cast<int>(Fnv1a(name) % 128);
  const int off = node * 4 + host;
  return absl::StrFormat("10.%d.%d.%d", x, off / 256, off % 256);
}

constexpr int kMaxNodes = 16383;
constexpr int kHostMtu = 1400;  // room for the SRv6 encapsulation on 1500-byte links

int ServicePort(const cpn::compute::v1::Service& s) {
  return s.ports_size() > 0 ? static_cast<int>(s.ports(0).first()) : 50051;
}

}  // namespace

absl::StatusOr<LabPolicy> ParseLabPolicy(const std::string& text) {
  if (text == "cpn") return LabPolicy::kCpn;
  if (text == "nearest") return LabPolicy::kNearest;
  if (text == "capacity") return LabPolicy::kCapacity;
  return absl::InvalidArgumentError(
      absl::StrCat("--policy \"", text, "\": unknown policy (cpn, nearest, capacity)"));
}

std::string LabPolicyName(LabPolicy policy) {
  switch (policy) {
    case LabPolicy::kCpn:
      return "cpn";
    case LabPolicy::kNearest:
      return "nearest";
    case LabPolicy::kCapacity:
      return "capacity";
  }
  return "?";
}

absl::Status CheckLabName(const std::string& name) {
  const bool ok = !name.empty() && name.size() <= 32 &&
                  std::all_of(name.begin(), name.end(),
                              [](char c) {
                                return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
                              }) &&
                  name != "." && name != "..";
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "lab name \"", name, "\": use 1..32 letters, digits, '-', '_' or '.' (not . or ..)"));
}

std::string LabTag(const std::string& name) {
  return absl::StrFormat("cl%04x", Fnv1a(name) & 0xffff);
}

std::string NamespacePrefix(const std::string& name) { return absl::StrCat("cpnlab-", name, "+"); }

std::string DpdkPrefixOf(const std::string& name, const std::string& router) {
  return absl::StrCat(NamespacePrefix(name), "dp-", router);
}

std::string LabMac(const std::string& name, int node, int port) {
  const uint32_t h = Fnv1a(name);
  return absl::StrFormat("02:%02x:%02x:%02x:%02x:%02x", (h >> 8) & 0xff, h & 0xff,
                         (node >> 8) & 0xff, node & 0xff, port & 0xff);
}

absl::StatusOr<std::string> FirstAddressOf(const std::string& prefix) {
  const size_t slash = prefix.find('/');
  in6_addr a{};
  if (slash == std::string::npos || inet_pton(AF_INET6, prefix.substr(0, slash).c_str(), &a) != 1)
    return absl::InvalidArgumentError(absl::StrCat("\"", prefix, "\" is not an IPv6 prefix"));
  a.s6_addr[15] = static_cast<uint8_t>(a.s6_addr[15] | 1);
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, &a, buf, sizeof buf);
  return std::string(buf);
}

absl::StatusOr<LabPlan> MakeLabPlan(const ResolvedScenario& scenario, const std::string& name,
                                    const std::string& state_root, LabPolicy policy) {
  if (absl::Status s = CheckLabName(name); !s.ok()) return s;
  LabPlan plan;
  plan.name = name;
  plan.tag = LabTag(name);
  plan.state_dir = absl::StrCat(state_root, "/", name);
  plan.policy = policy;
  plan.topology = scenario.topology;
  tv1::Topology& t = plan.topology;
  const std::string ns_prefix = NamespacePrefix(name);
  const auto& sc = scenario.scenario;

  plan.mgmt_prefix = absl::StrFormat("10.%d.0.0/16", 64 + static_cast<int>(Fnv1a(name) % 128));
  const int node_count = t.routers_size() + t.sites_size() + sc.clients_size();
  if (t.routers_size() == 0) return absl::InvalidArgumentError("the scenario has no routers");
  if (node_count > kMaxNodes) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%d routers, sites and clients: the lab's address plan holds %d", node_count, kMaxNodes));
  }

  // Nodes. Routers first, then sites, then clients.
  std::map<std::string, int> router_node;  // router id -> index into nodes
  auto add_node = [&](NodeKind kind, const std::string& id, const char* letter) -> Node& {
    Node n;
    n.kind = kind;
    n.id = id;
    n.index = static_cast<int>(plan.nodes.size()) + 1;
    n.netns = absl::StrCat(ns_prefix, letter, "-", id);
    n.root_mgmt_ip = MgmtIp(name, n.index, 1);
    n.mgmt_ip = MgmtIp(name, n.index, 2);
    plan.veths.push_back(VethPair{VethEnd{"", absl::StrCat(plan.tag, "m", n.index), "", 1500},
                                  VethEnd{n.netns, "mgmt", LabMac(name, n.index, 0), 1500},
                                  absl::StrCat("management ", id)});
    plan.nodes.push_back(n);
    return plan.nodes.back();
  };
  for (tv1::Router& r : *t.mutable_routers()) {
    Node& n = add_node(NodeKind::kRouter, r.id(), "r");
    router_node[r.id()] = static_cast<int>(plan.nodes.size()) - 1;
    r.set_dataplane_address(absl::StrCat(n.mgmt_ip, ":", kDataplaneGrpcPort));
  }
  std::map<std::string, int> next_port;  // router id -> ports used (MAC port byte)
  std::map<std::string, std::vector<std::string>> port_args;  // router id -> --port values
  // A router port; its Port.id in the dataplane is its place in the
  // dataplane's --port list (1, 2, ...).
  auto add_router_port = [&](const std::string& router, char letter, const std::string& model_name,
                             std::string* mac, uint32_t* port_id = nullptr) -> std::string {
    Node& rn = plan.nodes[router_node.at(router)];
    const int k = ++next_port[router];
    const std::string dev = absl::StrCat(std::string(1, letter), k);
    *mac = LabMac(name, rn.index, k);
    rn.router_ports.push_back(dev);
    port_args[router].push_back(
        absl::StrCat(model_name, "=net_af_packet", port_args[router].size(), ",iface=", dev));
    if (port_id != nullptr) *port_id = static_cast<uint32_t>(port_args[router].size());
    return dev;
  };

  // Router-router links.
  std::map<std::string, const LinkEmulation*> emulation;  // by link id
  for (const LinkEmulation& e : scenario.links) emulation[e.id] = &e;
  for (tv1::Link& l : *t.mutable_links()) {
    std::string mac_a, mac_b;
    uint32_t port_a = 0, port_b = 0;
    const std::string dev_a =
        add_router_port(l.a().router_id(), 'l', l.a().interface(), &mac_a, &port_a);
    const std::string dev_b =
        add_router_port(l.b().router_id(), 'l', l.b().interface(), &mac_b, &port_b);
    l.mutable_a()->set_mac_address(mac_a);
    l.mutable_b()->set_mac_address(mac_b);
    VethEnd a{plan.nodes[router_node.at(l.a().router_id())].netns, dev_a, mac_a, 1500};
    VethEnd b{plan.nodes[router_node.at(l.b().router_id())].netns, dev_b, mac_b, 1500};
    plan.veths.push_back(VethPair{a, b, absl::StrCat("link ", l.id())});
    plan.link_devices[l.id()] = {a, b};
    // Loss: the controller's model has none; the lab sets it on both ends
    // itself (LinkLossOverride).
    const auto em = emulation.find(l.id());
    if (em == emulation.end() || em->second->loss_percent <= 0) continue;
    for (const auto& [end, port] : {std::pair{&l.a(), port_a}, std::pair{&l.b(), port_b}}) {
      LinkLossOverride o;
      o.link_id = l.id();
      o.router_id = end->router_id();
      o.dataplane = absl::StrCat(plan.nodes[router_node.at(end->router_id())].mgmt_ip, ":",
                                 kDataplaneGrpcPort);
      o.port_id = port;
      o.port_name = end->interface();
      // The same delay and rate the controller programs from the model
      // (--emulate-links: propagation delay, capacity), plus the loss.
      o.emulation.set_delay_us(
          static_cast<uint32_t>(std::min<uint64_t>(l.propagation_delay_us(), UINT32_MAX)));
      o.emulation.set_rate_bps(l.capacity_bps());
      o.emulation.set_loss_ratio(em->second->loss_percent / 100);
      o.emulation.set_random_seed(
          DeriveSeed(sc.seed(), "link-loss", absl::StrCat(l.id(), "@", end->router_id())));
      plan.link_loss.push_back(o);
    }
  }

  // Host attachment: a veth from a router port to eth0 of the host.
  auto attach_host = [&](Node& host, const std::string& router, const std::string& model_if,
                         char letter, const std::string& address) {
    std::string router_mac;
    const std::string dev = add_router_port(router, letter, model_if, &router_mac);
    host.host_address = address;
    host.gateway_mac = router_mac;
    const std::string host_mac = LabMac(name, host.index, 1);
    plan.veths.push_back(
        VethPair{VethEnd{plan.nodes[router_node.at(router)].netns, dev, router_mac, kHostMtu},
                 VethEnd{host.netns, "eth0", host_mac, kHostMtu},
                 absl::StrCat(host.kind == NodeKind::kSite ? "site " : "client ", host.id)});
    return host_mac;
  };

  // Sites.
  std::map<std::string, const cpn::compute::v1::Service*> services;
  for (const auto& s : t.services()) services[s.id()] = &s;
  const int site_count = t.sites_size();
  for (int i = 0; i < site_count; ++i) {
    const cpn::compute::v1::Site site = t.sites(i);
    const auto& att = site.attachment();
    if (att.next_hop_ipv6().empty()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "site \"%s\": attachment.next_hop_ipv6 is empty; the lab delivers to the site's "
          "address (End.DX6) and needs one",
          site.id()));
    }
    std::string prefix_len = "128";
    for (const std::string& p : att.site_prefixes()) {
      if (p.find(':') == std::string::npos) continue;
      prefix_len = p.substr(p.find('/') + 1);
      break;
    }
    Node& n = add_node(NodeKind::kSite, site.id(), "s");
    const std::string mac = attach_host(n, att.router_id(), att.interface(), 's',
                                        absl::StrCat(att.next_hop_ipv6(), "/", prefix_len));
    plan.gateway_macs[site.id()] = mac;
    for (const auto& cap : site.capacities()) {
      const auto it = services.find(cap.service_id());
      if (it == services.end()) continue;
      absl::StatusOr<std::string> addr = FirstAddressOf(it->second->anycast_prefix());
      if (!addr.ok()) return addr.status();
      plan.nodes.back().anycast_addresses.push_back(*addr);
      plan.sites.push_back(SiteProcess{site.id(), n.netns, cap.service_id(),
                                       absl::StrCat("[", *addr, "]:", ServicePort(*it->second)),
                                       ""});
    }
  }
  plan.controller_ip = plan.nodes.front().root_mgmt_ip;
  for (SiteProcess& sp : plan.sites) sp.controller_address = plan.controller_ip;

  // Clients: an access network per client, modelled as a site without
  // capacities ("access-<client>"): the SRv6 underlay already routes site
  // prefixes from every router to their router and delivers them on the
  // attachment port to next_hop_ipv6 — exactly the return path to a client.
  for (int i = 0; i < sc.clients_size(); ++i) {
    const auto& c = sc.clients(i);
    Node& n = add_node(NodeKind::kClient, c.id(), "c");
    const std::string prefix = absl::StrFormat("2001:db8:c:%x::/64", i + 1);
    const std::string address = absl::StrFormat("2001:db8:c:%x::2", i + 1);
    const std::string site_id = absl::StrCat("access-", c.id());
    const std::string model_if = absl::StrCat("access-", c.id());
    cpn::compute::v1::Site* access = t.add_sites();
    access->set_id(site_id);
    access->set_name(absl::StrCat("access network of client ", c.id(), " (lab)"));
    access->mutable_attachment()->set_router_id(c.router());
    access->mutable_attachment()->set_interface(model_if);
    access->mutable_attachment()->set_next_hop_ipv6(address);
    access->mutable_attachment()->add_site_prefixes(prefix);
    plan.gateway_macs[site_id] = attach_host(n, c.router(), model_if, 'a', address + "/64");
    std::string target;
    if (c.services_size() > 0 && services.count(c.services(0))) {
      const auto* s = services.at(c.services(0));
      absl::StatusOr<std::string> addr = FirstAddressOf(s->anycast_prefix());
      if (!addr.ok()) return addr.status();
      target = absl::StrCat("[", *addr, "]:", ServicePort(*s));
    }
    plan.clients.push_back(ClientProcess{c.id(), n.netns, target});
  }

  // The baselines: sites do not report, so every service is in the
  // controller's fallback; "capacity" weights the sites by their servers
  // (the same for every ingress), "nearest" sends each ingress to its
  // nearest live site by propagation delay, as anycast would.
  if (policy == LabPolicy::kCapacity) {
    for (int i = 0; i < site_count; ++i) {
      for (auto& cap : *t.mutable_sites(i)->mutable_capacities()) {
        cap.set_static_weight(cap.servers());
      }
    }
  } else if (policy == LabPolicy::kNearest) {
    plan.controller_flags = {"--fallback-weights", "nearest"};
  }

  for (const Node& n : plan.nodes) {
    if (n.kind != NodeKind::kRouter) continue;
    plan.dataplanes.push_back(DataplaneProcess{n.id, n.netns, DpdkPrefixOf(name, n.id),
                                               absl::StrCat(n.mgmt_ip, ":", kDataplaneGrpcPort),
                                               port_args[n.id]});
  }
  return plan;
}

}  // namespace cpn::lab
