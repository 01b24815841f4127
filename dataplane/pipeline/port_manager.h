// PortManager: the ethdev ports of a running dataplane, opened from devargs
// with as many rx/tx queues as the device allows up to one per worker, and
// the tx hand-off ring of ports that have fewer tx queues than workers.
//
// Open() accepts devargs to probe ("net_pcap0,rx_pcap=in.pcap",
// "net_memif0,role=server,socket=/run/x.sock", "0000:01:00.0"), or the name
// of an ethdev that already exists (a --vdev given to EAL, or a port made
// with rte_eth_from_rings in a test); only a device Open() probed itself is
// removed again by Close().
//
// A port is started by Open() but carries traffic only once a published
// ForwardingState lists it; Close() must come after a grace period that
// followed the publication of a state without it (Pipeline::Synchronize).
//
// THREADS: every method on the control thread (callers serialise), except
// the const readers Link/Stats, which any control thread may call.
#ifndef CPN_DATAPLANE_PIPELINE_PORT_MANAGER_H_
#define CPN_DATAPLANE_PIPELINE_PORT_MANAGER_H_

#include <rte_ether.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dataplane/ports/port.h"

namespace cpn::dataplane {

struct OpenPort {
  uint16_t dpdk_id = 0;
  uint16_t rx_queues = 0;
  uint16_t tx_queues = 0;
  bool rss = false;             // The device spreads rx queues by RSS.
  rte_ring* handoff = nullptr;  // tx hand-off ring when tx_queues < workers.
  std::string devargs;
  std::string driver;
  rte_ether_addr device_mac{};
  // Owned here.
  std::unique_ptr<Port> port;
  rte_device* device = nullptr;
  bool probed = false;  // Open() probed the device: Close() removes it.
  // A memif client: DPDK connects it to its server only in
  // rte_eth_dev_start, so once that server has gone its link comes back only
  // through Restart().
  bool reconnects = false;
  // Restart() in progress or failed: the forwarding state must not list the
  // port (its owner sets this and republishes before calling Restart).
  bool quiesced = false;
};

struct LinkInfo {
  bool known = false;  // The driver reports link state.
  bool up = false;
  uint64_t speed_bps = 0;
};

class PortManager {
 public:
  // `pool` feeds every rx queue; it must outlive the manager.
  PortManager(rte_mempool* pool, uint32_t workers) : pool_(pool), workers_(workers) {}
  ~PortManager() = default;  // Ports still open are closed by their owners.
  PortManager(const PortManager&) = delete;
  PortManager& operator=(const PortManager&) = delete;

  // Probes (or finds) the device, configures min(workers, device max)
  // queues each way, starts it. InvalidArgument names the devargs and DPDK's
  // error; FailedPrecondition when the ethdev is already open here.
  absl::StatusOr<std::unique_ptr<OpenPort>> Open(const std::string& devargs);
  // Stops and closes the port, frees what is left in its hand-off ring and
  // removes the device if Open probed it.
  void Close(std::unique_ptr<OpenPort> port);

  absl::Status SetMac(const OpenPort& port, const rte_ether_addr& mac);
  // Stops and starts the device (a memif client reconnects to its server).
  // Only after a grace period that followed the publication of a state
  // without the port; on error the device stays stopped.
  absl::Status Restart(OpenPort& port);
  LinkInfo Link(const OpenPort& port) const;

  uint32_t workers() const { return workers_; }

 private:
  rte_mempool* const pool_;
  const uint32_t workers_;
  bool in_use_[RTE_MAX_ETHPORTS] = {};
};

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_PIPELINE_PORT_MANAGER_H_
