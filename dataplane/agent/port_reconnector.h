// PortReconnector: brings a memif client port back after its server (the
// neighbouring router's cpn-dataplane) restarted. DPDK's memif client
// connects to its server only when the device starts, so once the server has
// gone the link stays down for good; a restarted server would wait forever.
// A client port down for `down_for` is therefore stopped and started again,
// at most once every `retry_every`, until its link is up.
//
// The device may not be stopped while a worker polls or transmits on it:
// the port is first published as absent (OpenPort::quiesced; its routes drop
// as on a port that is down), then the agent waits one RCU grace period,
// restarts the device and publishes the port again. A failed start (the
// server is not listening yet) leaves it absent until the next try.
//
// THREADS: Poll on the agent's housekeeping thread only. It looks under
// st.mu shared and restarts under st.mu exclusive, which a Write then waits
// for: one grace period plus a stop and a start (a connect() on a Unix
// socket), about a millisecond.
#ifndef CPN_DATAPLANE_AGENT_PORT_RECONNECTOR_H_
#define CPN_DATAPLANE_AGENT_PORT_RECONNECTOR_H_

#include <cstdint>
#include <map>
#include <vector>

#include "absl/time/time.h"
#include "dataplane/agent/agent_state.h"

namespace cpn::dataplane::agent {

struct ReconnectOptions {
  absl::Duration down_for = absl::Seconds(1);     // Link down this long before a restart.
  absl::Duration retry_every = absl::Seconds(1);  // Between two restarts of one port.
};

class PortReconnector {
 public:
  explicit PortReconnector(ReconnectOptions options = {}) : options_(options) {}

  // Restarts the client ports that are due; returns their Port.ids.
  std::vector<uint32_t> Poll(AgentState& st, absl::Time now);

 private:
  // The ports to restart now; updates the down-since record. st.mu held.
  std::vector<uint32_t> Due(const AgentState& st, absl::Time now);
  void Restart(AgentState& st, uint32_t id, absl::Time now);

  const ReconnectOptions options_;
  std::map<uint32_t, absl::Time> down_since_;  // By Port.id; client ports seen down.
  std::map<uint32_t, absl::Time> tried_at_;    // By Port.id; last restart.
};

}  // namespace cpn::dataplane::agent

#endif  // CPN_DATAPLANE_AGENT_PORT_RECONNECTOR_H_
