#include "dataplane/telemetry/ipfix_policy_source.h"

#include <arpa/inet.h>

#include <mutex>
#include <shared_mutex>

#include "dataplane/agent/agent_state.h"

namespace cpn::dataplane::ipfix {

const PolicyInfo* AgentPolicySource::Find(uint32_t slot, uint32_t generation) {
  const uint64_t key = uint64_t{slot} << 32 | generation;
  auto it = cache_.find(key);
  if (it == cache_.end() &&
      state_->installed_version.load(std::memory_order_acquire) != seen_version_) {
    Refresh();
    it = cache_.find(key);
  }
  return it == cache_.end() ? nullptr : &it->second;
}

void AgentPolicySource::Refresh() {
  std::shared_lock<std::shared_mutex> lock(state_->mu);
  seen_version_ = state_->installed_version.load(std::memory_order_acquire);
  if (cache_.size() + state_->state.policies.size() > kMaxCached) cache_.clear();
  for (const auto& [id, policy] : state_->state.policies) {
    const std::optional<uint32_t> slot = state_->slots.policies.Find(id);
    if (!slot.has_value()) continue;
    const uint64_t key = uint64_t{*slot} << 32 | state_->slots.policies.generation(*slot);
    if (cache_.contains(key)) continue;
    PolicyInfo info;
    info.id = id;
    for (const std::string& sid : policy.segments()) {
      std::array<uint8_t, 16> a{};
      if (inet_pton(AF_INET6, sid.c_str(), a.data()) != 1) continue;  // Validated at Write.
      info.segments.push_back(a);
    }
    cache_.emplace(key, std::move(info));
  }
}

}  // namespace cpn::dataplane::ipfix
