#include "dataplane/ports/port.h"

#include <rte_dev.h>
#include <rte_errno.h>

#include "absl/strings/str_cat.h"

namespace cpn::dataplane {

absl::Status Port::Error(const char* what, int dpdk_ret) const {
  const int err = dpdk_ret < 0 ? -dpdk_ret : dpdk_ret;
  return absl::InternalError(
      absl::StrCat("port '", config_.devargs, "' (id ", id_, "): ", what, ": ", rte_strerror(err)));
}

absl::StatusOr<std::unique_ptr<Port>> Port::Create(const PortConfig& config) {
  if (config.devargs.empty()) return absl::InvalidArgumentError("port: empty devargs");
  const int ret = rte_dev_probe(config.devargs.c_str());
  const bool probed = ret == 0;
  if (ret != 0 && ret != -EEXIST) {
    return absl::NotFoundError(
        absl::StrCat("port '", config.devargs, "': rte_dev_probe: ", rte_strerror(-ret)));
  }
  // The ethdev(s) of the device just probed; a device may expose several
  // ports (e.g. a multi-port NIC function) -- we take the first.
  rte_dev_iterator it;
  uint16_t found = RTE_MAX_ETHPORTS;
  uint16_t pid;
  RTE_ETH_FOREACH_MATCHING_DEV(pid, config.devargs.c_str(), &it) {
    found = pid;
    rte_eth_iterator_cleanup(&it);
    break;
  }
  if (found == RTE_MAX_ETHPORTS) {
    return absl::NotFoundError(
        absl::StrCat("port '", config.devargs, "': probed, but no ethdev port matches it"));
  }
  std::unique_ptr<Port> port(new Port(found, config, probed));
  if (absl::Status s = port->Configure(); !s.ok()) return s;
  return port;
}

absl::StatusOr<std::unique_ptr<Port>> Port::Attach(uint16_t port_id, const PortConfig& config) {
  if (!rte_eth_dev_is_valid_port(port_id)) {
    return absl::NotFoundError(
        absl::StrCat("port '", config.devargs, "': no ethdev with id ", port_id));
  }
  std::unique_ptr<Port> port(new Port(port_id, config, /*probed=*/false));
  if (absl::Status s = port->Configure(); !s.ok()) return s;
  return port;
}

absl::Status Port::Configure() {
  if (config_.rx_queues > 0 && config_.pool == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("port '", config_.devargs, "': rx queues need an mbuf pool"));
  }
  rte_eth_dev_info info;
  if (int r = rte_eth_dev_info_get(id_, &info); r != 0) return Error("rte_eth_dev_info_get", r);
  device_ = info.device;
  if (config_.rx_queues > info.max_rx_queues || config_.tx_queues > info.max_tx_queues) {
    return absl::InvalidArgumentError(
        absl::StrCat("port '", config_.devargs, "': wants ", config_.rx_queues, " rx / ",
                     config_.tx_queues, " tx queues; device ", info.driver_name, " has at most ",
                     info.max_rx_queues, " / ", info.max_tx_queues));
  }
  socket_ = rte_eth_dev_socket_id(id_);
  if (socket_ < 0) socket_ = static_cast<int>(rte_socket_id());

  rte_eth_conf conf{};
  // Spread flows over the workers' rx queues in hardware when the device
  // can; vdevs cannot, and then workers spread in software.
  const uint64_t rss =
      (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
  if (config_.rx_queues > 1 && rss != 0) {
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    conf.rx_adv_conf.rss_conf.rss_hf = rss;
  }
  if (int r = rte_eth_dev_configure(id_, config_.rx_queues, config_.tx_queues, &conf); r != 0) {
    return Error("rte_eth_dev_configure", r);
  }
  uint16_t nb_rx = config_.rx_descriptors;
  uint16_t nb_tx = config_.tx_descriptors;
  if (int r = rte_eth_dev_adjust_nb_rx_tx_desc(id_, &nb_rx, &nb_tx); r != 0) {
    return Error("rte_eth_dev_adjust_nb_rx_tx_desc", r);
  }
  for (uint16_t q = 0; q < config_.rx_queues; ++q) {
    if (int r = rte_eth_rx_queue_setup(id_, q, nb_rx, socket_, nullptr, config_.pool); r != 0) {
      return Error("rte_eth_rx_queue_setup", r);
    }
  }
  for (uint16_t q = 0; q < config_.tx_queues; ++q) {
    if (int r = rte_eth_tx_queue_setup(id_, q, nb_tx, socket_, nullptr); r != 0) {
      return Error("rte_eth_tx_queue_setup", r);
    }
  }
  if (config_.mtu.has_value()) {
    if (int r = rte_eth_dev_set_mtu(id_, *config_.mtu); r != 0)
      return Error("rte_eth_dev_set_mtu", r);
  }
  if (int r = rte_eth_macaddr_get(id_, &mac_); r != 0) return Error("rte_eth_macaddr_get", r);
  return absl::OkStatus();
}

absl::Status Port::Start() {
  if (started_) return absl::OkStatus();
  if (int r = rte_eth_dev_start(id_); r != 0) return Error("rte_eth_dev_start", r);
  if (config_.promiscuous) {
    // Vdevs without the notion report ENOTSUP; that is not an error.
    const int r = rte_eth_promiscuous_enable(id_);
    if (r != 0 && r != -ENOTSUP) return Error("rte_eth_promiscuous_enable", r);
  }
  started_ = true;
  return absl::OkStatus();
}

absl::Status Port::Stop() {
  if (!started_) return absl::OkStatus();
  if (int r = rte_eth_dev_stop(id_); r != 0) return Error("rte_eth_dev_stop", r);
  started_ = false;
  return absl::OkStatus();
}

absl::StatusOr<PortStats> Port::Stats() const {
  rte_eth_stats s;
  if (int r = rte_eth_stats_get(id_, &s); r != 0) return Error("rte_eth_stats_get", r);
  PortStats out;
  out.rx_packets = s.ipackets;
  out.tx_packets = s.opackets;
  out.rx_bytes = s.ibytes;
  out.tx_bytes = s.obytes;
  out.rx_missed = s.imissed;
  out.rx_errors = s.ierrors;
  out.tx_errors = s.oerrors;
  out.rx_no_mbuf = s.rx_nombuf;
  return out;
}

absl::Status Port::ResetStats() {
  if (int r = rte_eth_stats_reset(id_); r != 0) return Error("rte_eth_stats_reset", r);
  return absl::OkStatus();
}

Port::~Port() {
  // Errors cannot be returned from here; the port is going away regardless.
  if (started_) rte_eth_dev_stop(id_);
  rte_eth_dev_close(id_);
  if (probed_ && device_ != nullptr) rte_dev_remove(device_);
}

}  // namespace cpn::dataplane
