// Steering classifier: which steering rule (if any) a packet to a service
// address belongs to.
//
// A rule is a destination prefix (IPv6, or IPv4) + optional IP protocol +
// optional destination port range, and carries the caller's rule index (the
// index of the rule's Maglev selector, counters, ...). PRECEDENCE: the
// longest matching prefix wins; among rules on that same prefix the most
// specific wins -- protocol and ports > ports only > protocol only > neither;
// between two port ranges the narrower; then the lower rule index. A rule
// whose protocol/ports do not match the packet falls through to the rules
// on shorter prefixes.
//
// STRUCTURE (so 1,000+ rules cost O(1)-ish per packet): one LPM per family
// (Lpm6 / Lpm4) maps a destination to the candidate list of its longest rule
// prefix. That list holds the prefix's own rules in precedence order followed
// by the list of the next shorter rule prefix covering it, so a lookup is one
// LPM walk plus a short scan that stops at the first candidate whose
// protocol/ports match. The list of a prefix is as long as the rules on it
// and on the rule prefixes above it (1 for disjoint service prefixes). A
// family with no rules has no LPM (no memory, every lookup misses).
//
// Packets: FlowKey.dst (v4-mapped for IPv4, chosen by FlowKey.is_ipv4),
// FlowKey.protocol, FlowKey.dst_port (0 when the protocol has none, so a
// port rule matching 0 also matches portless packets of its protocol).
//
// Immutable once built; a rule change builds a new classifier (cost: one
// LPM build per family that has rules, see lpm.h) and publishes it.
// THREADS: Build and the destructor on the control thread; Classify and
// ClassifyBulk from any number of workers at once.
#ifndef CPN_DATAPLANE_TABLES_CLASSIFIER_H_
#define CPN_DATAPLANE_TABLES_CLASSIFIER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "dataplane/common/flow_key.h"
#include "dataplane/tables/ip_address.h"
#include "dataplane/tables/lpm.h"

namespace cpn::dataplane {

inline constexpr uint32_t kNoRule = UINT32_MAX;

struct PortRange {
  uint16_t lo = 0;
  uint16_t hi = 65535;
  friend bool operator==(const PortRange&, const PortRange&) = default;
};

struct SteeringRuleSpec {
  uint32_t index = 0;  // Returned on a match; unique; < kNoRule.
  IpPrefix prefix;     // IPv6 or IPv4 (family), canonical.
  std::optional<uint8_t> protocol;
  std::optional<PortRange> dst_ports;
};

class SteeringClassifier {
 public:
  static constexpr uint32_t kMaxBulk = 64;

  static absl::StatusOr<std::unique_ptr<SteeringClassifier>> Build(
      std::span<const SteeringRuleSpec> rules, int socket_id = SOCKET_ID_ANY);

  // rule_index[i] = the matching rule's index, or kNoRule. Any n.
  void ClassifyBulk(const FlowKey* const keys[], uint32_t n, uint32_t* rule_index) const;
  uint32_t Classify(const FlowKey& key) const;

  const std::vector<SteeringRuleSpec>& rules() const { return rules_; }
  size_t memory_bytes() const;
  // Longest candidate list (the worst-case scan).
  uint32_t max_candidates() const { return max_candidates_; }

 private:
  struct Candidate {  // 12 bytes: five to a cache line.
    uint32_t rule;
    uint16_t port_lo;
    uint16_t port_hi;
    int16_t protocol;  // -1 = any.
    uint16_t reserved;
  };
  struct List {
    uint32_t offset;
    uint32_t count;
  };
  SteeringClassifier() = default;
  uint32_t Scan(uint32_t list, const FlowKey& key) const;

  std::unique_ptr<Lpm6> lpm6_;  // nullptr when no IPv6 rule.
  std::unique_ptr<Lpm4> lpm4_;  // nullptr when no IPv4 rule.
  std::vector<Candidate> candidates_;
  std::vector<List> lists_;
  std::vector<SteeringRuleSpec> rules_;
  uint32_t max_candidates_ = 0;
};

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_TABLES_CLASSIFIER_H_
