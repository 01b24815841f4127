// One DPDK ethdev port, created from devargs: a vdev here ("net_ring0",
// "net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap", "net_null0",
// "net_memif0,role=server,socket=/tmp/x.sock", "net_af_packet0,iface=veth0")
// or a NIC elsewhere ("0000:01:00.0"). Port configures N rx / N tx queues
// (RSS across rx queues when the device supports it), starts and stops,
// reads stats and the MAC. Every error names the devargs and DPDK's error.
//
// Lifecycle and threading: Create/Attach, Start, Stop, Stats and the
// destructor run on the control (main) lcore. RxBurst(q)/TxBurst(q) run on
// the one worker lcore that owns queue q; they are thin inline wrappers.
// The destructor stops and closes the port, and removes the device if
// Create probed it.
#ifndef CPN_DATAPLANE_PORTS_PORT_H_
#define CPN_DATAPLANE_PORTS_PORT_H_

#include <rte_ethdev.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace cpn::dataplane {

struct PortConfig {
  std::string devargs;
  uint16_t rx_queues = 1;
  uint16_t tx_queues = 1;
  uint16_t rx_descriptors = 1024;  // Adjusted to the device's limits.
  uint16_t tx_descriptors = 1024;
  rte_mempool* pool = nullptr;  // rx mbufs; required if rx_queues > 0.
  bool promiscuous = true;      // Vdevs ignore it; NICs need it for a router.
  std::optional<uint16_t> mtu;
};

struct PortStats {
  uint64_t rx_packets = 0;
  uint64_t tx_packets = 0;
  uint64_t rx_bytes = 0;
  uint64_t tx_bytes = 0;
  uint64_t rx_missed = 0;  // Dropped by the NIC: rx ring full.
  uint64_t rx_errors = 0;
  uint64_t tx_errors = 0;
  uint64_t rx_no_mbuf = 0;  // Mempool empty.
};

class Port {
 public:
  // Probes `config.devargs` (an existing device is fine), then configures it.
  static absl::StatusOr<std::unique_ptr<Port>> Create(const PortConfig& config);
  // Wraps a port that already exists (e.g. made with rte_eth_from_rings or
  // --vdev) and configures it; config.devargs is used only in messages.
  static absl::StatusOr<std::unique_ptr<Port>> Attach(uint16_t port_id, const PortConfig& config);

  Port(const Port&) = delete;
  Port& operator=(const Port&) = delete;
  ~Port();

  absl::Status Start();
  absl::Status Stop();
  bool started() const { return started_; }

  uint16_t RxBurst(uint16_t queue, rte_mbuf** pkts, uint16_t n) {
    return rte_eth_rx_burst(id_, queue, pkts, n);
  }
  uint16_t TxBurst(uint16_t queue, rte_mbuf** pkts, uint16_t n) {
    return rte_eth_tx_burst(id_, queue, pkts, n);
  }

  absl::StatusOr<PortStats> Stats() const;
  absl::Status ResetStats();

  uint16_t id() const { return id_; }
  const std::string& devargs() const { return config_.devargs; }
  const rte_ether_addr& mac() const { return mac_; }
  uint16_t rx_queues() const { return config_.rx_queues; }
  uint16_t tx_queues() const { return config_.tx_queues; }
  int socket_id() const { return socket_; }

 private:
  Port(uint16_t id, const PortConfig& config, bool probed)
      : id_(id), config_(config), probed_(probed) {}
  absl::Status Configure();
  absl::Status Error(const char* what, int dpdk_ret) const;

  const uint16_t id_;
  PortConfig config_;
  const bool probed_;
  bool started_ = false;
  int socket_ = SOCKET_ID_ANY;
  rte_ether_addr mac_{};
  rte_device* device_ = nullptr;
};

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_PORTS_PORT_H_
