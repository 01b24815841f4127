// Where the IPFIX exporter learns what a flow's (policy slot, generation)
// was: PolicySource (an interface; tests use a map) and AgentPolicySource,
// which reads the southbound agent's installed state.
//
// A worker's flow record names the slot and generation its flow was pinned
// to, not the policy itself (ipfix_flow_ring.h). AgentPolicySource keeps a
// cache (slot, generation) -> (Srv6Policy.id, segments), refreshed from
// AgentState (under its shared lock) whenever the installed version moved.
// A slot's generation changes whenever its policy is deleted or its segments
// change, so a (slot, generation) names one policy with one segment list;
// entries of earlier generations stay in the cache (up to kMaxCached), so a
// flow that ends after its policy changed is still exported with the
// segments it used. A (slot, generation) installed and replaced between two
// refreshes (two Writes within one exporter poll, ~100 ms) is unknown:
// exported with policy id 0 and no segments.
//
// THREADS: Find from one thread (the exporter's).
#ifndef CPN_DATAPLANE_TELEMETRY_IPFIX_POLICY_SOURCE_H_
#define CPN_DATAPLANE_TELEMETRY_IPFIX_POLICY_SOURCE_H_

#include <cstdint>
#include <unordered_map>

#include "dataplane/telemetry/ipfix_record.h"

namespace cpn::dataplane::agent {
struct AgentState;
}  // namespace cpn::dataplane::agent

namespace cpn::dataplane::ipfix {

class PolicySource {
 public:
  virtual ~PolicySource() = default;
  // The policy pinned as (slot, generation), or null when unknown. Valid
  // until the next call.
  virtual const PolicyInfo* Find(uint32_t slot, uint32_t generation) = 0;
};

class AgentPolicySource final : public PolicySource {
 public:
  static constexpr size_t kMaxCached = 65536;
  // `state` must outlive this.
  explicit AgentPolicySource(const agent::AgentState* state) : state_(state) {}
  const PolicyInfo* Find(uint32_t slot, uint32_t generation) override;

 private:
  void Refresh();
  const agent::AgentState* const state_;
  uint64_t seen_version_ = UINT64_MAX;
  std::unordered_map<uint64_t, PolicyInfo> cache_;  // (slot << 32 | generation) -> policy.
};

}  // namespace cpn::dataplane::ipfix

#endif  // CPN_DATAPLANE_TELEMETRY_IPFIX_POLICY_SOURCE_H_
