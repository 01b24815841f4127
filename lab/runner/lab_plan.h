// LabPlan: everything `cpn-lab up` creates for a scenario, decided before
// anything is created — namespace, interface and DPDK names, MACs,
// addresses, each process's command line, and the topology handed to the
// controller (with the lab's MACs, dataplane addresses and client access
// networks). Pure and deterministic (the same scenario and lab name give
// the same plan); callable from any thread.
//
// Naming (docs/lab.md, "What up creates"):
//   namespaces     cpnlab-<name>+r-<router>, +s-<site>, +c-<client>
//   DPDK prefix    cpnlab-<name>+dp-<router>        (/var/run/dpdk/<prefix>)
//   root veths     <tag>m<n> (management, n = node index), tag = "cl" + 4 hex
//                  digits of FNV-1a(name): at most 11 characters (IFNAMSIZ 16)
//   in a router    l<k> (link ends), s<k> (sites), a<k> (client access),
//                  mgmt; in a host namespace eth0 and mgmt
// '+' never occurs in a lab name or an entity id, so one lab's names are
// never a prefix of another's.
#ifndef CPN_LAB_RUNNER_LAB_PLAN_H_
#define CPN_LAB_RUNNER_LAB_PLAN_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cpn/dataplane/v1/entities.pb.h"
#include "cpn/topology/v1/topology.pb.h"
#include "lab/scenario/scenario_validate.h"

namespace cpn::lab {

// Port of every dataplane's southbound server (each in its own namespace).
inline constexpr int kDataplaneGrpcPort = 9559;

// How new flows are spread: "cpn" (the controller's decisions on live site
// metrics) or a static baseline ("nearest", "capacity": sites do not report,
// so the controller falls back to the static weights the plan writes).
enum class LabPolicy { kCpn, kNearest, kCapacity };
absl::StatusOr<LabPolicy> ParseLabPolicy(const std::string& text);
std::string LabPolicyName(LabPolicy policy);

// Lab names: 1..32 of [A-Za-z0-9_.-].
absl::Status CheckLabName(const std::string& name);
// "cl" + 4 hex digits of FNV-1a(name).
std::string LabTag(const std::string& name);
std::string NamespacePrefix(const std::string& name);  // "cpnlab-<name>+"
std::string DpdkPrefixOf(const std::string& name, const std::string& router);
// The namespace, node index and kind of one node.
enum class NodeKind { kRouter, kSite, kClient };

// One end of a veth pair.
struct VethEnd {
  std::string netns;  // "" for the root namespace
  std::string name;   // kernel name in that namespace
  std::string mac;    // "" lets the kernel choose
  int mtu = 1500;
};

struct VethPair {
  VethEnd a, b;
  std::string what;  // "link r1--r2", "site site-a", "management r1"
};

struct Node {
  NodeKind kind = NodeKind::kRouter;
  std::string id;  // router, site or client id
  int index = 0;   // 1.. (routers, then sites, then clients)
  std::string netns;
  // Management: <root_mgmt_ip>/30 on the root end, <mgmt_ip>/30 here.
  std::string mgmt_ip, root_mgmt_ip;
  // Hosts: the address of eth0 (with /64), the gateway's MAC (the router
  // port), anycast addresses (/128) served here (sites only).
  std::string host_address, gateway_mac;
  std::vector<std::string> anycast_addresses;
  // Routers: the interfaces to bring up (link ends, site and access ports).
  std::vector<std::string> router_ports;
};

struct SiteProcess {
  std::string site_id;
  std::string netns;
  std::string service_id;
  std::string listen;              // "[anycast]:port"
  std::string controller_address;  // root end of the site's management veth
};

struct ClientProcess {
  std::string client_id;
  std::string netns;
  std::string target;  // "[anycast]:port" of the client's first service
};

struct DataplaneProcess {
  std::string router_id;
  std::string netns;
  std::string file_prefix;
  std::string listen;              // mgmt_ip:9559
  std::vector<std::string> ports;  // "NAME=net_af_packet<k>,iface=<dev>"
};

// Link loss, which the controller's model does not carry: the lab sets it
// on each end of a lossy link with the dataplane's SetPortEmulation (an
// override that wins over the Port.emulation the controller programs, and
// that the controller's writes leave in place). The override carries the
// same delay and rate the controller programs, plus loss_ratio.
struct LinkLossOverride {
  std::string link_id;
  std::string router_id;
  std::string dataplane;  // the router's dataplane, mgmt_ip:9559
  uint32_t port_id = 0;   // Port.id: the port's place in the --port list
  std::string port_name;  // the model interface, e.g. "eth1"
  cpn::dataplane::v1::LinkEmulation emulation;
};

struct LabPlan {
  std::string name, tag, state_dir;
  LabPolicy policy = LabPolicy::kCpn;
  // The lab's management network, "10.X.0.0/16", and where the controller
  // listens: the root end of the first node's management veth (a root
  // namespace address; hosts route the /16 via their own root end), so the
  // plaintext API is not exposed on the machine's other interfaces.
  std::string mgmt_prefix, controller_ip;
  std::vector<Node> nodes;
  std::vector<VethPair> veths;
  // Model link id -> the two (namespace, device) ends, for link down/up.
  std::map<std::string, std::pair<VethEnd, VethEnd>> link_devices;
  // Both ends of every link with loss_percent > 0, in link order.
  std::vector<LinkLossOverride> link_loss;
  std::vector<DataplaneProcess> dataplanes;
  std::vector<SiteProcess> sites;
  std::vector<ClientProcess> clients;
  // The controller's topology: the scenario's, with MACs on every link end,
  // dataplane addresses, one access site "access-<client>" per client and,
  // for the capacity policy, static weights.
  cpn::topology::v1::Topology topology;
  // --site-gateway-mac SITE=MAC for every site and access site.
  std::map<std::string, std::string> gateway_macs;
  // Further cpn-controller flags the policy needs ("nearest": every ingress
  // on its nearest site, --fallback-weights nearest).
  std::vector<std::string> controller_flags;
};

// The plan of `scenario` as lab `name` with state under `state_root`
// (e.g. /run/cpn-lab): INVALID_ARGUMENT for a bad name, a site without an
// IPv6 next hop, or more nodes than the address plan holds (16,383).
absl::StatusOr<LabPlan> MakeLabPlan(const ResolvedScenario& scenario, const std::string& name,
                                    const std::string& state_root, LabPolicy policy);

// "02:<tag>:<node hi>:<node lo>:<port>" (locally administered, unicast).
std::string LabMac(const std::string& name, int node, int port);
// The address <prefix network> + 1 of an IPv6 prefix ("2001:db8:1::/64" ->
// "2001:db8:1::1"); the service address a site listens on.
absl::StatusOr<std::string> FirstAddressOf(const std::string& prefix);

}  // namespace cpn::lab

#endif  // CPN_LAB_RUNNER_LAB_PLAN_H_
