// TxSink over a real ethdev queue: what TxStage uses in the dataplane.
// One per worker, bound to the tx queue that worker owns on every port.
#ifndef CPN_DATAPLANE_PORTS_ETHDEV_TX_SINK_H_
#define CPN_DATAPLANE_PORTS_ETHDEV_TX_SINK_H_

#include <rte_ethdev.h>

#include "dataplane/stages/tx.h"

namespace cpn::dataplane {

class EthdevTxSink final : public TxSink {
 public:
  explicit EthdevTxSink(uint16_t tx_queue) : queue_(tx_queue) {}
  uint16_t Transmit(uint16_t port, rte_mbuf** pkts, uint16_t n) override {
    return rte_eth_tx_burst(port, queue_, pkts, n);
  }

 private:
  const uint16_t queue_;
};

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_PORTS_ETHDEV_TX_SINK_H_
