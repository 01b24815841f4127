#include "dataplane/tables/classifier.h"

#include <rte_byteorder.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "absl/strings/str_cat.h"

namespace cpn::dataplane {
namespace {

// 0 = protocol and ports, 1 = ports only, 2 = protocol only, 3 = neither.
int SpecificityClass(const SteeringRuleSpec& r) {
  if (r.protocol.has_value() && r.dst_ports.has_value()) return 0;
  if (r.dst_ports.has_value()) return 1;
  if (r.protocol.has_value()) return 2;
  return 3;
}

uint32_t PortWidth(const SteeringRuleSpec& r) {
  return r.dst_ports.has_value() ? uint32_t{r.dst_ports->hi} - r.dst_ports->lo : 65536;
}

bool Precedes(const SteeringRuleSpec* a, const SteeringRuleSpec* b) {
  return std::make_tuple(SpecificityClass(*a), PortWidth(*a), a->index) <
         std::make_tuple(SpecificityClass(*b), PortWidth(*b), b->index);
}

std::string Describe(const SteeringRuleSpec& r) {
  std::string s = absl::StrCat("steering rule ", r.index, " (", ToString(r.prefix));
  if (r.protocol) absl::StrAppend(&s, " proto ", *r.protocol);
  if (r.dst_ports) absl::StrAppend(&s, " dport ", r.dst_ports->lo, "-", r.dst_ports->hi);
  return s + ")";
}

}  // namespace

absl::StatusOr<std::unique_ptr<SteeringClassifier>> SteeringClassifier::Build(
    std::span<const SteeringRuleSpec> rules, int socket_id) {
  std::unique_ptr<SteeringClassifier> t(new SteeringClassifier());
  t->rules_.assign(rules.begin(), rules.end());

  // Validate, and group the rules by prefix.
  std::map<IpPrefix, std::vector<const SteeringRuleSpec*>> by_prefix;
  std::map<uint32_t, const SteeringRuleSpec*> by_index;
  for (const SteeringRuleSpec& r : t->rules_) {
    if (r.index == kNoRule) {
      return absl::InvalidArgumentError(
          absl::StrCat(Describe(r), ": index ", kNoRule, " is reserved"));
    }
    if (absl::Status s = ValidatePrefix(r.prefix); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(Describe(r), ": ", s.message()));
    }
    if (r.dst_ports && r.dst_ports->lo > r.dst_ports->hi) {
      return absl::InvalidArgumentError(absl::StrCat(Describe(r), ": empty port range"));
    }
    if (auto [it, fresh] = by_index.emplace(r.index, &r); !fresh) {
      return absl::InvalidArgumentError(
          absl::StrCat(Describe(r), " reuses the index of ", Describe(*it->second)));
    }
    std::vector<const SteeringRuleSpec*>& group = by_prefix[r.prefix];
    for (const SteeringRuleSpec* o : group) {
      if (o->protocol == r.protocol && o->dst_ports == r.dst_ports) {
        return absl::InvalidArgumentError(
            absl::StrCat(Describe(r), " matches exactly what ", Describe(*o), " matches"));
      }
    }
    group.push_back(&r);
  }

  // Candidate list of each prefix = its own rules in precedence order, then
  // the list of the longest shorter rule prefix covering it. Shorter prefixes
  // first, so a parent's list is complete before its children need it.
  std::vector<std::pair<IpPrefix, std::vector<const SteeringRuleSpec*>*>> order;
  for (auto& [prefix, group] : by_prefix) {
    std::sort(group.begin(), group.end(), Precedes);
    order.emplace_back(prefix, &group);
  }
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.first.length < b.first.length; });
  std::map<IpPrefix, std::vector<Candidate>> lists;
  std::vector<LpmRoute> routes6, routes4;
  // Only lengths some rule prefix has can hold a parent: probing just those
  // (not every shorter length) keeps 16,000 /64 rules from costing ~1M map
  // lookups per build.
  bool has_length[2][129] = {};
  for (const auto& [prefix, group] : order) {
    has_length[prefix.family == IpFamily::kIpv4][prefix.length] = true;
  }
  for (const auto& [prefix, group] : order) {
    std::vector<Candidate> list;
    for (const SteeringRuleSpec* r : *group) {
      list.push_back(Candidate{r->index, r->dst_ports ? r->dst_ports->lo : uint16_t{0},
                               r->dst_ports ? r->dst_ports->hi : uint16_t{65535},
                               r->protocol ? static_cast<int16_t>(*r->protocol) : int16_t{-1}, 0});
    }
    for (int len = static_cast<int>(prefix.length) - 1; len >= 0; --len) {
      if (!has_length[prefix.family == IpFamily::kIpv4][len]) continue;
      IpPrefix parent = prefix;
      parent.length = static_cast<uint8_t>(len);
      MaskAddress(parent.addr, parent.length128());
      if (auto it = lists.find(parent); it != lists.end()) {
        list.insert(list.end(), it->second.begin(), it->second.end());
        break;
      }
    }
    const uint32_t id = static_cast<uint32_t>(t->lists_.size());
    t->lists_.push_back(
        List{static_cast<uint32_t>(t->candidates_.size()), static_cast<uint32_t>(list.size())});
    t->candidates_.insert(t->candidates_.end(), list.begin(), list.end());
    t->max_candidates_ = std::max(t->max_candidates_, static_cast<uint32_t>(list.size()));
    (prefix.family == IpFamily::kIpv6 ? routes6 : routes4).push_back(LpmRoute{prefix, id});
    lists.emplace(prefix, std::move(list));
  }

  if (!routes6.empty()) {
    absl::StatusOr<std::unique_ptr<Lpm6>> lpm = Lpm6::Build(routes6, socket_id);
    if (!lpm.ok()) return lpm.status();
    t->lpm6_ = *std::move(lpm);
  }
  if (!routes4.empty()) {
    absl::StatusOr<std::unique_ptr<Lpm4>> lpm = Lpm4::Build(routes4, socket_id);
    if (!lpm.ok()) return lpm.status();
    t->lpm4_ = *std::move(lpm);
  }
  return t;
}

uint32_t SteeringClassifier::Scan(uint32_t list, const FlowKey& key) const {
  if (list == kLpmMiss) return kNoRule;
  const List& l = lists_[list];
  const Candidate* c = &candidates_[l.offset];
  for (uint32_t i = 0; i < l.count; ++i, ++c) {
    if ((c->protocol < 0 || c->protocol == key.protocol) && key.dst_port >= c->port_lo &&
        key.dst_port <= c->port_hi) {
      return c->rule;
    }
  }
  return kNoRule;
}

void SteeringClassifier::ClassifyBulk(const FlowKey* const keys[], uint32_t n,
                                      uint32_t* rule_index) const {
  uint8_t addr6[kMaxBulk][16];
  uint32_t addr4[kMaxBulk];
  uint32_t slot6[kMaxBulk], slot4[kMaxBulk];
  uint32_t list6[kMaxBulk], list4[kMaxBulk];
  for (uint32_t done = 0; done < n; done += kMaxBulk) {
    const uint32_t m = std::min(kMaxBulk, n - done);
    uint32_t n6 = 0, n4 = 0;
    for (uint32_t i = 0; i < m; ++i) {
      const FlowKey& k = *keys[done + i];
      if (k.is_ipv4) {
        if (lpm4_ == nullptr) {
          rule_index[done + i] = kNoRule;
          continue;
        }
        uint32_t be;
        std::memcpy(&be, k.dst + 12, 4);
        addr4[n4] = rte_be_to_cpu_32(be);
        slot4[n4++] = done + i;
      } else {
        if (lpm6_ == nullptr) {
          rule_index[done + i] = kNoRule;
          continue;
        }
        std::memcpy(addr6[n6], k.dst, 16);
        slot6[n6++] = done + i;
      }
    }
    if (n6 != 0) {
      lpm6_->LookupBulk(addr6, list6, n6);
      for (uint32_t i = 0; i < n6; ++i) rule_index[slot6[i]] = Scan(list6[i], *keys[slot6[i]]);
    }
    if (n4 != 0) {
      lpm4_->LookupBulk(addr4, list4, n4);
      for (uint32_t i = 0; i < n4; ++i) rule_index[slot4[i]] = Scan(list4[i], *keys[slot4[i]]);
    }
  }
}

uint32_t SteeringClassifier::Classify(const FlowKey& key) const {
  const FlowKey* k = &key;
  uint32_t r;
  ClassifyBulk(&k, 1, &r);
  return r;
}

size_t SteeringClassifier::memory_bytes() const {
  return (lpm6_ ? lpm6_->memory_bytes() : 0) + (lpm4_ ? lpm4_->memory_bytes() : 0) +
         candidates_.size() * sizeof(Candidate) + lists_.size() * sizeof(List);
}

}  // namespace cpn::dataplane
