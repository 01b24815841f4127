#include "dataplane/pipeline/port_manager.h"

#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "dataplane/stages/tx.h"
#include "dataplane/tables/dpdk_util.h"

namespace cpn::dataplane {
namespace {

constexpr unsigned kHandoffRingSize = 1024;

void FreeRing(rte_ring* r) {
  if (r == nullptr) return;
  void* m;
  while (rte_ring_dequeue(r, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
  rte_ring_free(r);
}

// DPDK's memif role argument: "client" (or the old "slave") unless it
// names the server; absent means client. Only devargs we probed are known.
bool IsMemifClient(const std::string& devargs, const std::string& driver) {
  if (driver != "net_memif" || devargs.rfind("net_memif", 0) != 0) return false;
  const size_t at = devargs.find("role=");
  if (at == std::string::npos) return true;
  const std::string role = devargs.substr(at + 5, devargs.find(',', at) - (at + 5));
  return role.find("server") == std::string::npos && role.find("master") == std::string::npos;
}

}  // namespace

absl::StatusOr<std::unique_ptr<OpenPort>> PortManager::Open(const std::string& devargs) {
  if (devargs.empty()) return absl::InvalidArgumentError("empty devargs");
  auto p = std::make_unique<OpenPort>();
  p->devargs = devargs;
  uint16_t pid = RTE_MAX_ETHPORTS;
  if (rte_eth_dev_get_port_by_name(devargs.c_str(), &pid) != 0) {
    const int ret = rte_dev_probe(devargs.c_str());
    if (ret != 0 && ret != -EEXIST) {
      return absl::InvalidArgumentError(
          absl::StrCat("devargs \"", devargs, "\": probe failed: ", rte_strerror(-ret)));
    }
    p->probed = ret == 0;
    rte_dev_iterator it;
    uint16_t id;
    RTE_ETH_FOREACH_MATCHING_DEV(id, devargs.c_str(), &it) {
      pid = id;
      rte_eth_iterator_cleanup(&it);
      break;
    }
    if (pid == RTE_MAX_ETHPORTS) {
      return absl::InvalidArgumentError(
          absl::StrCat("devargs \"", devargs, "\": probed, but no ethdev port matches it"));
    }
  }
  rte_eth_dev_info info;
  if (int r = rte_eth_dev_info_get(pid, &info); r != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("devargs \"", devargs, "\": rte_eth_dev_info_get: ", rte_strerror(-r)));
  }
  p->device = info.device;
  auto undo_probe = [&p] {
    if (p->probed && p->device != nullptr) rte_dev_remove(p->device);
  };
  if (pid >= kMaxTxPorts) {
    undo_probe();
    return absl::ResourceExhaustedError(absl::StrCat(
        "devargs \"", devargs, "\": DPDK port id ", pid, " >= ", kMaxTxPorts, " (too many ports)"));
  }
  if (in_use_[pid]) {
    return absl::FailedPreconditionError(
        absl::StrCat("devargs \"", devargs, "\": ethdev ", pid, " is already in use"));
  }
  p->dpdk_id = pid;
  p->driver = info.driver_name != nullptr ? info.driver_name : "";
  p->reconnects = IsMemifClient(devargs, p->driver);
  p->rx_queues = static_cast<uint16_t>(
      std::min<uint32_t>(workers_, std::max<uint16_t>(info.max_rx_queues, 1)));
  p->tx_queues = static_cast<uint16_t>(
      std::min<uint32_t>(workers_, std::max<uint16_t>(info.max_tx_queues, 1)));
  p->rss = p->rx_queues > 1 && ((RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) &
                                info.flow_type_rss_offloads) != 0;
  PortConfig pc;
  pc.devargs = devargs;
  pc.rx_queues = p->rx_queues;
  pc.tx_queues = p->tx_queues;
  pc.pool = pool_;
  absl::StatusOr<std::unique_ptr<Port>> port = Port::Attach(pid, pc);
  if (!port.ok()) {
    undo_probe();
    return absl::InvalidArgumentError(port.status().message());
  }
  p->port = *std::move(port);
  if (absl::Status s = p->port->Start(); !s.ok()) {
    p->port.reset();
    undo_probe();
    return absl::InvalidArgumentError(s.message());
  }
  p->device_mac = p->port->mac();
  if (p->tx_queues < workers_) {
    const std::string name = UniqueDpdkName("th");
    p->handoff = rte_ring_create(name.c_str(), kHandoffRingSize, SOCKET_ID_ANY, RING_F_SC_DEQ);
    if (p->handoff == nullptr) {
      p->port.reset();
      undo_probe();
      return absl::ResourceExhaustedError(
          absl::StrCat("devargs \"", devargs, "\": tx hand-off ring: ", rte_strerror(rte_errno)));
    }
  }
  in_use_[pid] = true;
  return p;
}

void PortManager::Close(std::unique_ptr<OpenPort> p) {
  if (p == nullptr) return;
  if (p->port != nullptr) (void)p->port->Stop();
  FreeRing(p->handoff);
  p->handoff = nullptr;
  p->port.reset();  // Closes the ethdev.
  if (p->probed && p->device != nullptr) rte_dev_remove(p->device);
  if (p->dpdk_id < RTE_MAX_ETHPORTS) in_use_[p->dpdk_id] = false;
}

absl::Status PortManager::SetMac(const OpenPort& port, const rte_ether_addr& mac) {
  rte_ether_addr copy = mac;
  const int r = rte_eth_dev_default_mac_addr_set(port.dpdk_id, &copy);
  if (r != 0) {
    return absl::UnimplementedError(
        absl::StrCat("port \"", port.devargs, "\": cannot set the MAC: ", rte_strerror(-r)));
  }
  return absl::OkStatus();
}

absl::Status PortManager::Restart(OpenPort& port) {
  if (port.port == nullptr) return absl::FailedPreconditionError("port is not open");
  if (absl::Status s = port.port->Stop(); !s.ok()) return s;
  return port.port->Start();
}

LinkInfo PortManager::Link(const OpenPort& port) const {
  LinkInfo info;
  rte_eth_link link;
  if (rte_eth_link_get_nowait(port.dpdk_id, &link) != 0) return info;
  info.known = true;
  info.up = link.link_status == RTE_ETH_LINK_UP;
  if (link.link_speed != RTE_ETH_SPEED_NUM_NONE && link.link_speed != RTE_ETH_SPEED_NUM_UNKNOWN) {
    info.speed_bps = uint64_t{link.link_speed} * 1'000'000;
  }
  return info;
}

}  // namespace cpn::dataplane
