// AgentState: what the southbound agent's RPC handlers share -- the installed
// entities and their version, the slots they compile to, the open ports, the
// counter bases of reused slots -- and the lock that guards them.
//
// LOCKING: `mu` is a reader/writer lock. Write holds it exclusively for the
// whole transaction (validate, open ports, compile, publish, commit); Read,
// StreamCounters and the housekeeping thread hold it shared. Nothing holds
// `mu` while waiting on a client. The arbitrator has its own mutex and never
// takes `mu` (it reads `installed_version`, an atomic copy of state.version).
//
// THREADS: gRPC handler threads and the agent's writer and housekeeping
// threads, all on the main lcore's CPU set, never on a worker.
#ifndef CPN_DATAPLANE_AGENT_AGENT_STATE_H_
#define CPN_DATAPLANE_AGENT_AGENT_STATE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "dataplane/agent/compiler.h"
#include "dataplane/agent/entity_check.h"
#include "dataplane/agent/installed_state.h"
#include "dataplane/pipeline/pipeline.h"
#include "dataplane/pipeline/port_manager.h"

namespace cpn::dataplane::agent {

struct AgentConfig {
  std::string dataplane_id;               // Router id (GetCapabilities, arbitration).
  std::string listen = "127.0.0.1:9559";  // host:port; port 0 picks a free one.
  Limits limits;
  uint32_t max_updates_per_write = 100000;
  absl::Duration min_counters_interval = absl::Milliseconds(100);
  absl::Duration housekeeping_interval = absl::Milliseconds(200);  // RCU reclaim, link polls.
  std::string software_version = "0.1.0";
};

// Totals of one entity slot at the moment it was (re)assigned; reported
// counters are (sum over workers) - base, so a new entity starts at zero.
struct RuleBase {
  uint64_t packets = 0, bytes = 0, new_flows = 0, repicked = 0, not_steered = 0, rerouted = 0;
};
struct PolicyBase {
  uint64_t packets = 0, bytes = 0, new_flows = 0;
};
struct SidBase {
  uint64_t packets = 0, bytes = 0;
};

struct AgentState {
  AgentState(const AgentConfig& c, Pipeline* p, PortManager* pm)
      : config(c), pipeline(p), port_manager(pm), slots(c.limits.capacities) {}

  const AgentConfig config;
  Pipeline* const pipeline;
  PortManager* const port_manager;
  uint64_t boot_id = 0;
  std::atomic<uint64_t> installed_version{0};

  mutable std::shared_mutex mu;
  InstalledState state;                                 // Guarded by mu.
  SlotMaps slots;                                       // Guarded by mu.
  std::map<uint32_t, std::unique_ptr<OpenPort>> ports;  // By Port.id; guarded by mu.
  // SetPortEmulation overrides by Port.id (lab emulation); guarded by mu.
  // Not installed state: no version, not in Read's Port.emulation; dropped
  // with the port.
  std::map<uint32_t, v1::LinkEmulation> emulation_overrides;
  std::vector<RuleBase> rule_base;                      // By slot; guarded by mu.
  std::vector<PolicyBase> policy_base;
  std::vector<SidBase> sid_base;
};

// Sums of one slot's counters over the pipeline's workers.
RuleBase SumRule(const Pipeline& p, uint32_t slot);
PolicyBase SumPolicy(const Pipeline& p, uint32_t slot);
SidBase SumSid(const Pipeline& p, uint32_t slot);

// Port bindings of the open ports (for Compile). Caller holds mu.
std::map<uint32_t, PortBinding> Bindings(const AgentState& st);

// Compiles the installed entities again with the ports as they are now
// (emulation overrides, quiesced ports) and publishes the result: every
// table is shared with the live state, only the port arrays are rebuilt.
// On error nothing is published. Caller holds st.mu exclusively.
absl::Status RepublishPorts(AgentState& st);

}  // namespace cpn::dataplane::agent

#endif  // CPN_DATAPLANE_AGENT_AGENT_STATE_H_
